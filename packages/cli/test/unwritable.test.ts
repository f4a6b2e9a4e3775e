import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

const pipeline = 'name: t\ninput: { use: synthetic-room, with: { frames: 1, color_width: 64, color_height: 48, depth_width: 64, depth_height: 48 } }\nstages:\n  masker: { use: grid, with: { cell_size: 16 } }\nruntime: { cache: false }\noutput: { dir: out }\n'

describe('plaf run into a location that cannot be written', () => {
  it('--out under a file: exit 1, the path and what to do, no stack trace', async () => {
    const dir = tempDir({ 'p.yaml': pipeline, afile: 'x' })
    const r = await cli('run', join(dir, 'p.yaml'), '--out', join(dir, 'afile', 'run'), '--progress', 'none')
    expect(r.code).toBe(1)
    expect(r.err).toContain(`cannot mkdir ${join(dir, 'afile', 'run')}: a part of the path is a file, not a directory (ENOTDIR)  PLAF_OUTPUT_UNWRITABLE`)
    expect(r.err).toContain('choose a directory path')
    expect(r.err).not.toMatch(/internal error|at \w+ \(/)
  })
})

describe('a directory given where a pipeline file belongs', () => {
  it('plaf validate DIR and plaf run DIR: exit 1, the directory named, an input code and the files it holds', async () => {
    const dir = tempDir({ 'a.yaml': pipeline, 'b.yml': pipeline, 'notes.txt': 'x' })
    for (const argv of [['validate', dir], ['run', dir, '--progress', 'none']]) {
      const r = await cli(...argv)
      expect(r.code).toBe(1)
      expect(r.err).toBe(`${dir} error the pipeline is a directory, not a file: ${dir}  PLAF_INPUT_INVALID\n     give the pipeline's .yaml file; it holds a.yaml, b.yml\n\n1 error(s), 0 warning(s)\n`)
    }
  })
})
