import { describe, expect, it } from 'vitest'
import { parseColorPhrase, phraseWords } from '../src/phrase.js'

const name = (t: string) => parseColorPhrase(t)?.name ?? null
const kind = (t: string) => parseColorPhrase(t)?.kind ?? null

describe('parseColorPhrase', () => {
  it('lowercases and splits on anything that is not a letter', () => {
    expect(phraseWords('  Dark-Green, chair!! 2x')).toEqual(['dark', 'green', 'chair', 'x'])
  })

  it('reads a basic term as a category, whatever surrounds it', () => {
    expect(parseColorPhrase('red')).toMatchObject({ kind: 'term', name: 'red', words: ['red'] })
    expect(parseColorPhrase('a Red chair')).toMatchObject({ kind: 'term', name: 'red' })
    expect(parseColorPhrase('grey wall')!.kind).toBe('term')
    expect(parseColorPhrase('gray wall')).toMatchObject({ kind: 'term', entry: 10, name: 'gray' })
    expect(parseColorPhrase('grey wall')).toMatchObject({ kind: 'term', entry: 10 })
  })

  it('reads a named colour as that shade: survey names first, CSS names where the survey has none', () => {
    expect(parseColorPhrase('navy blue chair')).toMatchObject({ kind: 'colour', name: 'navy blue', words: ['navy', 'blue'] })
    expect(parseColorPhrase('brick red')).toMatchObject({ kind: 'colour', colour: { source: 'xkcd', name: 'brick red' } })
    expect(parseColorPhrase('The TEAL sofa.')).toMatchObject({ kind: 'colour', name: 'teal' })
    expect(parseColorPhrase('light golden rod yellow')).toMatchObject({ kind: 'colour', colour: { source: 'css', name: 'lightgoldenrodyellow' } })
    expect(parseColorPhrase('firebrick door')).toMatchObject({ kind: 'colour', colour: { source: 'css', rgb: [178, 34, 34] } })
  })

  it('takes the longest name at the first colour word', () => {
    expect(name('really light blue mug')).toBe('really light blue')
    expect(name('red and white mug')).toBe('red')
    expect(kind('blue green vase')).toBe('colour') // the survey's `blue green`, not the term blue
  })

  it('returns null when no word is a colour', () => {
    expect(parseColorPhrase('chair')).toBeNull()
    expect(parseColorPhrase('very')).toBeNull()
    expect(parseColorPhrase('')).toBeNull()
  })
})
