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
  it('a planned plugin gets no far-fetched "closest registered"', async () => {
    const dir = tempDir({ 'p.yaml': 'input: { use: synthetic-room, with: { frames: 1 } }\nstages:\n  backbone: { use: radio }\n' })
    const r = await cli('validate', join(dir, 'p.yaml'), '--json')
    expect(r.code).toBe(1)
    expect(JSON.parse(r.err)).toEqual([{
      code: 'PLAF_UNKNOWN_PLUGIN', severity: 'error', message: 'stages.backbone.use: no stage plugin named "radio"',
      file: join(dir, 'p.yaml'), line: 3, column: 20, path: 'stages.backbone.use', stage: 'backbone', actual: 'radio',
      expected: 'a registered plugin name (plaf plugins)',
      hint: '"radio" is the RADIOv2.5 backbone with its SigLIP language adaptor (ONNX); needs the model plugins and an exported model; it is not in this build yet',
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
