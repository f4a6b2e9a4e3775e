import { describe, expect, it } from 'vitest'
import { cleanText } from '../../src/models/text-clean.js'
import { createTextTokenizer, fitToLength } from '../../src/models/text-tokenizer.js'
import type { TokenizerInfo } from '../../src/models/manifest.js'
import { clipBpeTokenizerJson, unigramTokenizerJson, type UnigramPiece } from '../../src/testing/tokenizers.js'
import { CLIP_REFERENCE, pythonRegex } from './clip-reference.js'
import { SPM_REFERENCE, sentencepiece } from './spm-reference.js'

/** Strings that have tripped tokenizers: case, punctuation, entities, Unicode forms, length. */
export const TRICKY = [
  'a photo of a chair.',
  'A Photo Of THE Chair!!!',
  '  red   chair\t\n near the  window ',
  'wooden_table-top (kitchen)',
  'café',
  'cafe\u0301',
  'naïve Ünïcödé ÀÉÎ',
  'Ｆｕｌｌｗｉｄｔｈ ＲＧＢ ｌａｍｐ',
  '🪑 chair 🛋️ sofa',
  'Tom &amp; Jerry&#39;s sofa',
  '&amp;lt;b&amp;gt; bold',
  '3d chair 2024 #42, 7.5%',
  '',
  '   ',
  '中文 椅子',
  "it's the chair's leg",
  '\u00a0non\u2009breaking\u3000spaces\u2028here',
  'a\u200bzero width',
  'ΟΔΟΣ σοφάς',
  'a photo of a {}.'.replace('{}', 'lamp'),
  Array.from({ length: 80 }, (_, i) => ['red', 'chair', 'near', 'the', 'window'][i % 5]).join(' '),
]

const WORDS = ('a photo of the chair table sofa lamp window door red green blue wooden kitchen cabinet bed pillow plant shelf book ' +
  'monitor keyboard mouse cup bottle floor wall ceiling picture frame television toilet sink bathtub towel curtain desk office café ' +
  'naïve 2024 3d rgb large small big dark light white black brown grey yellow orange purple pink of in on under near left right top ' +
  'bottom corner room house living bedroom bathroom its leg').split(' ')

const SIGLIP: TokenizerInfo = { file: 'tokenizer.json', context_length: 64, pad_id: 1, eos_id: 1, clean: 'siglip', keep_eos_on_truncate: true }

interface SpmCase { text: string; clean: string; ids: number[] }

describe('SigLIP-style tokenizer against SentencePiece', () => {
  it.skipIf(!sentencepiece.available)(`matches sentencepiece + open_clip's canonicalize on every tricky string${sentencepiece.note}`, () => {
    const ref = sentencepiece.json(SPM_REFERENCE, [JSON.stringify([WORDS, TRICKY, 64])]) as { pieces: UnigramPiece[]; charsmap: string; cases: SpmCase[] }
    const tok = createTextTokenizer(unigramTokenizerJson({ pieces: ref.pieces, precompiledCharsmap: ref.charsmap }), {}, SIGLIP, 'spm-test')
    const ours = TRICKY.map((text) => ({ text, clean: tok.clean(text), ids: tok.encode(text) }))
    expect(ours).toEqual(ref.cases)
    // The check has teeth: several strings hit unknown pieces, the long one is truncated.
    expect(ref.cases.filter((c) => c.ids.includes(2)).length).toBeGreaterThan(0)
    expect(ref.cases.at(-1)!.ids.filter((i) => i !== 1).length).toBe(63)
  })
})

describe('CLIP-style tokenizer against a Python SimpleTokenizer', () => {
  it.skipIf(!pythonRegex.available)(`matches open_clip's byte-level BPE and clean-up on every tricky string${pythonRegex.note}`, () => {
    const ref = pythonRegex.json(CLIP_REFERENCE, [JSON.stringify([WORDS, TRICKY, 77, 200])]) as { merges: string[]; cases: SpmCase[] }
    const json = clipBpeTokenizerJson({ merges: ref.merges })
    const eot = (json.added_tokens as Array<{ id: number }>)[1].id
    const tok = createTextTokenizer(json, {}, { file: 'tokenizer.json', context_length: 77, pad_id: 0, eos_id: eot, clean: 'clip', keep_eos_on_truncate: true }, 'clip-test')
    expect(TRICKY.map((text) => ({ text, clean: tok.clean(text), ids: tok.encode(text) }))).toEqual(ref.cases)
    expect(ref.merges.length).toBe(200)
    expect(ref.cases.at(-1)!.ids.at(-1)).toBe(eot)
  })
})

