import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateOptions, type Frame } from '@plaf/core'
import { createTestContext, describeInputPlugin } from '@plaf/core/testing'
import type { DatasetSource } from '../../src/frames/source.js'
import { replicaInput, type ReplicaOptions } from '../../src/plugins/replica.js'
import { writeReplicaSequence } from '../../src/replica/write.js'
import { diagnosticOf, tempRoot } from '../fixtures.js'
import { roomFrames } from '../rgbd-folder/helpers.js'

const ROOM = { color_width: 200, color_height: 120, depth_width: 200, depth_height: 120, frames: 4, room_size: [5, 4, 2.6] as [number, number, number], seed: 9, invalid_pose_frames: [1] }
const tmp = tempRoot('replica')
const seq = join(tmp.root, 'Replica', 'room0')
let truth: Frame[]
beforeAll(async () => {
  truth = await roomFrames(ROOM)
  await writeReplicaSequence(seq, (async function* () { yield* truth })())
})
afterAll(() => tmp.cleanup())

describeInputPlugin(replicaInput, [{ name: 'generated sequence', options: { sequence: seq }, frames: 2 }])

async function open(options: Partial<ReplicaOptions>): Promise<DatasetSource> {
  return (await replicaInput.create(validateOptions(replicaInput, options).value as unknown as ReplicaOptions, createTestContext())) as DatasetSource
}

async function all(src: DatasetSource): Promise<Frame[]> {
  const out: Frame[] = []
  for await (const f of src.frames()) out.push(f)
  return out
}

function copy(name: string): string {
  const d = join(tmp.root, name, 'room0')
  cpSync(join(tmp.root, 'Replica'), join(tmp.root, name), { recursive: true })
  return d
}

describe('replica: a generated NICE-SLAM sequence reads back', () => {
  it('every pose exact, every depth value at the 6553.5 scale, colour as libvips decodes the JPEG, intrinsics from cam_params.json', async () => {
    const src = await open({ sequence: seq })
    expect([src.format, src.found, src.frameCount, src.depthScale]).toEqual(['replica', 4, 3, 6553.5])
    expect(src.skips).toEqual([{ frame: 1, file: join(seq, 'traj.txt'), reason: 'non-finite pose (tracking lost)' }])
    for (const f of await all(src)) {
      const want = truth[f.index]
      expect(Array.from(f.pose!)).toEqual(Array.from(want.pose!))
      let diff = 0
      for (let i = 0; i < want.depth!.data.length; i++) if (f.depth!.data[i] !== Math.fround(Math.round(want.depth!.data[i] * 6553.5) / 6553.5)) diff++
      expect(diff).toBe(0)
      // The JPEG is lossy: the reader must give exactly what libvips decodes from the written file.
      const jpeg = join(seq, 'results', `frame${String(f.index).padStart(6, '0')}.jpg`)
      const decoded = await sharp(readFileSync(jpeg)).raw().toBuffer()
      expect(Buffer.compare(Buffer.from(f.rgb.data), decoded)).toBe(0)
      const k = want.colorIntrinsics!
      expect(f.colorIntrinsics).toEqual({ fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy, width: 200, height: 120 })
    }
  })

  it('a traj.txt with fewer poses than frames: the frames without one are skipped with the reason', async () => {
    const d = copy('short-traj')
    const traj = join(d, 'traj.txt')
    writeFileSync(traj, readFileSync(traj, 'utf8').split('\n').slice(0, 3).join('\n') + '\n')
    const src = await open({ sequence: d })
    expect(src.skips.at(-1)).toEqual({ frame: 3, file: traj, reason: 'traj.txt has 3 poses, none for frame 3' })
  })

  it('missing cam_params.json, and a traj.txt line that is not 16 numbers, are errors naming the file', async () => {
    const d = copy('no-cam')
    const cam = join(d, '..', 'cam_params.json')
    rmSync(cam)
    expect(await diagnosticOf(() => open({ sequence: d }))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: join(tmp.root, 'no-cam', 'cam_params.json'),
      message: `no cam_params.json in ${d} or ${join(tmp.root, 'no-cam')}: Replica's intrinsics and depth scale are read from it`,
      expected: '{"camera": {"w": 1200, "h": 680, "fx": 600, "fy": 600, "cx": 599.5, "cy": 339.5, "scale": 6553.5}}', actual: 'no such file',
      hint: 'it ships with the NICE-SLAM download of Replica (Replica/cam_params.json)',
    })
    const e = copy('bad-traj')
    const traj = join(e, 'traj.txt')
    writeFileSync(traj, '1 0 0 0 0 1 0 0 0 0 1 0 0 0 0\n')
    expect(await diagnosticOf(() => open({ sequence: e }))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: traj, line: 1, expected: '16 numbers', actual: '15',
      message: `${traj}:1: expected 16 numbers (a 4×4 pose), found 15`,
    })
  })
})
