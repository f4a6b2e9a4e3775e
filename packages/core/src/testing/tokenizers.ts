/**
 * Generated `tokenizer.json` files of the two kinds the paper's text towers use, laid out as the
 * Hugging Face converters write them, for tests and contract models (small vocabularies).
 */

/** One Unigram piece and its log-probability score. */
export type UnigramPiece = [piece: string, score: number]

/** Options of {@link unigramTokenizerJson}. */
export interface UnigramTokenizerOptions {
  /** Pieces after the three specials (`<pad>` 0, `</s>` 1, `<unk>` 2), `▁` marking a word start. */
  pieces: UnigramPiece[]
  /** SentencePiece's `precompiled_charsmap` (base64); without it the normalizer is NFKC. */
  precompiledCharsmap?: string
}

const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })

/**
 * A T5/SigLIP-style SentencePiece Unigram tokenizer.json (the layout of `T5TokenizerFast`):
 * Precompiled (or NFKC) normalizer, WhitespaceSplit + Metaspace(`▁`, prefix always), Unigram with
 * `<pad>` 0, `</s>` 1, `<unk>` 2, and a template appending `</s>`.
 */
export function unigramTokenizerJson(opts: UnigramTokenizerOptions): Record<string, unknown> {
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    normalizer: opts.precompiledCharsmap ? { type: 'Precompiled', precompiled_charsmap: opts.precompiledCharsmap } : { type: 'NFKC' },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [{ type: 'WhitespaceSplit' }, { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true }],
    },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, byte_fallback: false, vocab: [['<pad>', 0], ['</s>', 0], ['<unk>', 0], ...opts.pieces] },
  }
}

/** GPT-2's byte → printable-character table, which byte-level BPE vocabularies are written in. */
export function bytesToUnicode(): string[] {
  const keep = (b: number) => (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255)
  const out: string[] = []
  let n = 0
  for (let b = 0; b < 256; b++) out.push(String.fromCodePoint(keep(b) ? b : 256 + n++))
  return out
}

/** Options of {@link clipBpeTokenizerJson}. */
export interface ClipBpeTokenizerOptions {
  /** Merges in rank order, each `left right` in the byte-level alphabet (`</w>` ends a word). */
  merges: string[]
}

/**
 * A CLIP-style byte-level BPE tokenizer.json (the layout of `CLIPTokenizerFast`): NFC + whitespace
 * collapse + lower-case, CLIP's split regex then ByteLevel, BPE with the `</w>` end-of-word suffix,
 * and `<|startoftext|>` … `<|endoftext|>` around each text. The vocabulary is the 256 byte symbols
 * (printable bytes first, in CLIP's order),
 * the same with `</w>`, one token per merge, then the two specials (so their ids are the last two,
 * as in CLIP's 49406/49407).
 */
export function clipBpeTokenizerJson(opts: ClipBpeTokenizerOptions): Record<string, unknown> {
  // CLIP's vocabulary starts with the printable bytes (`!` is id 0), then the remapped ones.
  const table = bytesToUnicode()
  const printable = (b: number) => table[b].codePointAt(0) === b
  const bytes = [...table.filter((_, b) => printable(b)), ...table.filter((_, b) => !printable(b))]
  const vocab: Record<string, number> = {}
  const add = (t: string) => {
    if (!(t in vocab)) vocab[t] = Object.keys(vocab).length
  }
  bytes.forEach(add)
  bytes.forEach((b) => add(b + '</w>'))
  for (const m of opts.merges) add(m.replace(' ', ''))
  const sot = Object.keys(vocab).length
  vocab['<|startoftext|>'] = sot
  vocab['<|endoftext|>'] = sot + 1
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(sot, '<|startoftext|>'), special(sot + 1, '<|endoftext|>')],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: {
      type: 'RobertaProcessing', sep: ['<|endoftext|>', sot + 1], cls: ['<|startoftext|>', sot], trim_offsets: false, add_prefix_space: false,
    },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE', dropout: null, unk_token: '<|endoftext|>', continuing_subword_prefix: '', end_of_word_suffix: '</w>', fuse_unk: false, byte_fallback: false,
      vocab, merges: opts.merges,
    },
  }
}
