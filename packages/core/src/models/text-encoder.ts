import { join } from 'node:path'
import { openOnnxSession, type OnnxSession } from '../backends/onnx-session.js'
import { PlafError, fail, type Diagnostic } from '../diagnostics.js'
import { float16ToFloat32 } from '../formats/float16.js'
import type { PluginContext } from '../plugin.js'
import { plafHome, type OpenedModel } from './access.js'
import type { ModelManifest, TensorSpec } from './manifest.js'
import { readOnnxIo, type OnnxIo } from './onnx-io.js'
import { TextEmbeddingCache, type TextCacheMode } from './text-embedding-cache.js'
import { checkTokenizerGolden } from './tokenizer-golden.js'
import { loadTextTokenizer, type TextTokenizer } from './text-tokenizer.js'

/** What a text-encoder plugin asks of its model. */
export interface TextEncoderSpec {
  /** Plugin name, for diagnostics. */
  plugin: string
  /** Model reference (`name` or `name@version`), from the plugin's `model` option. */
  model: string
  /** Prompt templates with `{}` for the text; each text's embedding is their normalised mean. */
  templates: string[]
  /** Prompts per session run (a fixed-batch export runs its own batch size). */
  batchSize: number
  cache: TextCacheMode
  /** Cache root; default `PLAF_HOME/cache/text-embeddings`. */
  cacheDir?: string
}

/** An opened ONNX text tower: texts in, unit embeddings out. */
export interface TextEncoder {
  readonly model: OpenedModel
  readonly tokenizer: TextTokenizer
  /** Embedding space id of the manifest's `text.embedding_space`. */
  readonly space: string
  readonly dim: number
  /** `name@version sha256:<manifest hash>`, plus the templates: the stage's cache fingerprint. */
  readonly fingerprint: string
  readonly cache: TextEmbeddingCache
  /** Session runs so far (each a batch of prompts). */
  readonly runs: number
  /** Whether the session has been opened (on the first cache miss). */
  readonly sessionOpen: boolean
  /** n×D row-major unit embeddings, each the normalised mean over the templates. */
  embed(texts: readonly string[]): Promise<Float32Array>
  dispose(): Promise<void>
}

const show = (dims: readonly (number | string)[]): string => `[${dims.join(', ')}]`

/** Scales a row to unit length in place (a zero row stays zero). */
function normalize(v: Float32Array): Float32Array {
  let s = 0
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0
  for (let i = 0; i < v.length; i++) v[i]! *= inv
  return v
}

function findIo(m: ModelManifest, where: Partial<Diagnostic>): { graphName: string; input: TensorSpec; output: TensorSpec; file: string } {
  const label = `model ${m.name}@${m.version}`
  for (const [graphName, graph] of Object.entries(m.graphs)) {
    const output = graph.outputs.find((o) => o.role === 'text_embeds')
    if (!output) continue
    const input = graph.inputs.find((i) => i.role === 'input_ids') ?? (graph.inputs.length === 1 ? graph.inputs[0] : undefined)
    if (!input) fail('PLAF_MODEL_INVALID', `${label}: graph ${graphName} has no input with role "input_ids"`, { ...where, expected: 'an int64 [B, L] input with role input_ids', actual: graph.inputs.map((i) => i.name).join(', ') })
    return { graphName, input, output, file: graph.file }
  }
  const offered = Object.entries(m.graphs).flatMap(([g, graph]) => graph.outputs.map((o) => `${g}.${o.name} (role ${o.role ?? 'none'})`))
  fail('PLAF_MODEL_INVALID', `${label} has no graph output with role "text_embeds"; it offers ${offered.join(', ') || 'no outputs'}`, {
    ...where, expected: 'an output with role text_embeds', actual: offered.join(', '), hint: 'export the text tower with its pooled, projected output (tools/export)',
  })
}

/**
 * Opens a model's text graph for a text-encoder plugin: checks manifest, tokenizer and the ONNX
 * file's real I/O (read from the file without loading it) against each other, and returns an
 * encoder that tokenises each prompt (template applied, cleaned, fixed length), runs the misses in
 * batches, normalises every output row and averages over templates (RayFronts' prompt ensemble),
 * with a cache keyed by the model's hash and the cleaned prompt. The one session is opened on the
 * first cache miss (texts all in the cache never load the weights) and released by `dispose`.
 */
