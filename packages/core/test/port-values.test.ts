import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PlafError, Registry, checkPort, resolvePipeline, runPipeline, type MaskSet, type SemanticMap3D } from '../src/index.js'
import { fixturePlugins } from './fixtures/plugins.js'
import { files } from './pipeline/helpers.js'

const grid = (data: Float32Array) => ({ data, shape: [1, 1, data.length] as [number, number, number], space: 's', transform: { inputSize: [1, 1] as [number, number], imageSize: [1, 1] as [number, number], ax: 1, bx: 0, ay: 1, by: 0 } })
const maskSet = (bbox: [number, number, number, number], bitmap: Uint8Array, area: number): MaskSet => ({ width: 4, height: 4, masks: [{ bbox, bitmap, area, predictedIou: 1, stabilityScore: 1 }] })
const map = (positions: number[], refs: number[], rows: number): SemanticMap3D => ({
  positions: new Float32Array(positions), colors: new Uint8Array(positions.length), refs: new Uint32Array(refs), pool: { data: new Float32Array(rows * 2), shape: [rows, 2] }, space: 's',
})

describe('port values are checked for what their type forbids', () => {
  it('non-finite features, embeddings, positions and pool rows', () => {
    expect(checkPort('FeatureGrid', grid(new Float32Array([0, NaN])))).toBe('FeatureGrid.data holds NaN at element 1')
    expect(checkPort('FeatureGrid', grid(new Float32Array([0, 1])))).toBeNull()
    // a separate adaptor's backbone features: h×w×dim finite values and the model that holds the adaptor
    const split = (data: Float32Array, dim: number, model = 'radio@1.0.0') => ({ ...grid(new Float32Array([0, 1])), adaptor: { data, dim, model } })
    expect(checkPort('FeatureGrid', split(new Float32Array([1, 2, 3]), 3))).toBeNull()
    expect(checkPort('FeatureGrid', split(new Float32Array([1, 2]), 3))).toBe('FeatureGrid.adaptor.data has 2 elements, 1×1×3 needs 3')
    expect(checkPort('FeatureGrid', split(new Float32Array([1, NaN, 3]), 3))).toBe('FeatureGrid.adaptor.data holds NaN at element 1')
    expect(checkPort('FeatureGrid', split(new Float32Array([1, 2, 3]), 3, ''))).toBe('FeatureGrid.adaptor.model must name the model holding the adaptor graph')
    expect(checkPort('TextEmbeddings', { texts: ['a'], data: new Float32Array([Infinity]), shape: [1, 1], space: 's' })).toBe('TextEmbeddings holds Infinity at element 0')
    expect(checkPort('SemanticMap3D', map([0, 0, -Infinity], [0], 1))).toBe('SemanticMap3D.positions holds -Infinity at element 2')
    const m = map([0, 0, 0], [0], 1)
    m.pool.data[1] = NaN
    expect(checkPort('SemanticMap3D', m)).toBe('SemanticMap3D.pool holds NaN at element 1')
    expect(checkPort('SemanticMemory2D', { ids: { data: new Uint16Array(1), shape: [1, 1] }, features: { data: new Float32Array([NaN]), shape: [1, 1] }, space: 's' })).toBe('SemanticMemory2D.features holds NaN at element 0')
  })

  it('references past the pool', () => {
    expect(checkPort('SemanticMap3D', map([0, 0, 0, 1, 1, 1], [0, 3], 3))).toBe('SemanticMap3D.refs[1] is 3, the pool has 3 rows')
  })

  it('negative or non-finite depth (0 = no measurement is fine), non-finite poses', () => {
    const frame = (depth: number[], pose: Float64Array | null = null) => ({
      id: '000000', index: 0, rgb: { data: new Uint8Array(3 * depth.length), shape: [1, depth.length, 3] as [number, number, number] }, pose,
      colorIntrinsics: { fx: 1, fy: 1, cx: 0, cy: 0, width: depth.length, height: 1 },
      depth: { data: new Float32Array(depth), shape: [1, depth.length] as [number, number] }, depthIntrinsics: { fx: 1, fy: 1, cx: 0, cy: 0, width: depth.length, height: 1 },
    })
    expect(checkPort('Frame', frame([0, 1.5]))).toBeNull()
    expect(checkPort('Frame', frame([0, -1]))).toBe('Frame.depth holds -1 at pixel 1 (depth is metres ≥ 0, 0 = no measurement)')
    expect(checkPort('Frame', frame([NaN, 1]))).toBe('Frame.depth holds NaN at pixel 0 (depth is metres ≥ 0, 0 = no measurement)')
    const pose = new Float64Array(16)
    pose[3] = NaN
    expect(checkPort('Frame', frame([1], pose))).toBe('Frame.pose holds NaN at element 3')
  })

  it('masks whose bbox is empty, negative or fractional, or whose bitmap disagrees with its area', () => {
    expect(checkPort('MaskSet', maskSet([0, 0, 2, 1], new Uint8Array([1, 1]), 2))).toBeNull()
    expect(checkPort('MaskSet', maskSet([0, 0, 0, 1], new Uint8Array(0), 0))).toBe('MaskSet.masks[0].bbox must be 4 non-negative integers with width and height ≥ 1, got [0,0,0,1]')
    expect(checkPort('MaskSet', maskSet([-1, 0, 1, 1], new Uint8Array(1), 0))).toMatch(/bbox must be 4 non-negative integers/)
    expect(checkPort('MaskSet', maskSet([0.5, 0, 1, 1], new Uint8Array(1), 0))).toMatch(/bbox must be 4 non-negative integers/)
    expect(checkPort('MaskSet', maskSet([0, 0, 2, 1], new Uint8Array([1, 0]), 2))).toBe('MaskSet.masks[0].area is 2 but its bitmap has 1 pixels set')
  })
})

describe('a plugin that emits a non-finite value fails at its stage and frame, named', () => {
  it('float32 overflow to Infinity in a backbone (scale 1e39)', async () => {
    const dir = files({ 'p.yaml': 'name: t\ninput: { use: flat-frames, with: { frames: 2, size: 8 } }\nstages:\n  backbone: { use: block-mean, with: { block: 2, scale: 1e39 } }\n  masker: { use: halves }\nruntime: { tensor_backend: reference, cache: false }\noutput: { dir: out }\n' })
    const r = await resolvePipeline(join(dir, 'p.yaml'), new Registry(fixturePlugins))
    const err = (await runPipeline(r.pipeline!, { cwd: dir }).catch((e) => e)) as PlafError
    expect(err).toBeInstanceOf(PlafError)
    expect(err.diagnostics[0]).toMatchObject({
      code: 'PLAF_PORT_VALUE_INVALID', stage: 'backbone', plugin: 'block-mean', frame: '000000',
      message: expect.stringMatching(/^stage backbone \(block-mean\) frame 000000: output "features" is not a valid FeatureGrid: FeatureGrid\.data holds Infinity at element \d+$/) as unknown,
    })
  })
})
