import { buildModel, type GraphInitializer, type GraphNode, type GraphValue } from '../backends/onnx-graph.js'
import type { ImagePreprocessing, ModelManifest, TensorSpec } from '../models/manifest.js'
import { mulberry32 } from '../util/random.js'
import { writeModelDir } from './model-dir.js'
import { adaptorForward, adaptorNodes, adaptorWeights, type AdaptorSpec, type AdaptorWeights } from './adaptor-contract.js'

/** One feature-grid output of a generated image model. */
export interface ContractOutput {
  name: string
  /** `features` (language-aligned) or `backbone_features`. */
  role: string
  /** Feature dimension D. */
  dim: number
  layout: 'nhwc' | 'nchw' | 'nlc'
  /**
   * `tokens`: the patch embedding itself (D must equal `embedDim`); `projection`: a random linear
   * map of it; `adaptor`: the spec's `adaptor` on every token (D must equal its output width).
   */
  source: 'tokens' | 'projection' | 'adaptor'
  /** Element type of the output (float16: a Cast at the end, as a half-precision export has); default float32. */
  dtype?: 'float32' | 'float16'
}

/** Everything a generated ONNX image model and its manifest are made of. */
export interface ImageContractSpec {
  name: string
  version: string
  family: string
  description: string
  licence: ModelManifest['licence']
  /** ONNX file name inside the model directory. */
  file: string
  /** Graph input name (RADIO and CLIP exports: `image`). */
  inputName: string
  patchSize: number
  /** Width of the patch embedding (the backbone's own D). */
  embedDim: number
  embeddingSpace: string
  preprocessing: ImagePreprocessing
  /** Normalisation the graph applies to its input itself (RADIO's input conditioner), if any. */
  graphNormalize?: { mean: [number, number, number]; std: [number, number, number] }
  /** Symbolic H/W instead of `preprocessing.input_size`. */
  symbolic?: boolean
  outputs: ContractOutput[]
  /**
   * A language adaptor (RADIO's MLP2 shape, see `AdaptorSpec`) embedDim → `dim`: outputs with
   * source `adaptor` apply it to every token, and the model ships it as its own graph `adaptor`
   * in `file` (input `backbone_features` [N, embedDim] → output `features` [N, dim]).
   */
  adaptor?: AdaptorSpec & { dim: number; file?: string }
  /** Seed of the weights (mulberry32). */
  seed: number
}

/** A generated model directory. */
export interface ContractModel {
  dir: string
  manifest: ModelManifest
  spec: ImageContractSpec
  /** The weights, for tests that recompute features: patch embedding E×3×p×p (+ bias E), projections E×D row-major. */
  weights: { embed: Float32Array; bias: Float32Array; projections: Record<string, Float32Array>; adaptor?: AdaptorWeights }
}

/** Uniform values in [−a, a) with a = 1/√fanIn (the usual initialisation scale). */
function uniform(rng: () => number, n: number, fanIn: number): Float32Array {
  const a = 1 / Math.sqrt(fanIn)
  const out = new Float32Array(n)
  for (let i = 0; i < n; i++) out[i] = (2 * rng() - 1) * a
  return out
}

/**
 * Writes a small ONNX image model in `dir` with the exact I/O of a real export (names, dtypes,
 * shapes, layouts) and its `plaf-model.json` (files with their sha256 and bytes). The network is a
 * patchify Conv (kernel = stride = patch) to `embedDim`, in NHWC, then per output either those
 * tokens or a random MatMul to D, then the output's layout. Weights are random but deterministic,
 * so features depend on the image content and are the same on every run.
 */
