import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

describe('command-line option errors are located diagnostics, never raw ajv wording', () => {
  it('make-scene --frames 1.5 points at the flag with the option path, expected and actual', async () => {
    const dir = join(tempDir(), 'scene')
    const r = await cli('make-scene', dir, '--frames', '1.5')
    expect(r.code).toBe(1)
    expect(r.err).toBe([
      '--frames 1.5 error frames must be integer  PLAF_INVALID_OPTION',
      '     | --frames 1.5',
      '     |          ^',
      '     expected integer; got 1.5; options: plaf plugins synthetic-room, plus scene, jpeg_quality and mesh_spacing',
      '',
      '1 error(s), 0 warning(s)',
      '',
    ].join('\n'))
    expect(existsSync(dir)).toBe(false)
  })
  it('make-scene --set with an unknown option says "did you mean" at the key', async () => {
    const r = await cli('make-scene', join(tempDir(), 'scene'), '--set', 'jpeg_qualty=80')
    expect(r.code).toBe(1)
    expect(r.err.split('\n').slice(0, 4)).toEqual([
      '--set jpeg_qualty=80 error jpeg_qualty is not a known option  PLAF_UNKNOWN_OPTION',
      '     | --set jpeg_qualty=80',
      '     |       ^',
      expect.stringMatching(/^ {5}expected one of seed, .*; got jpeg_qualty; did you mean "jpeg_quality"\? options: plaf plugins synthetic-room/),
    ])
  })
})

describe('suggestions and unknown names', () => {
  it('an option of the sam masker is checked against its schema, located in the YAML', async () => {
    const dir = tempDir({ 'p.yaml': 'input: { use: synthetic-room, with: { frames: 1 } }\nstages:\n  masker: { use: sam, with: { model: sam-vit-h, points_per_side: 16.5 } }\n' })
    const r = await cli('validate', join(dir, 'p.yaml'), '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.err)).toEqual([{
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'stages.masker.with.points_per_side must be integer,null',
      file: join(dir, 'p.yaml'), line: 3, column: 66, path: 'stages.masker.with.points_per_side', plugin: 'sam', stage: 'masker',
      expected: 'integer,null', actual: '16.5', hint: 'options: plaf plugins sam',
    }])
  })
  it('doctor --backend nope says the name is unknown, lists the known ones, exit 1', async () => {
    const r = await cli('doctor', '--backend', 'nope')
    expect(r.code).toBe(1)
    expect(r.out).toBe('')
    expect(r.err).toBe([
      '--backend nope error unknown tensor backend "nope"  PLAF_INVALID_OPTION',
      '     | --backend nope',
      '     |           ^',
      '     expected one of auto, tfjs-node-gpu, onnxruntime, tfjs-node, tfjs-wasm, reference; got nope',
      '',
      '1 error(s), 0 warning(s)',
      '',
    ].join('\n'))
    const typo = await cli('doctor', '--backend', 'refrence', '--json')
    expect(typo.code).toBe(1)
    expect(JSON.parse(typo.err)).toEqual([expect.objectContaining({ code: 'PLAF_INVALID_OPTION', source: '--backend refrence', column: 11, hint: 'did you mean "reference"?' })])
  })
  it('run --progress with an unknown mode is a located option error too', async () => {
    const r = await cli('run', '/nonexistent/p.yaml', '--progress', 'fancy')
    expect(r.code).toBe(1)
    expect(r.err.split('\n').slice(0, 4)).toEqual([
      '--progress fancy error unknown progress mode "fancy"  PLAF_INVALID_OPTION',
      '     | --progress fancy',
      '     |            ^',
      '     expected one of auto, bar, lines, none; got fancy',
    ])
  })
})

