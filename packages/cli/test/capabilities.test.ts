import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { writeAde20kSplit } from '@plaf/datasets'
import { cli, tempDir } from './helpers.js'

// A pipeline that lifts needs frames with depth and poses; ADE20K images have neither.
const pipeline = `name: lift-photos
input:
  use: ade20k
  with: { root: ./ADEChallengeData2016, split: validation }
stages:
  backbone: { use: color-lexicon }
  masker: { use: grid }
  aggregator: { use: mask-mean }
  lifter:
    use: backproject
output: { dir: runs/x }
`

describe('a pipeline that lifts from an input without depth or poses', () => {
  it('is refused by plaf validate at the lifter, exit 1, naming what is missing and the inputs that have it', async () => {
    const dir = tempDir({ 'p.yaml': pipeline })
    await writeAde20kSplit(join(dir, 'ADEChallengeData2016'), 'validation', 1, [16, 12])
    const r = await cli('validate', join(dir, 'p.yaml'))
    expect(r.code).toBe(1)
    expect(r.err.split(dir).join('<dir>')).toMatchInlineSnapshot(`
      "<dir>/p.yaml:10:10 error stage lifter (backproject) needs frames with depth and poses, but input ade20k gives frames without depth and poses  PLAF_CAPABILITY_MISSING
        10 |     use: backproject
           |          ^
           expected depth, pose; got input ade20k: colour only; inputs whose frames carry depth and poses: replica, rgbd-folder, scannet, synthetic-room, tum

      1 error(s), 0 warning(s)
      "
    `)
    const json = await cli('validate', join(dir, 'p.yaml'), '--json')
    expect(json.code).toBe(1)
    expect(JSON.parse(json.err)).toEqual([{
      code: 'PLAF_CAPABILITY_MISSING', severity: 'error', file: join(dir, 'p.yaml'), line: 10, column: 10, path: 'stages.lifter.use', stage: 'lifter', plugin: 'backproject',
      message: 'stage lifter (backproject) needs frames with depth and poses, but input ade20k gives frames without depth and poses',
      expected: 'depth, pose', actual: 'input ade20k: colour only',
      hint: 'inputs whose frames carry depth and poses: replica, rgbd-folder, scannet, synthetic-room, tum',
    }])
  })
})
