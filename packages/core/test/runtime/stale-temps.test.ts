import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { Registry, resolvePipeline, runPipeline } from '../../src/index.js'
import { removeStaleTempFiles } from '../../src/util/atomic.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

// a pid far above Linux's pid_max (4 194 304): no process has it
const DEAD = 99_999_999

describe('temporary files of interrupted atomic writes', () => {
  it('removes those of dead processes, keeps a live writer\'s and everything else', () => {
    const dir = files({ 'a/x.npy': 'final', 'a/.x.npy.1.0.tmp.bak': 'not ours' })
    const dead = join(dir, 'a', `.x.npy.${DEAD}.3.tmp`)
    const live = join(dir, `.report.json.${process.pid}.0.tmp`)
    writeFileSync(dead, 'half')
    writeFileSync(live, 'writing')
    expect(removeStaleTempFiles(dir)).toEqual([dead])
    expect([existsSync(dead), existsSync(live), existsSync(join(dir, 'a', 'x.npy')), existsSync(join(dir, 'a', '.x.npy.1.0.tmp.bak'))]).toEqual([false, true, true, true])
    expect(removeStaleTempFiles(join(dir, 'missing'))).toEqual([])
  })

  it('are removed from the run directory and the cache when a run (or --resume) starts', async () => {
    const dir = files({ 'p.yaml': 'name: t\ninput: { use: flat-frames, with: { frames: 2, size: 8 } }\nstages:\n  backbone: { use: block-mean, with: { block: 2 } }\n  masker: { use: halves }\nruntime: { tensor_backend: reference, cache_dir: cache }\noutput: { dir: out }\n' })
    const r = await resolvePipeline(join(dir, 'p.yaml'), new Registry(fixturePlugins))
    // an interrupted run (after its first frame) for --resume to continue: a complete one it leaves untouched
    const abort = new AbortController()
    await runPipeline(r.pipeline!, { cwd: dir, signal: abort.signal, onProgress: (e) => { if (e.done === 1) abort.abort() } }).catch(() => {})
    const left = [join(dir, 'out', `.progress.json.${DEAD}.0.tmp`), join(dir, 'cache', 'ab', `.abcd.bin.${DEAD}.1.tmp`)]
    mkdirSync(join(dir, 'cache', 'ab'), { recursive: true })
    for (const f of left) writeFileSync(f, 'half')
    await runPipeline(r.pipeline!, { cwd: dir, resume: true })
    expect(left.map((f) => existsSync(f))).toEqual([false, false])
  })
})
