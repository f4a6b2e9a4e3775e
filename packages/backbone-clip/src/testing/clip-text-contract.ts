import { writeTextContractModel, type TextContractModel } from '@plaf/core/testing'

/** The text export's I/O for OpenAI CLIP ViT-B/16 (`CLIPTextModelWithProjection`): what the generated model copies. */
export const CLIP_TEXT_CONTRACT = {
  name: 'clip-vit-b-16-text',
  version: '1.0.0',
  file: 'text_model.onnx',
  contextLength: 77,
  featureDim: 512,
  /** The clip-dense contract's space: the two are a pair. */
  embeddingSpace: 'openai-clip-vit-b-16',
} as const

/** Changes to the contract for a test. */
export interface ClipTextContractOptions {
  name?: string
  version?: string
  featureDim?: number
  manifestDim?: number
  embeddingSpace?: string
  outputName?: string
  seed?: number
}

/**
 * Writes a CLIP-text-contract model into `dir`: `input_ids` int64 [B, 77] → `text_embeds` f32
 * [B, 512], a byte-level BPE `tokenizer.json` with `<|startoftext|>`/`<|endoftext|>` (the last two
 * ids), padding 0 as open_clip, clean-up `clip`, space `openai-clip-vit-b-16`, unless `o` changes them.
 */
export function writeClipTextContractModel(dir: string, o: ClipTextContractOptions = {}): TextContractModel {
  return writeTextContractModel(dir, {
    name: o.name ?? CLIP_TEXT_CONTRACT.name,
    version: o.version ?? CLIP_TEXT_CONTRACT.version,
    family: 'clip-text',
    description: 'CLIP-text-contract test model: random weights with the I/O of the CLIP ViT-B/16 text export.',
    file: CLIP_TEXT_CONTRACT.file,
    tokenizer: 'clip-bpe',
    contextLength: CLIP_TEXT_CONTRACT.contextLength,
    featureDim: o.featureDim ?? CLIP_TEXT_CONTRACT.featureDim,
    manifestDim: o.manifestDim,
    embeddingSpace: o.embeddingSpace ?? CLIP_TEXT_CONTRACT.embeddingSpace,
    clean: 'clip',
    pad: 0,
    outputName: o.outputName,
    seed: o.seed ?? 0xc11b7,
  })
}
