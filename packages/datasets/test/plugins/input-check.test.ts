import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Registry, resolvePipeline } from '@plaf/core'
import { scannetInput } from '../../src/plugins/scannet.js'
import { syntheticRoomInput } from '../../src/plugins/synthetic-room.js'
import { writeScene } from '../../src/write-scene.js'
import { SMALL, tempRoot } from '../fixtures.js'

const tmp = tempRoot()
const scene = join(tmp.root, 'scenes', 'scene0001_00')
beforeAll(async () => {
  await writeScene(scene, { ...SMALL, frames: 4 })
})
afterAll(() => tmp.cleanup())

const registry = new Registry([scannetInput, syntheticRoomInput, {
  name: 'sink', kind: 'evaluator', version: '1.0.0', description: 'Takes frames, does nothing.',
  options: { type: 'object', additionalProperties: false, properties: { n: { type: 'integer', default: 1, description: 'n' } } },
  inputs: { frame: 'Frame' }, outputs: {}, async create() { return { run: () => ({}) } },
}])

/** Validates a pipeline in `dir` whose input block is `input` and returns its diagnostics, `<tmp>` for the temp root. */
async function validate(input: string, overrides: string[] = []) {
  const file = join(tmp.root, 'pipelines', 'p.yaml')
  mkdirSync(join(tmp.root, 'pipelines'), { recursive: true })
  writeFileSync(file, `${input}\nstages:\n  s: { use: sink }\n`)
  const r = await resolvePipeline(file, registry, { overrides, cwd: tmp.root })
  return JSON.parse(JSON.stringify(r.diagnostics).split(tmp.root).join('<tmp>')) as unknown[]
}

