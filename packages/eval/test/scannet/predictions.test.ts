import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError, encodeNpy, encodePly } from '@plaf/core'
import { tempDir } from '@plaf/core/testing'
import { readLabelTable, readScannetMesh, writeScene } from '@plaf/datasets'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { classSet, evalScannet, evaluateScannet, readVertexPredictions, segmentationScores, vertexGroundTruth } from '../../src/index.js'

// One generated scene for the file: the labels PLY is the ground truth the predictions are made from.
const t = tempDir('eval-pred')
const scene = join(t.dir, 'scene0007_00')
let nyu40: Uint16Array
let positions: Float32Array

beforeAll(async () => {
  await writeScene(scene, { frames: 2, seed: 11, color_width: 324, color_height: 242, depth_width: 160, depth_height: 120 })
  const mesh = readScannetMesh(join(scene, 'scene0007_00_vh_clean_2.labels.ply'), true)
  nyu40 = mesh.labels!
  positions = mesh.positions
}, 120_000)
afterAll(() => t.cleanup())

const txt = (ids: ArrayLike<number>) => Array.from(ids).join('\n') + '\n'
const write = (name: string, content: string | Uint8Array) => {
  const f = join(t.dir, name)
  writeFileSync(f, content)
  return f
}
const run = (predictions: string, extra: Record<string, unknown> = {}) =>
  evaluateScannet({ scenes: [{ dir: scene, name: 'scene0007_00' }], source: { kind: 'predictions', path: predictions }, classes: 'scannet20', protocol: 'vertex', background: 'include', templates: [], ...extra })

/** Catches the PlafError a call throws and returns its first diagnostic. */
async function diagnosticOf(p: Promise<unknown>) {
  try {
    await p
  } catch (e) {
    if (e instanceof PlafError) return e.diagnostics[0]
    throw e
  }
  throw new Error('expected a PlafError')
}

