import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, defineStage, resolvePipeline, runPipeline, type MaskSet } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

/** A masker that finds nothing in `empty_from`.. frames and two halves before. */
const sometimes = defineStage<{ empty_from: number }, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'sometimes', kind: 'masker', version: '1.0.0', description: 'No masks from a frame index on.', cacheable: true,
  options: { type: 'object', additionalProperties: false, properties: { empty_from: { type: 'integer', minimum: 0, default: 0, description: 'First frame index with no mask.' } } },
  inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  async create(o) {
    return {
      run({ frame }): { masks: MaskSet } {
        const [H, W] = frame.rgb.shape
        const all = { bbox: [0, 0, W, H] as [number, number, number, number], area: W * H, bitmap: new Uint8Array(W * H).fill(1), predictedIou: 1, stabilityScore: 1 }
        return { masks: { width: W, height: H, masks: frame.index >= o.empty_from ? [] : [all] } }
      },
    }
  },
})
/** A lifter-like accumulator whose map holds `points` points (0: nothing landed). */
const mapper = defineStage<{ points: number }, { masks: 'MaskSet' }, { map: 'SemanticMap3D' }>({
  name: 'mapper', kind: 'lifter', version: '1.0.0', description: 'A map of a fixed number of points.',
  options: { type: 'object', additionalProperties: false, properties: { points: { type: 'integer', minimum: 0, default: 0, description: 'Points in the map.' } } },
  inputs: { masks: 'MaskSet' }, outputs: { map: 'SemanticMap3D' },
  async create(o) {
    return {
      run: () => ({}),
      finish: () => ({ map: { positions: new Float32Array(3 * o.points), colors: new Uint8Array(3 * o.points), refs: new Uint32Array(o.points), pool: { data: new Float32Array(2), shape: [1, 2] }, space: 's' } }),
    }
  },
})
const registry = new Registry([...fixturePlugins, sometimes, mapper])
const pipeline = (emptyFrom: number) => `name: t
input: { use: flat-frames, with: { frames: 3, size: 8 } }
stages:
  masker: { use: sometimes, with: { empty_from: ${emptyFrom} } }
  count: { use: counter }
runtime: { tensor_backend: reference, cache_dir: cache }
output: { dir: out }
`
const run = async (emptyFrom: number, dir = files({ 'p.yaml': pipeline(emptyFrom) })) => {
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
  return { dir, res: await runPipeline(r.pipeline!, { cwd: dir }) }
}

describe('a run whose masker finds nothing anywhere says so', () => {
  it('warns PLAF_EMPTY_RESULT naming the stage and the frame count, in the report and report.md', async () => {
    const { res } = await run(0)
    expect(res.report.notes.filter((n) => n.code === 'PLAF_EMPTY_RESULT')).toEqual([expect.objectContaining({
      severity: 'warning', stage: 'masker', plugin: 'sometimes', message: 'stage masker (sometimes) produced no mask in any of the 3 frames: the 2D memory holds no features',
    })])
    expect(res.report.warnings.PLAF_EMPTY_RESULT).toBe(1)
  })

  it('counts masks replayed from the cache too: a second, fully cached run warns the same', async () => {
    const { dir } = await run(0)
    const { res } = await run(0, dir)
    expect(Object.values(res.report.stages).reduce((s, st) => s + st.cache_hits, 0)).toBe(3)
    expect(res.report.warnings.PLAF_EMPTY_RESULT).toBe(1)
  })

  it('says nothing when any frame had a mask', async () => {
    const { res } = await run(2)
    expect(res.report.warnings.PLAF_EMPTY_RESULT).toBeUndefined()
  })
})

describe('a run whose 3D map holds no point says so', () => {
  const withMap = (points: number) => `name: t
input: { use: flat-frames, with: { frames: 2, size: 8 } }
stages:
  masker: { use: halves }
  lifter: { use: mapper, with: { points: ${points} } }
runtime: { tensor_backend: reference, cache: false }
output: { dir: out }
`
  it('warns PLAF_EMPTY_RESULT for an empty map, and not for a map with points', async () => {
    for (const [points, warned] of [[0, 1], [5, undefined]] as const) {
      const dir = files({ 'p.yaml': withMap(points) })
      const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
      expect(r.diagnostics).toEqual([])
      const res = await runPipeline(r.pipeline!, { cwd: dir })
      expect(res.report.warnings.PLAF_EMPTY_RESULT).toBe(warned)
      if (warned) expect(res.report.notes.find((n) => n.code === 'PLAF_EMPTY_RESULT')?.message).toBe('stage lifter (mapper) built a 3D map with no point')
    }
  })
})
