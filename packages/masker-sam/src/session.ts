import { join } from 'node:path'
import { fail, ImagePreprocessor, openOnnxSession, resizedSize, type Diagnostic, type OnnxSession, type OnnxTensor, type PluginContext, type RgbImage, type TensorSpec } from '@plaf/core'
import type { EncodedCrop, MaskPredictor } from './amg/predictor.js'
import type { UpsamplePlan } from './amg/upsample.js'
import { ADAPTERS } from './adapters/layouts.js'
import { decoderLayout, samManifestProblem } from './family.js'
import { maskSelection, readMasks, type Binding, type DecoderAdapter, type SamLayout, type TensorNeed } from './adapters/types.js'

/** An opened SAM model: encoder and decoder sessions behind the generator's predictor interface. */
export interface SamModel extends MaskPredictor {
  readonly layout: SamLayout
  readonly adapter: DecoderAdapter
  /** `name@version sha256:<manifest hash>`: the stage's cache fingerprint. */
  readonly fingerprint: string
  release(): Promise<void>
}

const show = (s: readonly (number | string)[]): string => `[${s.join(', ')}]`
const describe = (t: TensorSpec): string => `${t.name} ${t.dtype} ${show(t.shape)}${t.role ? ` (role ${t.role})` : ''}`

/** The manifest tensor for a need: by role, else by the public export's name. */
function find(specs: readonly TensorSpec[], need: TensorNeed): TensorSpec | undefined {
  return specs.find((t) => t.role === need.role) ?? specs.find((t) => t.name === need.name)
}

/**
 * Opens a SAM-family model for the `sam` masker: checks the family, picks the decoder adapter,
 * binds every tensor the adapter needs (by role, else by the public export's name) with its dtype
 * and rank, opens the encoder and decoder sessions and checks their real I/O. Every mismatch is a
 * PlafError naming the model, graph, tensor and both values.
 */
