import { describe, expect, it } from 'vitest'
import { BASIC_TERMS, fileUnder } from '../src/basic-terms.js'
import { CSS_COLORS } from '../src/css-colors.js'
import { parseHexList, xkcdColours } from '../src/naming-data.js'
import { DEFAULT_TEMPERATURE, lexiconSpace, vocabulary } from '../src/vocabulary.js'

describe('vocabulary', () => {
  it('has the eleven basic colour terms as its dimensions, gray an alias of grey', () => {
    const v = vocabulary()
    expect(v.entries.map((e) => e.name)).toEqual([...BASIC_TERMS])
    expect(v.entries).toHaveLength(11)
    expect(v.index.get('gray')).toBe(v.index.get('grey'))
    expect(v.model.d).toBe(11)
  })

  it('files a survey name under the term that is its head word, and only then', () => {
    expect(BASIC_TERMS[fileUnder('brick red')!]).toBe('red')
    expect(BASIC_TERMS[fileUnder('bluish green')!]).toBe('green')
    expect(fileUnder('Blue-Gray')).toBeUndefined() // two terms: between categories
    expect(fileUnder('yellow green')).toBeUndefined()
    expect(fileUnder('teal')).toBeUndefined()
    expect(fileUnder('red wine')).toBeUndefined()
    expect(BASIC_TERMS[fileUnder('light gray')!]).toBe('grey')
  })

  it('builds its naming model from every filed survey colour, each once', () => {
    const { model } = vocabulary()
    const filed = xkcdColours().filter((c) => fileUnder(c.name) !== undefined)
    expect(xkcdColours()).toHaveLength(949)
    expect(model.centreTerm.length).toBe(filed.length)
    expect(model.centres.length).toBe(3 * filed.length)
    expect([...model.centreNames]).toEqual(filed.map((c) => c.name))
    expect([...model.centreTerm]).toEqual(filed.map((c) => fileUnder(c.name)))
    // every term has survey colours behind it
    for (let t = 0; t < 11; t++) expect(model.centreTerm.includes(t), BASIC_TERMS[t]).toBe(true)
  })

  it('knows every survey and CSS name, the survey spelling first', () => {
    const v = vocabulary()
    for (const c of xkcdColours()) expect(v.names.get(c.name.toLowerCase().replace(/[^a-z]/g, ''))).toBeDefined()
    for (const name of Object.keys(CSS_COLORS)) expect(v.names.get(name)).toBeDefined()
    expect(v.names.get('navyblue')).toMatchObject({ source: 'xkcd', name: 'navy blue' })
    expect(v.names.get('firebrick')).toMatchObject({ source: 'css', rgb: [178, 34, 34] })
    // the survey's red is #e50000, not CSS's #ff0000
    expect(v.names.get('red')).toMatchObject({ source: 'xkcd', rgb: [229, 0, 0] })
    const white = v.names.get('white')!.lab
    expect(white[0]).toBeCloseTo(100, 3)
    expect(Math.abs(white[1]) + Math.abs(white[2])).toBeLessThan(0.01)
  })

  it('refuses a malformed naming list, naming the entry', () => {
    expect(() => parseHexList([{ name: 'x', hex: '#12345' }], 'list.json')).toThrow('list.json[0]: expected { name: string, hex: "#rrggbb" }')
    expect(() => parseHexList({}, 'list.json')).toThrow('list.json: expected an array')
    expect(parseHexList([{ name: ' red ', hex: '#Ff0001' }], 'l')).toEqual([{ name: 'red', rgb: [255, 0, 1] }])
  })

  it('names the space after the plugin version, with a non-default temperature in the id', () => {
    expect(lexiconSpace()).toBe('color-lexicon/0.3.0')
    expect(lexiconSpace(DEFAULT_TEMPERATURE)).toBe('color-lexicon/0.3.0')
    expect(lexiconSpace(30)).toBe('color-lexicon/0.3.0;t=30')
  })
})
