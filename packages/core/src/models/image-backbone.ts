import { join } from 'node:path'
import { openOnnxSession, type OnnxSession, type OnnxTensor } from '../backends/onnx-session.js'
import { fail, type Diagnostic } from '../diagnostics.js'
import { float16ToFloat32 } from '../formats/float16.js'
import type { PluginContext } from '../plugin.js'
import type { FeatureGrid, Frame } from '../ports.js'
import type { OpenedModel } from './access.js'
import { ADAPTOR_GRAPH, adaptorGraph } from './feature-adaptor.js'
import { ImagePreprocessor, resizedSize, type ResizePolicy } from './image-input.js'
import type { ModelGraph, ModelManifest, TensorSpec } from './manifest.js'

/** What a backbone plugin asks of its model; option keys name the plugin's own options for messages. */
export interface ImageBackboneSpec {
  /** Plugin name, for diagnostics. */
  plugin: string
  /** Model reference (`name` or `name@version`), from the plugin's `model` option. */
  model: string
  /** Role of the graph output to return (`features`: language-aligned; `backbone_features`). */
  role: string
  /** The option that chose the role and its value (`adaptor: siglip`), named when the role is missing. */
  roleOption?: { key: string; value: string }
  /** Resize policy; absent: the manifest's. */
  resize?: 'squash' | 'pad'
  /** Square input side; absent: the manifest's `input_size`. */
  resolution?: number
  /**
   * When the model ships its language adaptor as a graph of its own (see `separateAdaptor`), also
   * return the grid before it (`FeatureGrid.adaptor`). Default false.
   */
  separateAdaptor?: boolean
}

/** An opened ONNX image backbone: runs frames into feature grids. */
export interface ImageBackbone {
  readonly model: OpenedModel
  /** Embedding space of the returned grids. */
  readonly space: string
  /** Feature dimension D. */
  readonly dim: number
  readonly patchSize: number
  /** The ONNX session (for its provider, threads and buffer statistics). */
  readonly session: OnnxSession
  /** `name@version sha256:<manifest hash>`: the stage's cache fingerprint. */
  readonly fingerprint: string
  run(frame: Frame): Promise<FeatureGrid>
  /** Releases the session. */
  dispose(): Promise<void>
}

type Layout = 'nhwc' | 'nchw' | 'nlc'

/**
 * Embedding space of a backbone output: the manifest's `image.embedding_space` for the
 * language-aligned `features`; any other role (`backbone_features`) gets a space of its own,
 * `<name>@<version>/<role>`, which no text encoder declares (undefined without an image section).
 */
export function imageBackboneSpace(m: ModelManifest, role: string): string | undefined {
  if (!m.image) return undefined
  return role === 'features' ? m.image.embedding_space : `${m.name}@${m.version}/${role}`
}
const show = (dims: readonly (number | string)[]): string => `[${dims.join(', ')}]`

/**
 * Whether a backbone reading output `role` of this model can hand out its grid before the language
 * adaptor plus the adaptor itself: the role is `features`, the manifest has a valid
 * `graphs.adaptor`, and the image graph that gives `features` also gives `backbone_features`.
 * From the manifest alone (for the validate-time check). A malformed adaptor graph throws
 * `PLAF_MODEL_INVALID`.
 */
export function separateAdaptor(m: ModelManifest, role: string, where: Partial<Diagnostic> = {}): boolean {
  if (role !== 'features' || !m.image || !adaptorGraph(m, where)) return false
  const graphs = Object.entries(m.graphs).filter(([name, g]) => name !== ADAPTOR_GRAPH && g.outputs.some((o) => o.role === 'features'))
  const vision = graphs.find(([name]) => name === 'vision') ?? graphs[0]
  return vision !== undefined && vision[1].outputs.some((o) => o.role === 'backbone_features')
}