describe('a missing input scene', () => {
  it('validate and run report the same located diagnostic; run writes nothing', async () => {
    const dir = tempDir({ 'p.yaml': 'input:\n  use: scannet\n  with: { scene: ../nowhere/scene0000_00 }\nstages:\n  backbone: { use: color-lexicon }\noutput: { dir: out }\n' })
    const v = await cli('validate', join(dir, 'p.yaml'), '--json')
    expect(v.code).toBe(1)
    const expected = [{
      code: 'PLAF_FILE_NOT_FOUND', severity: 'error', message: `scene directory ${join(dir, '../nowhere/scene0000_00')} does not exist`,
      file: join(dir, 'p.yaml'), line: 3, column: 18, path: 'input.with.scene', stage: 'input', plugin: 'scannet',
      expected: 'a directory holding color/, depth/, pose/, intrinsic/', actual: join(dir, '../nowhere/scene0000_00'),
      hint: 'a scene in this layout can be written with plaf make-scene <dir>',
    }]
    expect(JSON.parse(v.err)).toEqual(expected)
    const r = await cli('run', join(dir, 'p.yaml'), '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.err)).toEqual(expected)
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })
})

describe('${name} in the run directory', () => {
  it('a sweep of a pipeline whose name interpolates runs under the expanded name, next to the pipeline file', async () => {
    const dir = tempDir({
      'p.yaml': [
        'name: room-${env.PLAF_TEST_SURELY_UNSET:-s1}',
        'input: { use: synthetic-room, with: { frames: 1, color_width: 64, color_height: 48, depth_width: 32, depth_height: 24 } }',
        'stages:',
        '  backbone: { use: color-lexicon, with: { resolution: 64, patch_size: 16 } }',
        '  masker: { use: grid, with: { cell_size: 32 } }',
        'runtime: { cache: false }',
        'output: { dir: "runs/${name}" }',
        'sweep: { matrix: { stages.masker.with.cell_size: [16, 32] } }',
        '',
      ].join('\n'),
    })
    const r = await cli('run', join(dir, 'p.yaml'), '--progress', 'none')
    expect(r.code).toBe(0)
    expect(r.out).toContain(`sweep of 2 variants written to ${join(dir, 'runs', 'room-s1')}`)
    for (const v of ['masker.cell_size=16', 'masker.cell_size=32']) expect(existsSync(join(dir, 'runs', 'room-s1', v, 'report.json'))).toBe(true)
  })
})


describe('plaf validate/run --set: a stage it names must exist, and what it causes points at it', () => {
  const pipeline = 'input: { use: synthetic-room, with: { frames: 1 } }\nstages:\n  masker: { use: felzenszwalb, with: { sigma: 0.8 } }\noutput: { dir: out }\n'
  it('a misspelt stage name is an error at the name in the flag, with the closest stage; run writes nothing', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    for (const command of ['validate', 'run']) {
      const r = await cli(command, join(dir, 'p.yaml'), '--set', 'stages.maskr.use=grid')
      expect(r.code).toBe(1)
      expect(r.err).toBe([
        '--set stages.maskr.use=grid error the pipeline has no stage "maskr" (--set changes stages, it does not add them)  PLAF_INVALID_OVERRIDE',
        '     | --set stages.maskr.use=grid',
        '     |              ^',
        '     expected one of masker; got maskr; did you mean "masker"? to add a stage, write it under stages: in a pipeline file that extends this one',
        '',
        '1 error(s), 0 warning(s)',
        '',
      ].join('\n'))
    }
    expect(existsSync(join(dir, 'out'))).toBe(false)
  })
  it('an option the plugin a --set switches to requires is missing: at the plugin name in the flag', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    const r = await cli('validate', join(dir, 'p.yaml'), '--set', 'input.use=ade20k')
    expect(r.code).toBe(1)
    expect(r.err.split('\n').slice(0, 4)).toEqual([
      '--set input.use=ade20k error input.with.root is required but missing  PLAF_MISSING_OPTION',
      '     | --set input.use=ade20k',
      '     |                 ^',
      '     expected root; options: plaf plugins ade20k',
    ])
  })
})

describe('plaf validate: a sweep variant error has the code frame of the matrix value in the YAML', () => {
  it('a bad matrix value is shown in its line with a caret under it', async () => {
    const dir = tempDir({ 'p.yaml': 'input: { use: synthetic-room, with: { frames: 1 } }\nstages:\n  masker: { use: felzenszwalb }\nsweep:\n  matrix:\n    stages.masker.with.sigma: [0.8, abc]\n' })
    const r = await cli('validate', join(dir, 'p.yaml'))
    expect(r.code).toBe(1)
    expect(r.err.split('\n').slice(0, 4)).toEqual([
      `${join(dir, 'p.yaml')}:6:37 error sweep variant masker.sigma=abc: stages.masker.with.sigma must be number  PLAF_INVALID_OPTION`,
      '   6 |     stages.masker.with.sigma: [0.8, abc]',
      '     |                                     ^',
      '     expected number; got "abc"; options: plaf plugins felzenszwalb',
    ])
  })
})
