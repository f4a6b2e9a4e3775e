import { writeTextContractModel, type TextContractModel } from '@plaf/core/testing'

/** The real export's I/O (open_clip ViT-SO400M-14-SigLIP-384 text tower): what the generated model copies. */
export const SIGLIP_TEXT_CONTRACT = {
  name: 'siglip-so400m-text',
  version: '1.0.0',
  file: 'siglip_so400m_text.onnx',
  /** SigLIP's fixed token count. */
  contextLength: 64,
  /** SigLIP so400m embedding width. */
  featureDim: 1152,
  /** The RADIO contract's space: the two are a pair. */
  embeddingSpace: 'siglip-so400m-patch14-384',
} as const

/** Changes to the contract for a test. */
export interface SiglipTextContractOptions {
  name?: string
  version?: string
  featureDim?: number
  /** Declare this D in the manifest while the graph outputs featureDim (D-mismatch tests). */
  manifestDim?: number
  embeddingSpace?: string
  outputName?: string
  seed?: number
}

/**
 * Writes a SigLIP-text-contract model into `dir`: `input_ids` int64 [B, 64] → `text_embeds` f32
 * [B, 1152], a SentencePiece-Unigram `tokenizer.json` (Metaspace, `</s>` appended, eos = pad = 1),
 * clean-up `siglip`, space `siglip-so400m-patch14-384`, unless `o` changes them.
 */
export function writeSiglipTextContractModel(dir: string, o: SiglipTextContractOptions = {}): TextContractModel {
  return writeTextContractModel(dir, {
    name: o.name ?? SIGLIP_TEXT_CONTRACT.name,
    version: o.version ?? SIGLIP_TEXT_CONTRACT.version,
    family: 'siglip-text',
    description: 'SigLIP-text-contract test model: random weights with the I/O of the SigLIP so400m text export.',
    file: SIGLIP_TEXT_CONTRACT.file,
    tokenizer: 'unigram',
    contextLength: SIGLIP_TEXT_CONTRACT.contextLength,
    featureDim: o.featureDim ?? SIGLIP_TEXT_CONTRACT.featureDim,
    manifestDim: o.manifestDim,
    embeddingSpace: o.embeddingSpace ?? SIGLIP_TEXT_CONTRACT.embeddingSpace,
    clean: 'siglip',
    pad: 'eos',
    outputName: o.outputName,
    seed: o.seed ?? 0x51611,
  })
}
