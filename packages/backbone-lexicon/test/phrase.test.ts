import { describe, expect, it } from 'vitest'
import { parseColorPhrase, phraseWords } from '../src/phrase.js'

const name = (t: string) => parseColorPhrase(t)?.name ?? null

describe('parseColorPhrase', () => {
  it('lowercases and splits on anything that is not a letter', () => {
    expect(phraseWords('  Dark-Green, chair!! 2x')).toEqual(['dark', 'green', 'chair', 'x'])
  })

  it('finds single colour words among other words', () => {
    expect(name('red')).toBe('red')
    expect(name('a red chair')).toBe('red')
    expect(name('The TEAL sofa.')).toBe('teal')
  })

  it('compounds modifiers when CSS has the compound and drops them otherwise', () => {
    expect(name('dark green')).toBe('darkgreen')
    expect(name('pale green plant')).toBe('palegreen')
    expect(name('deep pink')).toBe('deeppink')
    expect(name('light sea green')).toBe('lightseagreen')
    expect(name('light golden rod yellow')).toBe('lightgoldenrodyellow')
    expect(name('light red')).toBe('red')
    expect(name('deep red')).toBe('red')
  })

  it('takes the first colour of the phrase', () => {
    expect(name('navy blue chair')).toBe('navy')
    expect(name('red and white mug')).toBe('red')
  })

  it('matches aliases to one entry', () => {
    expect(parseColorPhrase('grey wall')!.entry).toBe(parseColorPhrase('gray wall')!.entry)
    expect(parseColorPhrase('dark grey')!.name).toBe('darkgrey')
  })

  it('returns null when no word is a colour', () => {
    expect(parseColorPhrase('chair')).toBeNull()
    expect(parseColorPhrase('light dark pale')).toBeNull()
    expect(parseColorPhrase('')).toBeNull()
  })
})