export function writeImageContractModel(dir: string, spec: ImageContractSpec): ContractModel {
  const { patchSize: p, embedDim: e } = spec
  const [ih, iw] = spec.preprocessing.input_size
  const [H, W, h, w] = spec.symbolic ? ['H', 'W', 'h', 'w'] : [ih, iw, ih / p, iw / p]
  const rng = mulberry32(spec.seed)
  const embed = uniform(rng, e * 3 * p * p, 3 * p * p)
  const bias = uniform(rng, e, 3 * p * p)
  const inits: GraphInitializer[] = [
    { name: 'patch_embed.weight', type: 'float32', dims: [e, 3, p, p], data: embed },
    { name: 'patch_embed.bias', type: 'float32', dims: [e], data: bias },
  ]
  const nodes: GraphNode[] = []
  let x = spec.inputName
  if (spec.graphNormalize) {
    inits.push({ name: 'norm.mean', type: 'float32', dims: [1, 3, 1, 1], data: spec.graphNormalize.mean })
    inits.push({ name: 'norm.std', type: 'float32', dims: [1, 3, 1, 1], data: spec.graphNormalize.std })
    nodes.push({ op: 'Sub', inputs: [x, 'norm.mean'], outputs: ['centred'] }, { op: 'Div', inputs: ['centred', 'norm.std'], outputs: ['normalised'] })
    x = 'normalised'
  }
  nodes.push(
    { op: 'Conv', inputs: [x, 'patch_embed.weight', 'patch_embed.bias'], outputs: ['patches'], attributes: { kernel_shape: [p, p], strides: [p, p] } },
    { op: 'Transpose', inputs: ['patches'], outputs: ['tokens'], attributes: { perm: [0, 2, 3, 1] } },
  )
  const projections: Record<string, Float32Array> = {}
  const adaptor = spec.adaptor ? adaptorWeights(e, spec.adaptor.dim, spec.adaptor, spec.seed ^ 0xada) : undefined
  const outputs: GraphValue[] = []
  const specs: TensorSpec[] = []
  for (const o of spec.outputs) {
    let t = 'tokens'
    if (o.source === 'projection') {
      projections[o.name] = uniform(rng, e * o.dim, e)
      inits.push({ name: `${o.name}.proj`, type: 'float32', dims: [e, o.dim], data: projections[o.name]! })
      nodes.push({ op: 'MatMul', inputs: ['tokens', `${o.name}.proj`], outputs: (t = `${o.name}_nhwc`, [t]) })
    } else if (o.source === 'adaptor') {
      if (!adaptor || adaptor.outDim !== o.dim) throw new Error(`writeImageContractModel: output ${o.name} takes the adaptor, so the spec needs adaptor.dim ${o.dim}`)
      const built = adaptorNodes(adaptor, 'tokens', (t = `${o.name}_nhwc`), `${o.name}.adaptor.`)
      nodes.push(...built.nodes)
      inits.push(...built.inits)
    } else if (o.dim !== e) {
      throw new Error(`writeImageContractModel: output ${o.name} takes the tokens, so its dim must be ${e}, not ${o.dim}`)
    }
    if (o.dtype === 'float16') nodes.push({ op: 'Cast', inputs: [t], outputs: (t = `${o.name}_f16`, [t]), attributes: { to: 10 } })
    if (o.layout === 'nchw') nodes.push({ op: 'Transpose', inputs: [t], outputs: [o.name], attributes: { perm: [0, 3, 1, 2] } })
    if (o.layout === 'nlc') {
      inits.push({ name: `${o.name}.shape`, type: 'int64', dims: [3], data: [1, -1, o.dim] })
      nodes.push({ op: 'Reshape', inputs: [t, `${o.name}.shape`], outputs: [o.name] })
    }
    if (o.layout === 'nhwc') nodes.push({ op: 'Identity', inputs: [t], outputs: [o.name] })
    const shape = o.layout === 'nhwc' ? [1, h, w, o.dim] : o.layout === 'nchw' ? [1, o.dim, h, w] : [1, spec.symbolic ? 'hw' : (h as number) * (w as number), o.dim]
    const dtype = o.dtype ?? 'float32'
    outputs.push({ name: o.name, type: dtype, shape })
    specs.push({ name: o.name, dtype, shape, role: o.role, layout: o.layout })
  }
  const input: GraphValue = { name: spec.inputName, type: 'float32', shape: [1, 3, H, W] }
  const bytes = buildModel({ inputs: [input], outputs, nodes, initializers: inits, name: spec.name })
  const files: Record<string, Uint8Array> = { [spec.file]: bytes }
  const graphs: ModelManifest['graphs'] = {
    vision: {
      file: spec.file,
      inputs: [{ name: spec.inputName, dtype: 'float32', shape: input.shape, role: 'image' }],
      outputs: specs,
    },
  }
  if (adaptor) {
    const file = spec.adaptor!.file ?? 'adaptor.onnx'
    const built = adaptorNodes(adaptor, 'backbone_features', 'features', '')
    files[file] = buildModel({
      inputs: [{ name: 'backbone_features', type: 'float32', shape: ['N', e] }],
      outputs: [{ name: 'features', type: 'float32', shape: ['N', adaptor.outDim] }],
      nodes: built.nodes, initializers: built.inits, name: `${spec.name}-adaptor`,
    })
    graphs.adaptor = {
      file,
      inputs: [{ name: 'backbone_features', dtype: 'float32', shape: ['N', e], role: 'backbone_features' }],
      outputs: [{ name: 'features', dtype: 'float32', shape: ['N', adaptor.outDim], role: 'features' }],
    }
  }
  const features = spec.outputs.find((o) => o.role === 'features')
  const backbone = spec.outputs.find((o) => o.role === 'backbone_features')
  const manifest = writeModelDir(dir, {
    name: spec.name,
    version: spec.version,
    description: spec.description,
    licence: spec.licence,
    source: { exported_by: 'generated by @plaf/core/testing writeImageContractModel (random weights)' },
    family: spec.family,
    graphs,
    image: {
      patch_size: p,
      feature_dim: features?.dim ?? e,
      ...(backbone ? { backbone_dim: backbone.dim } : {}),
      embedding_space: spec.embeddingSpace,
      preprocessing: spec.preprocessing,
    },
  }, files)
  return { dir, manifest, spec, weights: { embed, bias, projections, adaptor } }
}

