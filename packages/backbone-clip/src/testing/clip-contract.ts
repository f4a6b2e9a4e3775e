import { writeImageContractModel, type ContractModel, type ImageContractSpec } from '@plaf/core/testing'

/** The image export's I/O for OpenAI CLIP ViT-B/16 at 224² with dense tokens: what the generated model copies. */
export const CLIP_CONTRACT = {
  name: 'clip-vit-b-16',
  version: '1.0.0',
  file: 'vision_224x224.onnx',
  input: 'image',
  inputSize: 224,
  patchSize: 16,
  /** The joint image-text space width (visual projection output). */
  featureDim: 512,
  /** ViT-B width, before the projection. */
  embedDim: 768,
  embeddingSpace: 'openai-clip-vit-b-16',
  /** OpenAI CLIP's normalisation (open_clip OPENAI_DATASET_MEAN/STD), applied outside the graph. */
  mean: [0.48145466, 0.4578275, 0.40821073],
  std: [0.26862954, 0.26130258, 0.27577711],
} as const

/** Changes to the contract for a test. */
export interface ClipContractOptions {
  name?: string
  version?: string
  inputSize?: number
  patchSize?: number
  featureDim?: number
  embedDim?: number
  embeddingSpace?: string
  layout?: 'nhwc' | 'nchw' | 'nlc'
  symbolic?: boolean
  resize?: 'squash' | 'pad'
  seed?: number
}

/** The generator spec of a CLIP-contract model (defaults: exactly {@link CLIP_CONTRACT}). */
export function clipContractSpec(o: ClipContractOptions = {}): ImageContractSpec {
  const size = o.inputSize ?? CLIP_CONTRACT.inputSize
  return {
    name: o.name ?? CLIP_CONTRACT.name,
    version: o.version ?? CLIP_CONTRACT.version,
    family: 'clip-vision',
    description: 'CLIP-contract test model: random weights with the I/O of a CLIP ViT-B/16 image export with dense (MaskCLIP) tokens.',
    licence: { id: 'Apache-2.0', commercial_use: true, note: 'generated test model, random weights' },
    file: o.symbolic ? 'vision.onnx' : `vision_${size}x${size}.onnx`,
    inputName: CLIP_CONTRACT.input,
    patchSize: o.patchSize ?? CLIP_CONTRACT.patchSize,
    embedDim: o.embedDim ?? CLIP_CONTRACT.embedDim,
    embeddingSpace: o.embeddingSpace ?? CLIP_CONTRACT.embeddingSpace,
    preprocessing: {
      input_size: [size, size], resize: o.resize ?? 'squash', scale: 1 / 255,
      mean: [...CLIP_CONTRACT.mean], std: [...CLIP_CONTRACT.std], channel_order: 'rgb', pad_value: 0,
    },
    symbolic: o.symbolic,
    outputs: [{ name: 'features', role: 'features', dim: o.featureDim ?? CLIP_CONTRACT.featureDim, layout: o.layout ?? 'nhwc', source: 'projection' }],
    seed: o.seed ?? 0xc11b,
  }
}

/**
 * Writes a CLIP-contract model into `dir` (ONNX graph + `plaf-model.json` with sha256 and bytes):
 * input `image` f32[1,3,224,224] normalised with CLIP's mean/std, output `features`
 * f32[1,14,14,512] (role features, NHWC), space `openai-clip-vit-b-16`, unless `o` changes them.
 */
export function writeClipContractModel(dir: string, o: ClipContractOptions = {}): ContractModel {
  return writeImageContractModel(dir, clipContractSpec(o))
}
