import { defineOnnxTextEncoder, type OnnxTextEncoderOptions } from '@plaf/core'
import { VERSION } from './version.js'

/** Options of the `clip-text` encoder (the YAML `with:` block). */
export type ClipTextOptions = OnnxTextEncoderOptions

/**
 * `clip-text`: a CLIP/OpenCLIP text tower (`text_embeds`, the projected end-of-text token) through
 * ONNX Runtime, the text side of `clip-dense`. Tokenisation follows the model's manifest: its
 * `tokenizer.json` (CLIP's byte-level BPE, 49 408 ids), open_clip's clean-up (whitespace collapsed,
 * lower-cased, punctuation kept), `<|startoftext|>` … `<|endoftext|>` in 77 ids, the end token kept
 * on truncation. Rows are L2-normalised, averaged over the prompt templates and cached.
 */
export const clipTextEncoder = defineOnnxTextEncoder({
  name: 'clip-text',
  version: VERSION,
  package: '@plaf/backbone-clip',
  description: 'CLIP text encoder (ONNX), the text side of clip-dense: BPE tokenizer.json, prompt templates, cached unit embeddings.',
  defaultModel: 'clip-vit-b-16-text',
})