/** The graph and output of the requested role, or a diagnostic naming what the manifest offers. */
function findOutput(m: ModelManifest, spec: ImageBackboneSpec, where: Partial<Diagnostic>): { graph: ModelGraph; graphName: string; output: TensorSpec } {
  // The separate adaptor graph maps rows, not images: never the backbone's graph.
  const found = Object.entries(m.graphs).filter(([name]) => name !== ADAPTOR_GRAPH).flatMap(([graphName, graph]) => graph.outputs.filter((o) => o.role === spec.role).map((output) => ({ graph, graphName, output })))
  if (found.length > 0) return found.find((f) => f.graphName === 'vision') ?? found[0]!
  const offered = Object.entries(m.graphs).flatMap(([g, graph]) => graph.outputs.map((o) => `${g}.${o.name} (role ${o.role ?? 'none'})`))
  const chose = spec.roleOption ? ` (chosen by ${spec.roleOption.key}: ${spec.roleOption.value})` : ''
  fail('PLAF_MODEL_INVALID', `model ${m.name}@${m.version} has no graph output with role "${spec.role}"${chose}; it offers ${offered.join(', ') || 'no outputs'}`, {
    ...where,
    path: spec.roleOption ? `stages.${where.stage}.with.${spec.roleOption.key}` : undefined,
    expected: `an output with role ${spec.role}`,
    actual: offered.join(', '),
    hint: spec.role === 'backbone_features' ? 'export the backbone features too (tools/export), or use the language-aligned output' : 'export the model with its language-aligned output (tools/export)',
  })
}

/** The feature grid's expected dims for an input size, in the output's layout. */
function outputDims(layout: Layout, h: number, w: number, d: number): number[] {
  return layout === 'nhwc' ? [1, h, w, d] : layout === 'nchw' ? [1, d, h, w] : [1, h * w, d]
}

/** Row-major h×w×D float32 from an output tensor in any layout (NHWC and NLC are that already). */
function toHwc(t: OnnxTensor, layout: Layout, h: number, w: number, d: number): Float32Array {
  const src = t.type === 'float16' ? float16ToFloat32(t.data as Uint16Array) : (t.data as Float32Array)
  if (layout !== 'nchw') return src
  const out = new Float32Array(h * w * d)
  const plane = h * w
  for (let c = 0; c < d; c++) {
    const o = c * plane
    for (let i = 0; i < plane; i++) out[i * d + c] = src[o + i]!
  }
  return out
}

/**
 * Opens a model's image graph for a backbone plugin: checks the manifest, the option values and
 * the ONNX file's real I/O against each other, opens one session (released by `dispose`), and
 * returns a runner that preprocesses each frame exactly as the manifest says (see
 * `ImagePreprocessor`), runs the graph, checks the output's shape and returns the h×w×D grid with
 * the exact image→grid transform. Fixed-size exports run at their input size only; graphs with
 * symbolic H/W run at `resolution` (squash) or at the aspect-preserving size padded up to a patch
 * multiple (pad). Every mismatch is a PlafError naming the model, tensor, option and both values.
 */
