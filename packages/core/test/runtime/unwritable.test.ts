import { existsSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { PlafError, Registry, defineStage, fsErrorDiagnostic, resolvePipeline, runPipeline, type MaskSet } from '../../src/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

/** A masker whose disk is full on frame `at` while a file `full` sits next to the pipeline (the error a write would raise). */
const diskFull = defineStage<{ at: number }, { frame: 'Frame' }, { masks: 'MaskSet' }>({
  name: 'disk-full', kind: 'masker', version: '1.0.0', description: 'Fails with ENOSPC on one frame.',
  options: { type: 'object', additionalProperties: false, properties: { at: { type: 'integer', minimum: 0, default: 0, description: 'Frame index.' } } },
  inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
  async create(o, ctx) {
    return {
      run({ frame }): { masks: MaskSet } {
        if (frame.index === o.at && existsSync(join(ctx.baseDir, 'full'))) throw Object.assign(new Error(`ENOSPC: no space left on device, write`), { code: 'ENOSPC', syscall: 'write', path: join(ctx.outDir, `${frame.id}.npy`) })
        return { masks: { width: frame.rgb.shape[1], height: frame.rgb.shape[0], masks: [] } }
      },
    }
  },
})
const registry = new Registry([...fixturePlugins, diskFull])
const pipeline = 'name: t\ninput: { use: flat-frames, with: { frames: 3, size: 4 } }\nstages:\n  masker: { use: disk-full, with: { at: 1 } }\nruntime: { tensor_backend: reference, cache: false }\noutput: { dir: out }\n'
const run = async (dir: string, opts: { outDir?: string; resume?: boolean } = {}) => {
  const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
  return runPipeline(r.pipeline!, { cwd: dir, ...opts })
}

describe('file-system errors a user can cause are user errors naming the path', () => {
  it('--out under a file: PLAF_OUTPUT_UNWRITABLE (ENOTDIR), nothing written', async () => {
    const dir = files({ 'p.yaml': pipeline, 'afile': 'x' })
    const err = (await run(dir, { outDir: 'afile/run' }).catch((e) => e)) as PlafError
    expect(err).toBeInstanceOf(PlafError)
    expect(err.diagnostics[0]).toMatchObject({
      code: 'PLAF_OUTPUT_UNWRITABLE', severity: 'error', file: join(dir, 'afile', 'run'),
      message: `cannot mkdir ${join(dir, 'afile', 'run')}: a part of the path is a file, not a directory (ENOTDIR)`,
    })
  })

  it('--out naming a file: PLAF_OUTPUT_UNWRITABLE, the file untouched', async () => {
    const dir = files({ 'p.yaml': pipeline, 'afile': 'x' })
    const err = (await run(dir, { outDir: 'afile' }).catch((e) => e)) as PlafError
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_OUTPUT_UNWRITABLE', file: join(dir, 'afile') })
    expect(err.diagnostics[0]!.message).toMatch(/: a file is in the way of a directory \(EEXIST\)$/)
  })

  it('a full disk mid-run: the stage and frame named, completed frames kept, --resume continues once there is space', async () => {
    const dir = files({ 'p.yaml': pipeline, full: '' })
    const err = (await run(dir).catch((e) => e)) as PlafError
    expect(err.diagnostics[0]).toMatchObject({
      code: 'PLAF_OUTPUT_UNWRITABLE', stage: 'masker', plugin: 'disk-full', frame: '000001', file: join(dir, 'out', 'masker', '000001.npy'),
      message: `stage masker (disk-full) frame 000001: cannot write ${join(dir, 'out', 'masker', '000001.npy')}: the disk is full (ENOSPC)`,
    })
    expect(err.diagnostics[0]!.hint).toContain('--resume')
    expect(existsSync(join(dir, 'out', 'progress.json'))).toBe(true)
    rmSync(join(dir, 'full')) // space freed
    const res = await run(dir, { resume: true })
    expect(res.report.frames).toMatchObject({ processed: 3, resumed_from: 1 })
  })

  it('a full disk on the first frame: --resume once there is space runs from frame 0; a folder holding something else is still refused', async () => {
    const dir = files({ 'p.yaml': pipeline.replace('at: 1', 'at: 0'), full: '' })
    const err = (await run(dir).catch((e) => e)) as PlafError
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_OUTPUT_UNWRITABLE', frame: '000000' })
    expect(existsSync(join(dir, 'out'))).toBe(false) // no frame completed: the directory it created is gone
    rmSync(join(dir, 'full'))
    const notes: string[] = []
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    const res = await runPipeline(r.pipeline!, { cwd: dir, resume: true, onNote: (d) => notes.push(`${d.code} ${d.severity}: ${d.message}`) })
    expect(res.report.frames).toMatchObject({ processed: 3, resumed_from: 0 })
    expect(notes[0]).toBe(`PLAF_RESUME_MISMATCH info: nothing to resume in ${join(dir, 'out')} (no frame was completed there): running from frame 0`)
    const other = files({ 'p.yaml': pipeline, 'out/notes.txt': 'mine' })
    expect(((await run(other, { resume: true }).catch((e) => e)) as PlafError).diagnostics[0]).toMatchObject({
      code: 'PLAF_RESUME_MISMATCH', severity: 'error', message: `nothing to resume in ${join(other, 'out')} (no progress.json)`,
    })
  })

  it('a stage cache that cannot be written: PLAF_OUTPUT_UNWRITABLE naming the cache file, completed frames kept for --resume', async () => {
    // a frame-stage pipeline whose cache directory is a file: every cache write fails as a full or read-only cache would
    const dir = files({ 'p.yaml': 'name: t\ninput: { use: flat-frames, with: { frames: 3, size: 4 } }\nstages:\n  backbone: { use: block-mean, with: { block: 2 } }\nruntime: { tensor_backend: reference, cache_dir: cache }\noutput: { dir: out }\n', cache: 'a file' })
    const err = (await run(dir).catch((e) => e)) as PlafError
    expect(err).toBeInstanceOf(PlafError)
    expect(err.diagnostics[0]).toMatchObject({ code: 'PLAF_OUTPUT_UNWRITABLE', severity: 'error', file: expect.stringContaining(join(dir, 'cache')) })
    expect(existsSync(join(dir, 'out', 'report.json'))).toBe(false)
    rmSync(join(dir, 'cache'))
    const res = await run(dir, { resume: true })
    expect(res.report.frames).toMatchObject({ processed: 3 })
  })

  // Root ignores permissions, so a permission or read-only error is raised as the write would raise it.
  it.each([
    ['EACCES', 'permission denied', 'choose a location you can write to (--out, runtime.cache_dir) or fix its permissions'],
    ['EROFS', 'the file system is read-only', 'choose a writable location (--out, runtime.cache_dir)'],
    ['EDQUOT', 'the disk quota is exhausted', 'free some space, then run again with --resume (completed frames are kept)'],
  ])('a write failing with %s mid-run: PLAF_OUTPUT_UNWRITABLE naming the path, saying %s and what to do', async (code, what, hint) => {
    const failing = defineStage<Record<string, never>, { frame: 'Frame' }, { masks: 'MaskSet' }>({
      name: 'fs-fail', kind: 'masker', version: '1.0.0', description: 'Fails as a write would.', options: { type: 'object', additionalProperties: false, properties: {} },
      inputs: { frame: 'Frame' }, outputs: { masks: 'MaskSet' },
      async create(_o, ctx) {
        return { run({ frame }) {
          if (frame.index === 1) throw Object.assign(new Error(`${code}: ${what}, open`), { code, syscall: 'open', path: join(ctx.outDir, 'x.npy') })
          return { masks: { width: 4, height: 4, masks: [] } }
        } }
      },
    })
    const dir = files({ 'p.yaml': pipeline.replace('use: disk-full, with: { at: 1 }', 'use: fs-fail') })
    const r = await resolvePipeline(join(dir, 'p.yaml'), new Registry([...fixturePlugins, failing]))
    const err = (await runPipeline(r.pipeline!, { cwd: dir }).catch((e) => e)) as PlafError
    expect(err.diagnostics[0]).toMatchObject({
      code: 'PLAF_OUTPUT_UNWRITABLE', severity: 'error', frame: '000001', file: join(dir, 'out', 'masker', 'x.npy'),
      message: `stage masker (fs-fail) frame 000001: cannot open ${join(dir, 'out', 'masker', 'x.npy')}: ${what} (${code})`,
      hint: expect.stringContaining(hint),
    })
  })

  it('anything else stays a bug', () => {
    expect(fsErrorDiagnostic(new TypeError('x is undefined'))).toBeNull()
    expect(fsErrorDiagnostic(Object.assign(new Error('?'), { code: 'EBADF' }))).toBeNull()
  })
})

describe('file-system errors while reading are input errors naming the path', () => {
  it('a directory read as a file: PLAF_INPUT_INVALID with the path (from the error, or from where it was read)', () => {
    const dir = files({})
    const e = (() => { try { readFileSync(dir) } catch (x) { return x } })()
    expect(fsErrorDiagnostic(e, { file: dir })).toMatchObject({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: dir,
      message: `cannot read ${dir}: it is a directory, not a file (EISDIR)`, hint: 'give a file inside it (a pipeline: its .yaml file)',
    })
    expect(fsErrorDiagnostic(e)).toMatchObject({ code: 'PLAF_INPUT_INVALID', message: 'cannot read a file (the system gave no path): it is a directory, not a file (EISDIR)' })
  })

  it('a pipeline that extends a directory: the extends line named', async () => {
    const dir = files({ 'p.yaml': `extends: ./sub\n${pipeline}`, 'sub/x.yaml': pipeline })
    const r = await resolvePipeline(join(dir, 'p.yaml'), registry)
    expect(r.diagnostics).toEqual([expect.objectContaining({
      code: 'PLAF_INPUT_INVALID', file: join(dir, 'p.yaml'), line: 1, column: 10, path: 'extends',
      message: `extends names a directory, not a file: ${join(dir, 'sub')}`, hint: "give the pipeline's .yaml file; it holds x.yaml",
    })])
  })
})