describe('cleanText', () => {
  it('siglip: open_clip canonicalize after basic_clean', () => {
    expect(TRICKY.slice(0, 4).map((t) => cleanText(t, 'siglip'))).toEqual(['a photo of a chair', 'a photo of the chair', 'red chair near the window', 'wooden tabletop kitchen'])
    expect(cleanText('Tom &amp;amp; Jerry', 'siglip')).toBe('tom jerry')
  })
  it('clip: whitespace collapsed and lower-cased, punctuation kept', () => {
    expect(cleanText('  A Photo\tof a &quot;Chair&quot;.  ', 'clip')).toBe('a photo of a "chair".')
  })
  it('none: unchanged', () => {
    expect(cleanText(' A_B ', 'none')).toBe(' A_B ')
  })
})

describe('fitToLength', () => {
  const info: TokenizerInfo = { file: 't', context_length: 4, pad_id: 0, eos_id: 9, clean: 'none', keep_eos_on_truncate: true }
  it('pads with pad_id', () => expect(fitToLength([5, 9], info)).toEqual([5, 9, 0, 0]))
  it('keeps a sequence of exactly L', () => expect(fitToLength([1, 2, 3, 9], info)).toEqual([1, 2, 3, 9]))
  it('keeps eos last on truncation when asked', () => expect(fitToLength([1, 2, 3, 4, 5, 9], info)).toEqual([1, 2, 3, 9]))
  it('cuts plainly otherwise', () => expect(fitToLength([1, 2, 3, 4, 5, 9], { ...info, keep_eos_on_truncate: false })).toEqual([1, 2, 3, 4]))
})

describe('tokenizer.json models the engine cannot run faithfully', () => {
  const info: TokenizerInfo = { file: 'tokenizer.json', context_length: 8, pad_id: 0, clean: 'clip' }
  const wordLevel = { model: { type: 'WordLevel', vocab: { '<pad>': 0, '<unk>': 1, a: 2 }, unk_token: '<unk>' }, pre_tokenizer: { type: 'Whitespace' } }

  it('refuses a WordLevel model (the engine would map unknown words to no id), naming the types it runs', () => {
    expect(() => createTextTokenizer(wordLevel, {}, info, 'toy', '/m/tokenizer.json')).toThrow(expect.objectContaining({
      diagnostics: [expect.objectContaining({
        code: 'PLAF_MODEL_INVALID',
        message: 'model toy: /m/tokenizer.json has a "WordLevel" model, which the tokenizer engine (@huggingface/tokenizers) does not implement',
        file: '/m/tokenizer.json', path: 'model.type', expected: 'Unigram, BPE, WordPiece', actual: 'WordLevel',
      })],
    }))
  })

  it('names a token that gets no id instead of passing undefined on to the model', () => {
    // WordPiece without its unk token in the vocabulary: "b" has no id
    const json = { model: { type: 'WordPiece', vocab: { '<pad>': 0, a: 1 }, unk_token: '<unk>', continuing_subword_prefix: '##', max_input_chars_per_word: 100 }, pre_tokenizer: { type: 'Whitespace' }, decoder: null, post_processor: null, normalizer: null, added_tokens: [] }
    const tok = createTextTokenizer(json, {}, info, 'toy', '/m/tokenizer.json')
    expect(tok.encode('a')).toEqual([1, 0, 0, 0, 0, 0, 0, 0])
    expect(() => tok.encode('a b')).toThrow(expect.objectContaining({
      diagnostics: [expect.objectContaining({ code: 'PLAF_MODEL_INVALID', message: expect.stringContaining('maps the token') as unknown, file: '/m/tokenizer.json' })],
    }))
  })
})
