import { writeImageContractModel, type AdaptorSpec, type ContractModel, type ImageContractSpec } from '@plaf/core/testing'

/** The real export's I/O (RADIOv2.5-B at 512², SigLIP adaptor): what the generated model copies. */
export const RADIO_CONTRACT = {
  name: 'radio-v2.5-b',
  version: '1.0.0',
  file: 'vision_512x512.onnx',
  input: 'image',
  inputSize: 512,
  patchSize: 16,
  /** SigLIP so400m embedding width (the adaptor's summary head output). */
  featureDim: 1152,
  /** ViT-B/16 width. */
  backboneDim: 768,
  embeddingSpace: 'siglip-so400m-patch14-384',
} as const

/** Changes to the contract for a test (a smaller model, another layout, symbolic H/W, …). */
export interface RadioContractOptions {
  name?: string
  version?: string
  inputSize?: number
  patchSize?: number
  featureDim?: number
  backboneDim?: number
  embeddingSpace?: string
  /** Layout of both outputs (the export writes NHWC). */
  layout?: 'nhwc' | 'nchw' | 'nlc'
  /** Symbolic H/W input and outputs. */
  symbolic?: boolean
  /** Element type of both outputs (float16 as a half-precision export; the input stays float32). */
  dtype?: 'float32' | 'float16'
  /** Leave out the `backbone_features` output. */
  withoutBackbone?: boolean
  /**
   * Ship the language adaptor as its own graph, as `export_radio.py` does: `features` becomes a
   * RADIO-shaped MLP (RADIO's `MLP2`: pre-norm, fc1, residual inner blocks, final; random weights)
   * on every token instead of a linear projection, and the folder also holds `adaptor.onnx`
   * (graph `adaptor`: `backbone_features` [N, 768] → `features` [N, 1152]) with the same weights.
   * `true`: hidden 256, 1 inner block, pre-norm.
   */
  adaptor?: boolean | AdaptorSpec
  seed?: number
}

/** The generator spec of a RADIO-contract model (defaults: exactly {@link RADIO_CONTRACT}). */
export function radioContractSpec(o: RadioContractOptions = {}): ImageContractSpec {
  const size = o.inputSize ?? RADIO_CONTRACT.inputSize
  const layout = o.layout ?? 'nhwc'
  const backboneDim = o.backboneDim ?? RADIO_CONTRACT.backboneDim
  const featureDim = o.featureDim ?? RADIO_CONTRACT.featureDim
  const adaptor = o.adaptor ? { hidden: 256, inner: 1, preNorm: true, ...(o.adaptor === true ? {} : o.adaptor), dim: featureDim } : undefined
  return {
    name: o.name ?? RADIO_CONTRACT.name,
    version: o.version ?? RADIO_CONTRACT.version,
    family: 'radio',
    description: 'RADIO-contract test model: random weights with the I/O of the RADIOv2.5 + SigLIP adaptor export.',
    licence: { id: 'Apache-2.0', commercial_use: true, note: 'generated test model, random weights' },
    file: o.symbolic ? 'vision.onnx' : `vision_${size}x${size}.onnx`,
    inputName: RADIO_CONTRACT.input,
    patchSize: o.patchSize ?? RADIO_CONTRACT.patchSize,
    embedDim: backboneDim,
    embeddingSpace: o.embeddingSpace ?? RADIO_CONTRACT.embeddingSpace,
    // As the export: [0, 1] input squashed to the input size; RADIO's conditioner normalises inside the graph.
    preprocessing: { input_size: [size, size], resize: 'squash', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], channel_order: 'rgb', pad_value: 0 },
    graphNormalize: { mean: [0.48145466, 0.4578275, 0.40821073], std: [0.26862954, 0.26130258, 0.27577711] },
    symbolic: o.symbolic,
    outputs: [
      { name: 'features', role: 'features', dim: featureDim, layout, source: adaptor ? 'adaptor' : 'projection', dtype: o.dtype },
      ...(o.withoutBackbone ? [] : [{ name: 'backbone_features', role: 'backbone_features', dim: backboneDim, layout, source: 'tokens' as const, dtype: o.dtype }]),
    ],
    ...(adaptor ? { adaptor } : {}),
    seed: o.seed ?? 0x5ad10,
  }
}

/**
 * Writes a RADIO-contract model into `dir` (a model folder: ONNX graph + `plaf-model.json` with
 * sha256 and bytes): input `image` f32[1,3,512,512] in [0, 1], outputs `features`
 * f32[1,32,32,1152] (role features, NHWC) and `backbone_features` f32[1,32,32,768]
 * (role backbone_features), space `siglip-so400m-patch14-384`, unless `o` changes them.
 */
export function writeRadioContractModel(dir: string, o: RadioContractOptions = {}): ContractModel {
  return writeImageContractModel(dir, radioContractSpec(o))
}
