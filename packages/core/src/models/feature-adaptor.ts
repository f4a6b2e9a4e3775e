import { join } from 'node:path'
import { openOnnxSession, type OnnxSession } from '../backends/onnx-session.js'
import { fail, type Diagnostic } from '../diagnostics.js'
import { float16ToFloat32 } from '../formats/float16.js'
import type { PluginContext } from '../plugin.js'
import type { ModelGraph, ModelManifest, TensorSpec } from './manifest.js'

/** Name of the graph that holds a backbone's language adaptor on its own (`graphs.adaptor`). */
export const ADAPTOR_GRAPH = 'adaptor'

/** An opened adaptor graph: maps n rows of the backbone's width C to n rows of the text-aligned width D. */
export interface FeatureAdaptor {
  /** `name@version` of the model. */
  readonly model: string
  /** C: input width (the backbone's own features). */
  readonly inDim: number
  /** D: output width (the model's `image.feature_dim`, in `image.embedding_space`). */
  readonly outDim: number
  /** n×C row-major in, n×D row-major out (float32; a float16 output is converted). */
  apply(rows: Float32Array, n: number): Promise<Float32Array>
  /** Releases the session. */
  dispose(): Promise<void>
}

const show = (dims: readonly (number | string)[]): string => `[${dims.join(', ')}]`

/**
 * The model's separate adaptor graph, checked: `graphs.adaptor` with one float32 input of role
 * `backbone_features` (or the only input), shape [N, C], and an output of role `features`,
 * shape [N, D], D = `image.feature_dim` (C = `image.backbone_dim` when declared). N symbolic or
 * fixed. Returns undefined when the manifest has no such graph; a malformed one is
 * `PLAF_MODEL_INVALID`.
 */
export function adaptorGraph(m: ModelManifest, where: Partial<Diagnostic> = {}): { graph: ModelGraph; input: TensorSpec; output: TensorSpec; inDim: number; outDim: number } | undefined {
  const graph = m.graphs[ADAPTOR_GRAPH]
  if (!graph) return undefined
  const label = `model ${m.name}@${m.version}: graph ${ADAPTOR_GRAPH}`
  const input = graph.inputs.find((i) => i.role === 'backbone_features') ?? (graph.inputs.length === 1 ? graph.inputs[0] : undefined)
  const output = graph.outputs.find((o) => o.role === 'features')
  if (!input || !output) {
    fail('PLAF_MODEL_INVALID', `${label} needs an input with role backbone_features and an output with role features`, {
      ...where, path: `graphs.${ADAPTOR_GRAPH}`, expected: 'input role backbone_features [N, C], output role features [N, D]',
      actual: `inputs ${graph.inputs.map((i) => `${i.name} (role ${i.role ?? 'none'})`).join(', ') || 'none'}; outputs ${graph.outputs.map((o) => `${o.name} (role ${o.role ?? 'none'})`).join(', ')}`,
    })
  }
  const d = m.image?.feature_dim
  const c = input.shape[1]
  const rank2 = (t: TensorSpec): boolean => t.shape.length === 2 && typeof t.shape[1] === 'number'
  if (input.dtype !== 'float32' || !rank2(input) || (m.image?.backbone_dim !== undefined && c !== m.image.backbone_dim)) {
    fail('PLAF_MODEL_INVALID', `${label}: input ${input.name} must be float32 [N, C] with C = image.backbone_dim, the manifest declares ${input.dtype} ${show(input.shape)}`, {
      ...where, expected: `float32 [N, ${m.image?.backbone_dim ?? 'C'}]`, actual: `${input.dtype} ${show(input.shape)}`,
    })
  }
  if ((output.dtype !== 'float32' && output.dtype !== 'float16') || !rank2(output) || output.shape[1] !== d || (typeof input.shape[0] === 'number' && output.shape[0] !== input.shape[0])) {
    fail('PLAF_MODEL_INVALID', `${label}: output ${output.name} must be float32 [N, D] with D = image.feature_dim ${d} and the input's N, the manifest declares ${output.dtype} ${show(output.shape)}`, {
      ...where, expected: `float32 [${input.shape[0]}, ${d}]`, actual: `${output.dtype} ${show(output.shape)}`,
    })
  }
  return { graph, input, output, inDim: c as number, outDim: d! }
}