export async function openImageBackbone(ctx: PluginContext, spec: ImageBackboneSpec): Promise<ImageBackbone> {
  const model = await ctx.models.open(spec.model)
  const m = model.manifest
  const where: Partial<Diagnostic> = { file: join(model.dir, 'plaf-model.json'), plugin: spec.plugin, stage: ctx.stage }
  const label = `model ${m.name}@${m.version}`
  const image = m.image
  if (!image) fail('PLAF_MODEL_INVALID', `${label} (family ${m.family}) has no "image" section: it is not an image model`, { ...where, path: `stages.${ctx.stage}.with.model`, actual: spec.model })
  const p = image.patch_size
  const { graph, graphName, output } = findOutput(m, spec, where)
  const input = graph.inputs.find((i) => i.role === 'image') ?? (graph.inputs.length === 1 ? graph.inputs[0] : undefined)
  if (!input) fail('PLAF_MODEL_INVALID', `${label}: graph ${graphName} has no input with role "image"`, { ...where, actual: graph.inputs.map((i) => i.name).join(', ') })
  if (input.dtype !== 'float32' || input.shape.length !== 4 || input.shape[1] !== 3) {
    fail('PLAF_MODEL_INVALID', `${label}: graph ${graphName} input ${input.name} must be float32 [1, 3, H, W], the manifest declares ${input.dtype} ${show(input.shape)}`, { ...where, expected: 'float32 [1, 3, H, W]', actual: `${input.dtype} ${show(input.shape)}` })
  }
  const [declH, declW] = [input.shape[2], input.shape[3]]
  const fixed = typeof declH === 'number' && typeof declW === 'number'
  const pre = image.preprocessing
  if (fixed && (declH !== pre.input_size[0] || declW !== pre.input_size[1])) {
    fail('PLAF_MODEL_INVALID', `${label}: preprocessing.input_size ${show(pre.input_size)} differs from graph ${graphName} input ${input.name} ${show(input.shape)}`, { ...where, expected: `${declH}×${declW}`, actual: show(pre.input_size) })
  }
  const base: [number, number] = spec.resolution !== undefined ? [spec.resolution, spec.resolution] : [pre.input_size[0], pre.input_size[1]]
  if (fixed && (base[0] !== declH || base[1] !== declW)) {
    fail('PLAF_INVALID_OPTION', `resolution ${spec.resolution} does not match ${label}, exported for a fixed ${declH}×${declW} input`, {
      ...where, path: `stages.${ctx.stage}.with.resolution`, expected: String(declH === declW ? declH : `${declH}×${declW}`), actual: String(spec.resolution),
      hint: 'leave resolution out, or export the model at that resolution (or with symbolic H/W)',
    })
  }
  if (base[0] % p !== 0 || base[1] % p !== 0) {
    fail(spec.resolution !== undefined ? 'PLAF_INVALID_OPTION' : 'PLAF_MODEL_INVALID', `input ${base[0]}×${base[1]} of ${label} is not a multiple of its patch size ${p}`, {
      ...where, path: spec.resolution !== undefined ? `stages.${ctx.stage}.with.resolution` : undefined, expected: `a multiple of ${p}`, actual: `${base[0]}×${base[1]}`,
    })
  }
  const layout: Layout | undefined = output.layout ?? (output.shape.length === 3 ? 'nlc' : undefined)
  if (!layout) fail('PLAF_MODEL_INVALID', `${label}: output ${output.name} of graph ${graphName} declares no layout (nhwc, nchw or nlc)`, { ...where, actual: show(output.shape) })
  const declaredD = layout === 'nchw' ? output.shape[1] : output.shape[output.shape.length - 1]
  const d = spec.role === 'features' ? image.feature_dim : (image.backbone_dim ?? (typeof declaredD === 'number' ? declaredD : 0))
  if (!(d > 0)) fail('PLAF_MODEL_INVALID', `${label}: no feature dimension for output ${output.name} (set image.backbone_dim)`, { ...where })
  if (output.dtype !== 'float32' && output.dtype !== 'float16') fail('PLAF_MODEL_INVALID', `${label}: output ${output.name} is ${output.dtype}, expected float32 or float16`, { ...where, actual: output.dtype })
  const want = outputDims(layout, base[0] / p, base[1] / p, d)
  // Fixed exports: every declared dim; symbolic H/W: the batch and D only.
  const dAxis = layout === 'nchw' ? 1 : want.length - 1
  const declaredBad = output.shape.length !== want.length || output.shape.some((s, i) => typeof s === 'number' && (fixed || i === 0 || i === dAxis) && s !== want[i])
  if (declaredBad) {
    fail('PLAF_MODEL_INVALID', `${label}: output ${output.name} of graph ${graphName} is declared ${show(output.shape)}, but a ${base[0]}×${base[1]} input with patch ${p} and D ${d} gives ${show(want)} (${layout})`, { ...where, expected: show(want), actual: show(output.shape) })
  }

  // With a separate adaptor, the same run also returns the grid before it (same layout rules).
  const preOutput = spec.separateAdaptor && separateAdaptor(m, spec.role, where) ? graph.outputs.find((o) => o.role === 'backbone_features')! : undefined
  const preLayout: Layout | undefined = preOutput ? (preOutput.layout ?? (preOutput.shape.length === 3 ? 'nlc' : undefined)) : undefined
  const preD = preOutput ? adaptorGraph(m, where)!.inDim : 0
  if (preOutput && !preLayout) fail('PLAF_MODEL_INVALID', `${label}: output ${preOutput.name} of graph ${graphName} declares no layout (nhwc, nchw or nlc)`, { ...where, actual: show(preOutput.shape) })

  const session = await openOnnxSession(model.path(graph.file), { device: ctx.session.device, threads: ctx.session.threads > 0 ? ctx.session.threads : undefined })
  try {
    checkRealIo(session, label, graphName, input.name, output.name, fixed ? [declH, declW] : undefined, where)
    if (preOutput) checkRealIo(session, label, graphName, input.name, preOutput.name, undefined, where)
  } catch (e) {
    await session.release()
    throw e
  }

  const prep = new ImagePreprocessor(pre, p)
  const policy: ResizePolicy = spec.resize ?? pre.resize
  const space = imageBackboneSpace(m, spec.role)!
  return {
    model,
    space,
    dim: d,
    patchSize: p,
    session,
    fingerprint: `${m.name}@${m.version} sha256:${model.sha256}`,
    async run(frame) {
      const [H, W] = frame.rgb.shape
      let inputSize = base
      if (!fixed && policy !== 'squash') {
        // Symbolic H/W: keep the aspect inside resolution², pad only up to the next patch multiple.
        const [rh, rw] = resizedSize([H, W], policy, base)
        inputSize = [Math.ceil(rh / p) * p, Math.ceil(rw / p) * p]
      }
      // The session's pooled input buffer: written here, moved to the worker and back, no copy.
      const feed = session.borrowInput('float32', [1, 3, inputSize[0], inputSize[1]])
      const x = prep.prepare(frame.rgb, inputSize, policy, feed.data as Float32Array)
      const [gh, gw] = [inputSize[0] / p, inputSize[1] / p]
      const outs = await session.run({ [input.name]: feed }, preOutput ? [output.name, preOutput.name] : [output.name], { transfer: true })
      const out = outs[output.name]
      const expect = outputDims(layout, gh, gw, d)
      if (!out || out.dims.length !== expect.length || out.dims.some((v, i) => v !== expect[i]) || (out.type !== 'float32' && out.type !== 'float16')) {
        fail('PLAF_MODEL_IO_MISMATCH', `${label}: graph ${graphName} returned ${out ? `${out.type} ${show(out.dims)}` : 'nothing'} for output ${output.name}, expected float32 ${show(expect)} (${layout}: ${inputSize[0]}×${inputSize[1]} input, patch ${p}, D ${d} from the manifest)`, {
          ...where, frame: frame.id, expected: show(expect), actual: out ? show(out.dims) : 'no output',
        })
      }
      const grid: FeatureGrid = { data: toHwc(out, layout, gh, gw, d), shape: [gh, gw, d], transform: x.transform, space }
      if (preOutput) {
        const raw = outs[preOutput.name]
        const want = outputDims(preLayout!, gh, gw, preD)
        if (!raw || raw.dims.length !== want.length || raw.dims.some((v, i) => v !== want[i]) || (raw.type !== 'float32' && raw.type !== 'float16')) {
          fail('PLAF_MODEL_IO_MISMATCH', `${label}: graph ${graphName} returned ${raw ? `${raw.type} ${show(raw.dims)}` : 'nothing'} for output ${preOutput.name}, expected float32 ${show(want)} (the adaptor graph's input width ${preD})`, {
            ...where, frame: frame.id, expected: show(want), actual: raw ? show(raw.dims) : 'no output',
          })
        }
        grid.adaptor = { data: toHwc(raw, preLayout!, gh, gw, preD), dim: preD, model: `${m.name}@${m.version}` }
      }
      return grid
    },
    dispose: () => session.release(),
  }
}