export async function openSamModel(ctx: PluginContext, ref: string, multimask: boolean): Promise<SamModel> {
  const model = await ctx.models.open(ref)
  const m = model.manifest
  const label = `model ${m.name}@${m.version}`
  const where: Partial<Diagnostic> = { file: join(model.dir, 'plaf-model.json'), plugin: 'sam', stage: ctx.stage }
  // family, graphs and the decoder's layout, from the manifest (also checked at validate time)
  const problem = samManifestProblem(m)
  if (problem) fail(problem.code, problem.message, { ...problem, ...where, path: `stages.${ctx.stage}.with.model` })
  const encoder = m.graphs.image_encoder!
  const decoder = m.graphs.mask_decoder!
  const layout = decoderLayout(decoder)!
  const adapter = ADAPTERS[layout]
  const bind: Binding = {}
  const need = (specs: readonly TensorSpec[], n: TensorNeed, what: string): TensorSpec => {
    const t = find(specs, n)
    if (!t || t.dtype !== n.dtype || t.shape.length !== n.rank) {
      fail('PLAF_MODEL_INVALID', `${label} (${layout} layout): mask_decoder ${what} ${n.name} (role ${n.role}) must be ${n.dtype} of rank ${n.rank}; ${t ? `the manifest declares ${describe(t)}` : `it has ${specs.map(describe).join('; ')}`}`, {
        ...where, expected: `${n.name}: ${n.dtype}, rank ${n.rank}`, actual: t ? describe(t) : specs.map((s) => s.name).join(', '),
      })
    }
    bind[n.role] = t.name
    return t
  }
  for (const n of adapter.inputs) need(decoder.inputs, n, 'input')
  const [iouSpec, masksSpec] = adapter.outputs.map((n) => need(decoder.outputs, n, 'output')) as [TensorSpec, TensorSpec]
  const perPrompt = masksSpec.shape[adapter.maskAxis]
  const selection = maskSelection(typeof perPrompt === 'number' ? perPrompt : -1)
  const select = multimask ? selection.multi : selection.single
  if (!select) {
    fail('PLAF_INVALID_OPTION', `${label} (${layout}): its decoder returns ${perPrompt} mask(s) per prompt, which has no ${multimask ? 'multimask' : 'single-mask'} output`, {
      ...where, path: `stages.${ctx.stage}.with.multimask_output`, expected: multimask ? '3 or 4 masks per prompt' : '1 or 4 masks per prompt', actual: `${masksSpec.name} ${show(masksSpec.shape)}`,
      hint: multimask ? 'export the decoder without --return-single-mask' : 'set multimask_output: true (SAM AMG keeps all three masks)',
    })
  }
  // Encoder outputs that the decoder takes as inputs, matched by role then name.
  const carried = encoder.outputs.map((o) => ({ from: o.name, to: (decoder.inputs.find((i) => i.role && i.role === o.role) ?? decoder.inputs.find((i) => i.name === o.name))?.name }))
  const missing = decoder.inputs.filter((i) => !Object.values(bind).includes(i.name) && !carried.some((c) => c.to === i.name))
  if (missing.length) {
    fail('PLAF_MODEL_INVALID', `${label}: mask_decoder input(s) ${missing.map(describe).join('; ')} come from no image_encoder output (it has ${encoder.outputs.map(describe).join('; ')})`, { ...where, expected: 'each decoder input fed by the adapter or by an encoder output of the same role', actual: missing.map((t) => t.name).join(', ') })
  }
  const pixels = encoder.inputs.find((t) => t.role === 'image') ?? encoder.inputs[0]
  const pre = m.image?.preprocessing
  if (!pixels || !pre || (pre.resize !== 'longest-side' && pre.resize !== 'squash')) {
    fail('PLAF_MODEL_INVALID', `${label}: needs an image_encoder image input and image.preprocessing with resize longest-side (SAM) or squash (SAM 2)`, { ...where, actual: pre ? `resize ${pre.resize}` : 'no image.preprocessing' })
  }
  const inputSize: [number, number] = [pre.input_size[0], pre.input_size[1]]

  const settings = { device: ctx.session.device, threads: ctx.session.threads > 0 ? ctx.session.threads : undefined }
  const sessions: OnnxSession[] = []
  try {
    sessions.push(await openOnnxSession(model.path(encoder.file), settings))
    sessions.push(await openOnnxSession(model.path(decoder.file), settings))
    checkReal(sessions[0]!, [pixels.name], carried.map((c) => c.from), label, 'image_encoder', where)
    checkReal(sessions[1]!, decoder.inputs.map((t) => t.name), [iouSpec.name, masksSpec.name], label, 'mask_decoder', where)
  } catch (e) {
    await Promise.all(sessions.map((s) => s.release()))
    throw e
  }
  const [enc, dec] = sessions as [OnnxSession, OnnxSession]
  const prep = new ImagePreprocessor(pre, m.image!.patch_size)

  return {
    layout,
    adapter,
    name: `${m.name}@${m.version}`,
    fingerprint: `${m.name}@${m.version} sha256:${model.sha256}`,
    async encode(image: RgbImage): Promise<EncodedCrop> {
      const [H, W] = image.shape
      const x = prep.prepare(image, inputSize)
      const out = await enc.run({ [pixels.name]: { type: 'float32', data: x.data, dims: x.dims } })
      const embeddings: Record<string, OnnxTensor> = {}
      for (const c of carried) if (c.to) embeddings[c.to] = out[c.from]!
      const [rh, rw] = pre.resize === 'squash' ? inputSize : resizedSize([H, W], 'longest-side', inputSize)
      const plan: UpsamplePlan = pre.resize === 'squash' ? { kind: 'direct', outH: H, outW: W } : { kind: 'resize-pad', padSize: Math.max(...inputSize), validH: rh, validW: rw, outH: H, outW: W }
      return {
        plan,
        async predict(points, n, into) {
          // Crop pixels → the decoder's frame (SAM's ResizeLongestSide.apply_coords; SAM 2: ×1024/size).
          const frame = new Float32Array(2 * n)
          for (let i = 0; i < n; i++) {
            frame[2 * i] = points[2 * i]! * (rw / W)
            frame[2 * i + 1] = points[2 * i + 1]! * (rh / H)
          }
          // One run whose masks are all read: the worker copies them into `into` (no buffer on this thread).
          const whole = n <= adapter.maxBatch && select.length === perPrompt
          const parts = []
          for (let s = 0; s < n; s += Math.min(n, adapter.maxBatch)) {
            const c = Math.min(adapter.maxBatch, n - s)
            const feeds = { ...embeddings, ...adapter.feeds(frame.subarray(2 * s, 2 * (s + c)), c, bind, [H, W]) }
            const r = await dec.run(feeds, [iouSpec.name, masksSpec.name], whole && into ? { into: { [masksSpec.name]: into } } : undefined)
            parts.push(checkOutput(r[masksSpec.name]!, r[iouSpec.name]!, c, adapter, label, where, perPrompt as number, select, parts.length || n > adapter.maxBatch ? undefined : into))
          }
          return parts.length === 1 ? parts[0]! : concat(parts, into)
        },
      }
    },
    async release() {
      await Promise.all([enc.release(), dec.release()])
    },
  }
}

