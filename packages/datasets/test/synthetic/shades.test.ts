import { describe, expect, it } from 'vitest'
import { OBJECT_CATEGORIES, fileShades, objectShades } from '../../src/synthetic/shades.js'

describe('fileShades', () => {
  it('files a name under its head word when no other word is a colour term or its -ish form', () => {
    const filed = fileShades([
      { name: 'navy blue', hex: '#001f5b' }, { name: 'light green', hex: '#84e574' }, { name: 'Mustard Yellow', hex: '#dcbc31' },
      { name: 'blue green', hex: '#1fa38a' }, { name: 'reddish brown', hex: '#7f2b0a' }, { name: 'greyish pink', hex: '#c88d94' },
      { name: 'bluish purple', hex: '#703be7' }, { name: 'teal', hex: '#3ec5b4' }, { name: 'red wine', hex: '#8c0034' },
    ])
    expect(Object.keys(filed)).toEqual([...OBJECT_CATEGORIES])
    expect(filed.blue).toEqual([{ name: 'navy blue', rgb: [0, 31, 91] }])
    expect(filed.green.map((s) => s.name)).toEqual(['light green'])
    expect(filed.yellow.map((s) => s.name)).toEqual(['Mustard Yellow'])
    for (const c of ['red', 'orange', 'purple', 'pink', 'brown']) expect(filed[c], c).toEqual([])
  })

  it('refuses an entry whose colour is not #rrggbb, naming it', () => {
    expect(() => fileShades([{ name: 'odd red', hex: 'red' }])).toThrow('shade "odd red": expected hex "#rrggbb", got "red"')
  })

  it('gives every category several shades from the study, none of them the CSS value of the word', () => {
    const css: Record<string, number[]> = { red: [255, 0, 0], orange: [255, 165, 0], yellow: [255, 255, 0], green: [0, 128, 0], blue: [0, 0, 255], purple: [128, 0, 128], pink: [255, 192, 203], brown: [165, 42, 42] }
    const shades = objectShades()
    for (const c of OBJECT_CATEGORIES) {
      expect(shades[c].length, c).toBeGreaterThanOrEqual(10)
      expect(shades[c].map((s) => [...s.rgb]), c).not.toContainEqual(css[c])
    }
  })
})