describe('plaf eval scannet --predictions on a generated scene', () => {
  it('scores predictions equal to the ground truth mIoU 1.0, in all three formats', async () => {
    const present = new Set(Array.from(nyu40).filter((id) => classSet('scannet20').ids.includes(id)))
    expect(present.size).toBeGreaterThan(3)
    const files = [
      write('gt.txt', txt(nyu40)),
      write('gt.npy', encodeNpy({ dtype: '<i8', shape: [nyu40.length], data: BigInt64Array.from(Array.from(nyu40, BigInt)) })),
      write('gt.ply', encodePly({ vertexCount: nyu40.length, properties: [{ name: 'x', type: 'float', data: positions.filter((_, i) => i % 3 === 0) }, { name: 'label', type: 'uint16', data: nyu40 }] })),
    ]
    for (const f of files) {
      const r = await run(f)
      const s = r.pooled.scores
      expect(s.miou).toBe(1)
      expect(s.macc).toBe(1)
      expect(s.fmiou).toBe(1)
      expect(s.classes.filter((c) => c.support > 0).map((c) => r.set.ids[c.index]).sort((a, b) => a - b)).toEqual([...present].sort((a, b) => a - b))
    }
  })

  it('scores swapped labels at the value computed from the class supports', async () => {
    // wall (1) ↔ floor (2): both IoU 0; every other present class stays 1
    const swapped = nyu40.map((id) => (id === 1 ? 2 : id === 2 ? 1 : id))
    const r = await run(write('swap.txt', txt(swapped)))
    const s = r.pooled.scores
    const present = s.classes.filter((c) => c.support > 0)
    expect(s.classes[0].iou).toBe(0)
    expect(s.classes[1].iou).toBe(0)
    expect(s.miou).toBeCloseTo((present.length - 2) / present.length, 12)
    const n = present.reduce((a, c) => a + c.support, 0)
    const wallFloor = s.classes[0].support + s.classes[1].support
    expect(s.fmiou).toBeCloseTo((n - wallFloor) / n, 12)
    expect(s.oacc).toBeCloseTo((n - wallFloor) / n, 12)
  })

  it('scores a random shuffle of the vertex labels near the expectation Σ p/(2 − p) / K', async () => {
    let seed = 5
    const rand = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648)
    const shuffled = nyu40.slice()
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1))
      const x = shuffled[i]; shuffled[i] = shuffled[j]; shuffled[j] = x
    }
    const r = await run(write('shuffled.txt', txt(shuffled)))
    // shuffled over all N vertices, ignored ones included: class c (n_c vertices) expects n_c·n_c/N
    // true positives and n_c·S/N predictions on the S scored vertices, so IoU_c → (n_c/N) / (1 + S/N − n_c/N)
    const s = r.pooled.scores
    const N = nyu40.length, S = s.samples
    const expected = s.classes.filter((c) => c.support > 0).map((c) => (c.support / N) / (1 + S / N - c.support / N))
    expect(s.miou!).toBeCloseTo(expected.reduce((a, b) => a + b, 0) / expected.length, 2)
  })

  it('counts predictions outside the class set as misses, never drops them', async () => {
    const outside = nyu40.map((id) => (id === 1 ? 13 : id)) // 13 (blinds) is NYU40 but not ScanNet20
    const s = (await run(write('outside.txt', txt(outside)))).pooled.scores
    const wall = s.classes[0]
    expect(wall.iou).toBe(0)
    expect(s.outsidePredictions).toBe(wall.support)
    expect(s.samples).toBe(segmentationScores((await run(write('gt2.txt', txt(nyu40)))).pooled.cm).samples)
  })

  it('excludes the background classes with --background exclude and says so in the protocol', async () => {
    const r = await run(write('gt3.txt', txt(nyu40)), { background: 'exclude' })
    expect(r.set.names).not.toContain('wall')
    expect(r.protocol.background_classes_left_out).toEqual(['wall', 'floor', 'door', 'window', 'otherfurniture'])
    expect(r.pooled.scores.miou).toBe(1)
  })

  it('pools several scenes into one confusion matrix and reports each (--scenes)', async () => {
    const list = join(t.dir, 'pool')
    mkdirSync(join(list, 'preds'), { recursive: true })
    writeFileSync(join(list, 'scenes.txt'), `# two listings of one scene under two names\n../scene0007_00\n`)
    writeFileSync(join(list, 'preds', 'scene0007_00.txt'), txt(nyu40.map((id) => (id === 1 ? 2 : id))))
    const r = await evalScannet({ scenes: join(list, 'scenes.txt'), predictions: join(list, 'preds') }, undefined as never)
    expect(r.kind).toBe('single')
    if (r.kind !== 'single') return
    expect(r.outcome.scenes.map((s) => s.scene)).toEqual(['scene0007_00'])
    expect(r.outcome.pooled.scores.miou).toBe(r.outcome.scenes[0].scores.miou)
  })
})