/** The ONNX file must have the manifest's inputs and the outputs read. */
function checkReal(session: OnnxSession, inputs: string[], outputs: string[], label: string, graph: string, where: Partial<Diagnostic>): void {
  const file = session.model
  const realIn = session.inputs.map((i) => i.name)
  const realOut = session.outputs.map((o) => o.name)
  const badIn = inputs.filter((n) => !realIn.includes(n))
  const badOut = outputs.filter((n) => !realOut.includes(n))
  if (badIn.length || badOut.length) {
    fail('PLAF_MODEL_IO_MISMATCH', `${label}: ${graph} ${file} lacks ${[...badIn.map((n) => `input ${n}`), ...badOut.map((n) => `output ${n}`)].join(', ')} that the manifest declares`, {
      ...where, file, expected: [...badIn, ...badOut].join(', '), actual: `inputs ${realIn.join(', ')}; outputs ${realOut.join(', ')}`,
    })
  }
}

/** Checks one decoder run's outputs against the layout and picks the selected masks. */
function checkOutput(masks: OnnxTensor, iou: OnnxTensor, n: number, adapter: DecoderAdapter, label: string, where: Partial<Diagnostic>, perPrompt: number, select: readonly number[], into?: Float32Array) {
  const want = adapter.outputs.map((o) => o.rank)
  const prompts = (t: OnnxTensor, axisEnd: number): number => t.dims.slice(0, axisEnd).reduce((a, b) => a * b, 1)
  const ok = masks.type === 'float32' && iou.type === 'float32' && masks.dims.length === want[1] && iou.dims.length === want[0] &&
    masks.dims[adapter.maskAxis] === perPrompt && iou.dims[adapter.maskAxis] === perPrompt &&
    prompts(masks, adapter.maskAxis) === n && prompts(iou, adapter.maskAxis) === n
  if (!ok) {
    fail('PLAF_MODEL_IO_MISMATCH', `${label} (${adapter.info.layout}): the decoder returned masks ${masks.type} ${show(masks.dims)} and IoUs ${iou.type} ${show(iou.dims)} for ${n} prompt(s), expected ${perPrompt} float32 masks and IoUs per prompt`, {
      ...where, expected: `${n} prompts × ${perPrompt} masks`, actual: `${show(masks.dims)}, ${show(iou.dims)}`,
    })
  }
  return readMasks(iou, masks, n, perPrompt, select, into)
}

/** Concatenates prompt batches (same k and plane size), the logits into `into` when they fit. */
function concat(parts: ReturnType<typeof readMasks>[], into?: Float32Array): ReturnType<typeof readMasks> {
  const { k, lh, lw } = parts[0]!
  const iou = new Float32Array(parts.reduce((a, p) => a + p.iou.length, 0))
  const size = parts.reduce((a, p) => a + p.logits.length, 0)
  const logits = into && into.length >= size ? into.subarray(0, size) : new Float32Array(size)
  let i = 0
  let l = 0
  for (const p of parts) {
    iou.set(p.iou, i)
    logits.set(p.logits, l)
    i += p.iou.length
    l += p.logits.length
  }
  return { iou, logits, k, lh, lw }
}