describe('scannet: validate checks the scene cheaply, at the scene option', () => {
  it('a scene that does not exist', async () => {
    expect(await validate('input:\n  use: scannet\n  with:\n    scene: ../scenes/scene0999_00\n')).toEqual([{
      code: 'PLAF_FILE_NOT_FOUND', severity: 'error', message: 'scene directory <tmp>/scenes/scene0999_00 does not exist',
      file: '<tmp>/pipelines/p.yaml', line: 4, column: 12, path: 'input.with.scene', stage: 'input', plugin: 'scannet',
      expected: 'a directory holding color/, depth/, pose/, intrinsic/', actual: '<tmp>/scenes/scene0999_00',
      hint: 'a scene in this layout can be written with plaf make-scene <dir>',
    }])
  })
  it('a scene that exists passes, relative to the pipeline file or to the working directory with --set', async () => {
    expect(await validate('input: { use: scannet, with: { scene: ../scenes/scene0001_00 } }')).toEqual([])
    expect(await validate('input: { use: scannet, with: { scene: nowhere } }', ['input.with.scene=scenes/scene0001_00'])).toEqual([])
  })
  it('names the exact missing part of the layout', async () => {
    const broken = join(tmp.root, 'scenes', 'broken')
    mkdirSync(join(broken, 'color'), { recursive: true })
    mkdirSync(join(broken, 'intrinsic'), { recursive: true })
    expect(await validate('input: { use: scannet, with: { scene: ../scenes/broken } }')).toEqual([{
      code: 'PLAF_INPUT_INVALID', severity: 'error',
      message: '<tmp>/scenes/broken has no depth/, pose/ folders; expected the ScanNet export layout (color/, depth/, pose/, intrinsic/)',
      file: '<tmp>/pipelines/p.yaml', line: 1, column: 39, path: 'input.with.scene', stage: 'input', plugin: 'scannet',
      expected: 'color/, depth/, pose/, intrinsic/', actual: 'missing depth/, pose/', hint: 'a scene in this layout can be written with plaf make-scene <dir>',
    }])
  })
  it('names missing intrinsics, frames without depth or pose, and labels asked for but absent', async () => {
    const damaged = join(tmp.root, 'scenes', 'damaged')
    await writeScene(damaged, { ...SMALL, frames: 4 })
    rmSync(join(damaged, 'intrinsic', 'intrinsic_depth.txt'))
    rmSync(join(damaged, 'depth', '2.png'))
    rmSync(join(damaged, 'pose', '1.txt'))
    rmSync(join(damaged, 'label-filt'), { recursive: true })
    const d = await validate('input: { use: scannet, with: { scene: ../scenes/damaged, load_labels: true } }') as { message: string; path: string; column: number }[]
    expect(d.map((x) => [x.path, x.column, x.message])).toEqual([
      ['input.with.scene', 39, '<tmp>/scenes/damaged has no intrinsic/intrinsic_depth.txt'],
      ['input.with.scene', 39, '<tmp>/scenes/damaged: 1 frame(s) have no depth/<i>.png (first: depth/2.png)'],
      ['input.with.scene', 39, '<tmp>/scenes/damaged: 1 frame(s) have no pose/<i>.txt (first: pose/1.txt)'],
      ['input.with.load_labels', 71, 'load_labels is true but <tmp>/scenes/damaged has no label-filt/ folder'],
    ])
    // frame_step 2 reads frames 0 and 2 only: frame 1's missing pose does not matter
    const stepped = await validate('input: { use: scannet, with: { scene: ../scenes/damaged, frame_step: 2 } }') as { message: string }[]
    expect(stepped.map((x) => x.message)).toEqual(['<tmp>/scenes/damaged has no intrinsic/intrinsic_depth.txt', '<tmp>/scenes/damaged: 1 frame(s) have no depth/<i>.png (first: depth/2.png)'])
  })

  it('names frames without a colour image, and frames <scene>.txt counts that have no file at all', async () => {
    const gappy = join(tmp.root, 'scenes', 'gappy')
    await writeScene(gappy, { ...SMALL, frames: 4 })
    rmSync(join(gappy, 'color', '1.jpg'))
    for (const f of ['color/3.jpg', 'depth/3.png', 'pose/3.txt']) rmSync(join(gappy, f))
    const d = await validate('input: { use: scannet, with: { scene: ../scenes/gappy } }') as { message: string; path: string }[]
    expect(d.map((x) => [x.path, x.message])).toEqual([
      ['input.with.scene', '<tmp>/scenes/gappy: 2 frame(s) have no color/<i>.jpg (first: color/1.jpg)'],
      ['input.with.scene', '<tmp>/scenes/gappy: 1 frame(s) have no depth/<i>.png (first: depth/3.png)'],
      ['input.with.scene', '<tmp>/scenes/gappy: 1 frame(s) have no pose/<i>.txt (first: pose/3.txt)'],
    ])
    const txt = join(gappy, 'scene0000_00.txt')
    writeFileSync(txt, 'numColorFrames = four\n')
    const bad = await validate('input: { use: scannet, with: { scene: ../scenes/gappy } }') as { message: string; path: string }[]
    expect(bad.map((x) => [x.path, x.message])).toEqual([
      ['input.with.scene', '<tmp>/scenes/gappy/scene0000_00.txt: numColorFrames = four is not a non-negative integer'],
      ['input.with.scene', '<tmp>/scenes/gappy: 1 frame(s) have no color/<i>.jpg (first: color/1.jpg)'],
    ])
  })
})

describe('synthetic-room: cross-option rules are validation errors, not run-time ones', () => {
  it('invalid_pose_frames past the last frame, and objects that do not fit the room', async () => {
    const d = await validate('input:\n  use: synthetic-room\n  with:\n    frames: 3\n    invalid_pose_frames: [1, 3]\n') as Record<string, unknown>[]
    expect(d).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'synthetic-room: invalid_pose_frames [3] are not below frames (3)',
      file: '<tmp>/pipelines/p.yaml', line: 5, column: 26, path: 'input.with.invalid_pose_frames', stage: 'input', plugin: 'synthetic-room',
    }])
    const room = await validate('input: { use: synthetic-room, with: { objects: 7, room_size: [3, 3, 2.5] } }') as Record<string, unknown>[]
    expect(room).toEqual([expect.objectContaining({ code: 'PLAF_INVALID_OPTION', path: 'input.with.objects', line: 1, column: 48 })])
  })
})
