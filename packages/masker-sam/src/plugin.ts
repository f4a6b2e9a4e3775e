import { availableParallelism } from 'node:os'
import { ModelStore, defineStage, type Mask, type MaskSet, type PluginNote } from '@plaf/core'
import { ClassifierPool } from './amg/classify-pool.js'
import { generateMasks } from './amg/generator.js'
import type { AmgMask } from './amg/mask-record.js'
import { samManifestProblem } from './family.js'
import { checkSamOptions, samOptionProblems, samOptionsSchema, type SamOptions } from './options-schema.js'
import { openSamModel } from './session.js'
import { VERSION } from './version.js'

/** Generator records → the MaskSet port: tight XYWH boxes, empty masks dropped, largest first (stable). */
export function toMaskSet(records: AmgMask[], width: number, height: number): MaskSet {
  const masks: Mask[] = records
    .filter((r) => r.area > 0)
    .map((r) => ({ bbox: [r.box[0], r.box[1], r.box[2] - r.box[0] + 1, r.box[3] - r.box[1] + 1], area: r.area, bitmap: r.bitmap, predictedIou: r.predictedIou, stabilityScore: r.stabilityScore }))
  masks.sort((a, b) => b.area - a.area)
  return { width, height, masks }
}

/**
 * The validate-time model check: reads the store's manifests only (no hashing, no network); a
 * model not installed is a PLAF_MODEL_MISSING warning at `model` with the pull command; an
 * installed one the masker cannot read (another family, or a graph of another family's export)
 * is a PLAF_MODEL_INVALID error at `model`, as the run would fail with it.
 */
export function samModelProblems(model: string, store: ModelStore = new ModelStore()): PluginNote[] {
  const found = store.find(model)
  if (!found) return [{ ...store.missing(model), severity: 'warning', path: 'model' }]
  const problem = samManifestProblem(found.manifest)
  return problem ? [{ ...problem, severity: 'error' }] : []
}

/**
 * `sam`: SAM's automatic mask generator, in TypeScript, over an ONNX SAM, MobileSAM or SAM 2
 * export from the model store (encoder and decoder sessions opened in `create`, released in
 * `dispose`), masks classified on the runtime's thread count (workers stopped in `dispose`).
 * Options are SAM's, with SAM's defaults.
 */
export const samMasker = defineStage<SamOptions, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'sam',
  kind: 'masker',
  version: VERSION,
  package: '@plaf/masker-sam',
  description: 'SAM automatic mask generation (ONNX SAM, MobileSAM, SAM 2): point grid, IoU/stability filters, NMS, crops, small-region clean-up.',
  options: samOptionsSchema,
  inputs: { frame: 'Frame' },
  outputs: { masks: 'MaskSet' },
  cacheable: true,
  // Cross-option rules at validate time (plaf validate), located at the option's line, and the
  // model: not installed is a warning (a run with a hub pulls it), so validate names every missing
  // model at once, as the backbones' and text encoders' embedding-space checks do for theirs.
  check: (opts) => [...samOptionProblems(opts), ...samModelProblems(opts.model)],
  async create(opts, ctx) {
    checkSamOptions(opts, ctx.stage)
    const model = await openSamModel(ctx, opts.model, opts.multimask_output)
    // Mask classification on as many threads as the runtime gives the ONNX sessions.
    const pool = new ClassifierPool(ctx.session.threads > 0 ? ctx.session.threads : availableParallelism())
    ctx.log(`sam: ${opts.model} through the ${model.layout} adapter (${model.adapter.info.batchAxis}), masks classified on ${pool.threads} thread(s)`)
    return {
      fingerprint: model.fingerprint,
      async run({ frame }, rc) {
        const [h, w] = frame.rgb.shape
        const records = await generateMasks(frame.rgb, model, opts, undefined, pool)
        const masks = toMaskSet(records, w, h)
        rc.metric('masks', masks.masks.length)
        return { masks }
      },
      dispose: async () => {
        await pool.close()
        await model.release()
      },
    }
  },
})