/** The ONNX file must really have the manifest's input and output, and the input's fixed size. */
function checkRealIo(session: OnnxSession, label: string, graphName: string, inputName: string, outputName: string, hw: [number, number] | undefined, where: Partial<Diagnostic>): void {
  const file = session.model
  const realIn = session.inputs.find((i) => i.name === inputName)
  if (!realIn) {
    fail('PLAF_MODEL_IO_MISMATCH', `${label}: the manifest's input ${inputName} of graph ${graphName} is not in ${file}, which has inputs ${session.inputs.map((i) => i.name).join(', ')}`, { ...where, file, expected: inputName, actual: session.inputs.map((i) => i.name).join(', ') })
  }
  if (!session.outputs.some((o) => o.name === outputName)) {
    fail('PLAF_MODEL_IO_MISMATCH', `${label}: the manifest's output ${outputName} of graph ${graphName} is not in ${file}, which has outputs ${session.outputs.map((o) => o.name).join(', ')}`, { ...where, file, expected: outputName, actual: session.outputs.map((o) => o.name).join(', ') })
  }
  const [rh, rw] = [realIn.shape[2], realIn.shape[3]]
  if (hw && ((typeof rh === 'number' && rh !== hw[0]) || (typeof rw === 'number' && rw !== hw[1]))) {
    fail('PLAF_MODEL_IO_MISMATCH', `${label}: input ${inputName} is ${show(realIn.shape)} in ${file}, the manifest declares H×W ${hw[0]}×${hw[1]}`, { ...where, file, expected: `${hw[0]}×${hw[1]}`, actual: show(realIn.shape) })
  }
}
