import { defineOnnxTextEncoder, type OnnxTextEncoderOptions } from '@plaf/core'
import { VERSION } from './version.js'

/** Options of the `siglip-text` encoder (the YAML `with:` block). */
export type SiglipTextOptions = OnnxTextEncoderOptions

/**
 * `siglip-text`: the SigLIP so400m text tower that RADIOv2.5's `siglip` adaptor pairs with
 * (open_clip `ViT-SO400M-14-SigLIP-384`), through ONNX Runtime. Tokenisation follows the model's
 * manifest: its `tokenizer.json` (T5 c4-en 32k SentencePiece), open_clip's canonicalize clean-up
 * (lower-case, ASCII punctuation removed), 64 ids padded with eos = 1. Output rows are L2-normalised
 * and averaged over the prompt templates; embeddings are cached by model hash and cleaned prompt.
 */
export const siglipTextEncoder = defineOnnxTextEncoder({
  name: 'siglip-text',
  version: VERSION,
  package: '@plaf/backbone-radio',
  description: 'SigLIP text encoder (ONNX), the text side of RADIO\'s siglip adaptor: tokenizer.json, prompt templates, cached unit embeddings.',
  defaultModel: 'siglip-so400m-text',
})
