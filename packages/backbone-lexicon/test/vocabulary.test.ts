import { describe, expect, it } from 'vitest'
import { CSS_COLORS as colorNames } from '../src/css-colors.js'
import { DEFAULT_TEMPERATURE, lexiconSpace, vocabulary } from '../src/vocabulary.js'

describe('vocabulary', () => {
  it('has one entry per distinct RGB value of color-name, every name kept as an alias', () => {
    const distinct = new Set(Object.values(colorNames).map((c) => c.join(',')))
    const v = vocabulary()
    expect(v.entries.length).toBe(distinct.size)
    expect(v.lab.length).toBe(3 * distinct.size)
    const aliases = v.entries.flatMap((e) => e.aliases)
    expect(aliases.sort()).toEqual(Object.keys(colorNames).sort())
    for (const [name, rgb] of Object.entries(colorNames)) expect(v.entries[v.index.get(name)!].rgb).toEqual([...rgb])
  })

  it('merges the exact duplicates into one entry with the first name canonical', () => {
    const v = vocabulary()
    for (const [a, b] of [['aqua', 'cyan'], ['fuchsia', 'magenta'], ['gray', 'grey'], ['darkslategray', 'darkslategrey']]) {
      const e = v.entries[v.index.get(b)!]
      expect(v.index.get(a)).toBe(v.index.get(b))
      expect(e.name).toBe(a)
      expect(e.aliases).toEqual([a, b])
    }
  })

  it('holds CIE Lab (D65) values that match published conversions', () => {
    const v = vocabulary()
    const lab = (n: string) => v.entries[v.index.get(n)!].lab
    expect(lab('white')[0]).toBeCloseTo(100, 3)
    expect(Math.abs(lab('white')[1]) + Math.abs(lab('white')[2])).toBeLessThan(0.01)
    expect(lab('black')).toEqual([0, 0, 0])
    // sRGB red in CIELAB D65: L 53.24, a 80.09, b 67.20 (Lindbloom).
    expect(lab('red')[0]).toBeCloseTo(53.24, 1)
    expect(lab('red')[1]).toBeCloseTo(80.09, 1)
    expect(lab('red')[2]).toBeCloseTo(67.2, 1)
  })

  it('names the space after the package version, with a non-default temperature in the id', () => {
    expect(lexiconSpace()).toBe('color-lexicon/0.1.0')
    expect(lexiconSpace(DEFAULT_TEMPERATURE)).toBe('color-lexicon/0.1.0')
    expect(lexiconSpace(30)).toBe('color-lexicon/0.1.0;t=30')
  })
})