export async function openTextEncoder(ctx: PluginContext, spec: TextEncoderSpec): Promise<TextEncoder> {
  const model = await ctx.models.open(spec.model)
  const m = model.manifest
  const where: Partial<Diagnostic> = { file: join(model.dir, 'plaf-model.json'), plugin: spec.plugin, stage: ctx.stage }
  const label = `model ${m.name}@${m.version}`
  const text = m.text
  if (!text) fail('PLAF_MODEL_INVALID', `${label} (family ${m.family}) has no "text" section: it is not a text model`, { ...where, path: `stages.${ctx.stage}.with.model`, actual: spec.model })
  let tokenizer: TextTokenizer
  try {
    tokenizer = loadTextTokenizer(model)
    checkTokenizerGolden(model, tokenizer)
  } catch (e) {
    if (e instanceof PlafError) for (const d of e.diagnostics) Object.assign(d, { plugin: d.plugin ?? spec.plugin, stage: d.stage ?? ctx.stage })
    throw e
  }
  const L = text.tokenizer.context_length
  const D = text.feature_dim
  const { graphName, input, output, file } = findIo(m, where)
  if (input.dtype !== 'int64' || input.shape.length !== 2 || (typeof input.shape[1] === 'number' && input.shape[1] !== L)) {
    fail('PLAF_MODEL_INVALID', `${label}: graph ${graphName} input ${input.name} must be int64 [B, ${L}] (context_length ${L}), the manifest declares ${input.dtype} ${show(input.shape)}`, { ...where, expected: `int64 [B, ${L}]`, actual: `${input.dtype} ${show(input.shape)}` })
  }
  if ((output.dtype !== 'float32' && output.dtype !== 'float16') || output.shape.length !== 2 || (typeof output.shape[1] === 'number' && output.shape[1] !== D)) {
    fail('PLAF_MODEL_INVALID', `${label}: graph ${graphName} output ${output.name} must be float32 [B, ${D}] (text.feature_dim ${D}), the manifest declares ${output.dtype} ${show(output.shape)}`, { ...where, expected: `float32 [B, ${D}]`, actual: `${output.dtype} ${show(output.shape)}` })
  }
  const fixedBatch = typeof input.shape[0] === 'number' ? input.shape[0] : undefined
  const batch = fixedBatch ?? spec.batchSize

  // The real I/O is read from the file's protobuf (cheap, weights skipped); the session itself is
  // opened on the first cache miss, so fully cached texts never load the weights.
  const onnxFile = model.path(file)
  checkRealIo(readOnnxIo(onnxFile), onnxFile, label, input.name, output.name, where)
  let session: Promise<OnnxSession> | undefined
  const openSession = () => (session ??= openOnnxSession(onnxFile, { device: ctx.session.device, threads: ctx.session.threads > 0 ? ctx.session.threads : undefined }))
  const cache = new TextEmbeddingCache(spec.cache, model.sha256, D, spec.cacheDir ?? join(plafHome(), 'cache', 'text-embeddings'))
  let runs = 0

  async function runBatch(prompts: string[]): Promise<Float32Array[]> {
    const rows = fixedBatch ?? prompts.length
    const tokens = tokenizer.encodeBatch([...prompts, ...Array<string>(rows - prompts.length).fill('')])
    runs++
    const s = await openSession()
    const out = (await s.run({ [input.name]: { type: 'int64', data: tokens.ids, dims: tokens.shape } }, [output.name]))[output.name]
    if (!out || out.dims.length !== 2 || out.dims[0] !== rows || out.dims[1] !== D || (out.type !== 'float32' && out.type !== 'float16')) {
      fail('PLAF_MODEL_IO_MISMATCH', `${label}: graph ${graphName} returned ${out ? `${out.type} ${show(out.dims)}` : 'nothing'} for output ${output.name}, expected float32 ${show([rows, D])} (text.feature_dim ${D} from the manifest)`, {
        ...where, file: s.model, expected: show([rows, D]), actual: out ? `${out.type} ${show(out.dims)}` : 'no output',
      })
    }
    const data = out.type === 'float16' ? float16ToFloat32(out.data as Uint16Array) : (out.data as Float32Array)
    return prompts.map((_, i) => normalize(data.slice(i * D, (i + 1) * D)))
  }

  return {
    model,
    tokenizer,
    space: text.embedding_space,
    dim: D,
    fingerprint: `${m.name}@${m.version} sha256:${model.sha256} templates:${JSON.stringify(spec.templates)}`,
    cache,
    get runs() {
      return runs
    },
    async embed(texts) {
      // Every (text, template) prompt, cleaned: the tokenizer's exact input and the cache key.
      const prompts = texts.map((t) => spec.templates.map((tpl) => tokenizer.clean(tpl.split('{}').join(t))))
      const found = new Map<string, Float32Array>()
      const todo: string[] = []
      for (const p of new Set(prompts.flat())) {
        const v = cache.get(p)
        if (v) found.set(p, v)
        else todo.push(p)
      }
      for (let i = 0; i < todo.length; i += batch) {
        const chunk = todo.slice(i, i + batch)
        const vs = await runBatch(chunk)
        chunk.forEach((p, j) => {
          found.set(p, vs[j]!)
          cache.set(p, vs[j]!)
        })
      }
      const result = new Float32Array(texts.length * D)
      prompts.forEach((ps, i) => {
        const row = result.subarray(i * D, (i + 1) * D)
        for (const p of ps) {
          const v = found.get(p)!
          for (let k = 0; k < D; k++) row[k]! += v[k]!
        }
        normalize(row)
      })
      return result
    },
    get sessionOpen() {
      return session !== undefined
    },
    async dispose() {
      const s = session
      session = undefined
      // A session that failed to open has nothing to release (its error was already thrown).
      if (s) await s.then((x) => x.release(), () => {})
    },
  }
}

/** The ONNX file must really have the manifest's input and output. */
function checkRealIo(io: OnnxIo, file: string, label: string, inputName: string, outputName: string, where: Partial<Diagnostic>): void {
  if (!io.inputs.some((i) => i.name === inputName)) {
    fail('PLAF_MODEL_IO_MISMATCH', `${label}: the manifest's input ${inputName} is not in ${file}, which has inputs ${io.inputs.map((i) => i.name).join(', ')}`, { ...where, file, expected: inputName, actual: io.inputs.map((i) => i.name).join(', ') })
  }
  if (!io.outputs.some((o) => o.name === outputName)) {
    fail('PLAF_MODEL_IO_MISMATCH', `${label}: the manifest's output ${outputName} is not in ${file}, which has outputs ${io.outputs.map((o) => o.name).join(', ')}`, { ...where, file, expected: outputName, actual: io.outputs.map((o) => o.name).join(', ') })
  }
}