/**
 * What a contract model computes for an image of one uniform colour (every patch alike): the
 * output `name`'s D values, from the weights in float64, with the manifest's preprocessing and the
 * graph's own normalisation applied to `rgb` (0–255). The reference forward for tests.
 */
export function uniformColourFeatures(model: ContractModel, rgb: readonly [number, number, number], name: string): Float64Array {
  const { spec, weights } = model
  const pre = spec.preprocessing
  const e = spec.embedDim
  const pp = spec.patchSize * spec.patchSize
  const v = [0, 1, 2].map((c) => {
    const src = pre.channel_order === 'bgr' ? 2 - c : c
    const x = (rgb[src]! * pre.scale - pre.mean[c]!) / pre.std[c]!
    return spec.graphNormalize ? (x - spec.graphNormalize.mean[c]!) / spec.graphNormalize.std[c]! : x
  })
  const token = new Float64Array(e)
  for (let k = 0; k < e; k++) {
    let acc = weights.bias[k]!
    for (let c = 0; c < 3; c++) for (let i = 0; i < pp; i++) acc += v[c]! * weights.embed[(k * 3 + c) * pp + i]!
    token[k] = acc
  }
  const out = spec.outputs.find((o) => o.name === name)
  if (!out) throw new Error(`uniformColourFeatures: the model has no output ${name}`)
  if (out.source === 'tokens') return token
  if (out.source === 'adaptor') return adaptorForward(weights.adaptor!, token)
  const proj = weights.projections[name]!
  const f = new Float64Array(out.dim)
  for (let k = 0; k < e; k++) for (let j = 0; j < out.dim; j++) f[j] += token[k]! * proj[k * out.dim + j]!
  return f
}