/**
 * Opens the adaptor graph of model `ref` (see `adaptorGraph`) in one worker session with the
 * run's device and threads. A model without it is `PLAF_MODEL_INVALID` naming the graphs it has;
 * a manifest that names tensors the ONNX file lacks is `PLAF_MODEL_IO_MISMATCH`. A graph with a
 * fixed N runs the rows in chunks of N, the last one zero-padded.
 */
export async function openFeatureAdaptor(ctx: PluginContext, ref: string, where: Partial<Diagnostic> = {}): Promise<FeatureAdaptor> {
  const model = await ctx.models.open(ref)
  const m = model.manifest
  const here = { ...where, file: join(model.dir, 'plaf-model.json') }
  const found = adaptorGraph(m, here)
  if (!found) {
    fail('PLAF_MODEL_INVALID', `model ${m.name}@${m.version} has no graph "${ADAPTOR_GRAPH}" (its graphs: ${Object.keys(m.graphs).join(', ')}): its language adaptor is not exported separately`, {
      ...here, expected: `graphs.${ADAPTOR_GRAPH}`, actual: Object.keys(m.graphs).join(', '), hint: 'export the model with tools/export/export_radio.py (it writes adaptor.onnx)',
    })
  }
  const { graph, input, output, inDim, outDim } = found
  const session: OnnxSession = await openOnnxSession(model.path(graph.file), { device: ctx.session.device, threads: ctx.session.threads > 0 ? ctx.session.threads : undefined })
  for (const [side, name, real] of [['input', input.name, session.inputs], ['output', output.name, session.outputs]] as const) {
    if (!real.some((t) => t.name === name)) {
      await session.release()
      fail('PLAF_MODEL_IO_MISMATCH', `model ${m.name}@${m.version}: the manifest's ${side} ${name} of graph ${ADAPTOR_GRAPH} is not in ${session.model}, which has ${real.map((t) => t.name).join(', ')}`, {
        ...here, file: model.path(graph.file), expected: name, actual: real.map((t) => t.name).join(', '),
      })
    }
  }
  const fixedN = typeof input.shape[0] === 'number' ? input.shape[0] : undefined
  const label = `${m.name}@${m.version}`
  async function runChunk(rows: Float32Array, n: number): Promise<Float32Array> {
    const out = (await session.run({ [input.name]: { type: 'float32', data: rows, dims: [n, inDim] } }, [output.name]))[output.name]
    if (!out || out.dims.length !== 2 || out.dims[0] !== n || out.dims[1] !== outDim || (out.type !== 'float32' && out.type !== 'float16')) {
      fail('PLAF_MODEL_IO_MISMATCH', `model ${label}: graph ${ADAPTOR_GRAPH} returned ${out ? `${out.type} ${show(out.dims)}` : 'nothing'} for ${output.name}, expected float32 [${n}, ${outDim}]`, {
        ...here, expected: `[${n}, ${outDim}]`, actual: out ? show(out.dims) : 'no output',
      })
    }
    return out.type === 'float16' ? float16ToFloat32(out.data as Uint16Array) : (out.data as Float32Array)
  }
  return {
    model: label,
    inDim,
    outDim,
    async apply(rows, n) {
      if (rows.length !== n * inDim) throw new RangeError(`FeatureAdaptor.apply: ${rows.length} values are not ${n}×${inDim}`)
      if (n === 0) return new Float32Array(0)
      if (fixedN === undefined) return runChunk(rows, n)
      const out = new Float32Array(n * outDim)
      for (let start = 0; start < n; start += fixedN) {
        const take = Math.min(fixedN, n - start)
        const chunk = new Float32Array(fixedN * inDim)
        chunk.set(rows.subarray(start * inDim, (start + take) * inDim))
        out.set((await runChunk(chunk, fixedN)).subarray(0, take * outDim), start * outDim)
      }
      return out
    },
    dispose: () => session.release(),
  }
}