describe('located errors', () => {
  it('names a missing scene, a wrong vertex count with the file, a bad line, an unknown class set', async () => {
    expect(await diagnosticOf(run(write('x.txt', '1\n'), { scenes: [{ dir: join(t.dir, 'nope'), name: 'nope' }] }))).toMatchObject({
      code: 'PLAF_FILE_NOT_FOUND', message: `scene directory ${join(t.dir, 'nope')} does not exist`, source: `--scene ${join(t.dir, 'nope')}`,
    })
    const short = write('short.txt', txt(nyu40.subarray(1)))
    expect(await diagnosticOf(run(short))).toMatchObject({
      code: 'PLAF_INPUT_INVALID', file: short, message: `${short} has ${nyu40.length - 1} predictions, but the mesh has ${nyu40.length} vertices`,
    })
    const bad = write('bad.txt', '1\n2\nchair\n')
    expect(await diagnosticOf(run(bad))).toMatchObject({ code: 'PLAF_INPUT_INVALID', file: bad, line: 3 })
    expect(await diagnosticOf(run(write('y.txt', '1\n'), { classes: 'scannet21' }))).toMatchObject({
      code: 'PLAF_INVALID_OPTION', message: 'unknown class set "scannet21"', source: '--classes scannet21', expected: 'one of scannet20, scannet200, nyu40',
    })
    expect(await diagnosticOf(run(write('z.csv', '1\n')))).toMatchObject({ code: 'PLAF_INPUT_INVALID', message: expect.stringContaining('unknown prediction format ".csv"') })
  })

  it('ignores blank lines after the last id (and \\r\\n line ends), refuses a blank line with ids after it, naming its line', async () => {
    // (cat gt.txt; echo; echo) > t.txt: the ScanNet ground-truth file with two blank lines after it
    const trailing = await run(write('trailing.txt', txt(nyu40) + '\n\n'))
    expect(trailing.pooled.scores.miou).toBe(1)
    expect(trailing.warnings).toEqual([])
    const crlf = await run(write('crlf.txt', Array.from(nyu40).map((v) => ` ${v} `).join('\r\n') + '\r\n \t\r\n\r\n'))
    expect(crlf.pooled.scores.miou).toBe(1)
    expect(readVertexPredictions(write('plus.txt', '+3\n-1\n7'), 3).ids).toEqual(Float64Array.from([3, -1, 7]))
    // a blank line in the middle: the ids after it would belong to the next vertex
    const ids = Array.from(nyu40, String)
    const middle = write('middle.txt', [...ids.slice(0, 10), '', ...ids.slice(10, -1)].join('\n') + '\n')
    expect(await diagnosticOf(run(middle))).toMatchObject({
      code: 'PLAF_INPUT_INVALID', file: middle, line: 11, message: expect.stringMatching(/^.*middle\.txt:11: blank line between label ids \(the next id is on line 12\)/),
    })
    const spaces = write('spaces.txt', '1\n2\n  \r\n\n3\n')
    expect(() => readVertexPredictions(spaces, 3)).toThrow(/spaces\.txt:3: blank line between label ids \(the next id is on line 5\)/)
    expect(() => readVertexPredictions(write('empty.txt', '\n\n'), 3)).toThrow(/has 0 predictions, but the mesh has 3 vertices/)
  })

  it('asks for segments and aggregation when scannet200 needs raw ids and only the labels PLY is there', async () => {
    expect(() => vertexGroundTruth(scene, classSet('scannet200'))).toThrow(/scannet200 needs scene0007_00_vh_clean_2\.0\.010000\.segs\.json, scene0007_00\.aggregation\.json/)
  })
})

describe('protocol voxel5cm and raw-id ground truth', () => {
  it('lifts label-filt into 5 cm voxels: the ground truth as predictions scores near 1, a swap scores those classes 0', async () => {
    const same = await run(write('v-gt.txt', txt(nyu40)), { protocol: 'voxel5cm' })
    expect(same.protocol.protocol).toContain('5 cm voxel')
    const s = same.pooled.scores
    // mesh labels and lifted label-filt disagree only where a voxel straddles two surfaces
    for (const c of s.classes.filter((x) => x.support > 0)) expect(c.iou!).toBeGreaterThan(0.8)
    const swapped = await run(write('v-swap.txt', txt(nyu40.map((id) => (id === 1 ? 2 : id === 2 ? 1 : id)))), { protocol: 'voxel5cm' })
    expect(swapped.pooled.scores.classes[0].iou!).toBeLessThan(0.05)
    expect(swapped.pooled.scores.classes[1].iou!).toBeLessThan(0.05)
    expect(swapped.pooled.scores.samples).toBe(s.samples)
  })

  it('rebuilds raw ScanNet ids from segments + aggregation + TSV for scannet200', async () => {
    // one segment per NYU40 class of the generated mesh, labelled with the class's raw category
    const table = readLabelTable(join(scene, 'scannetv2-labels.combined.tsv'))
    const raw = new Map(table.rows.map((r) => [r.nyu40id, r]))
    writeFileSync(join(scene, 'scene0007_00_vh_clean_2.0.010000.segs.json'), JSON.stringify({ segIndices: Array.from(nyu40) }))
    const groups = [...new Set(nyu40)].filter((id) => raw.has(id)).map((id, i) => ({ id: i, objectId: i, segments: [id], label: raw.get(id)!.rawCategory }))
    writeFileSync(join(scene, 'scene0007_00.aggregation.json'), JSON.stringify({ segGroups: groups }))
    const gt = vertexGroundTruth(scene, classSet('scannet200'))
    const expected = Array.from(nyu40, (id) => raw.get(id)?.id ?? 0)
    expect(Array.from(gt.ids)).toEqual(expected)
    const r = await run(write('raw.txt', txt(expected)), { classes: 'scannet200' })
    expect(r.pooled.scores.miou).toBe(1)
    expect(r.protocol.ground_truth).toContain('segs.json + aggregation.json')
  })
})
