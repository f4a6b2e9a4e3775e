import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { thresholdSource, type ExportedData } from '@plaf/viewer'
import { describe, expect, it } from 'vitest'
import { cli, tempDir } from './helpers.js'

// plaf view's command line; the server, the page and --export run in test/viewer-browser.test.ts.
describe('plaf view', () => {
  it('a bad --port is exit 1 naming the flag', async () => {
    const r = await cli('view', tempDir(), '--port', 'abc')
    expect(r.code).toBe(1)
    expect(r.err).toContain('--port must be an integer from 0 to 65535, got "abc"')
    expect((await cli('view', tempDir(), '--port', '70000')).code).toBe(1)
  })

  it('export-only flags without --export are exit 1 naming the flag', async () => {
    const r = await cli('view', tempDir(), '--text', 'blue')
    expect(r.code).toBe(1)
    expect(r.err).toContain('use them with --export <file.html>')
    expect(r.err).toContain('--text blue')
    expect((await cli('view', tempDir(), '--max-points', '10')).err).toContain('--max-points 10')
  })

  it('a bad --mode, --threshold or --export-frames-mb is exit 1 naming the flag; --export-frames is export-only', async () => {
    expect((await cli('view', tempDir(), '--mode', 'dot')).err).toContain('--mode must be one of cosine, softmax, relevancy, got "dot"')
    expect((await cli('view', tempDir(), '--threshold', '2')).err).toContain('--threshold must be a score from -1 to 1 or auto, got "2"')
    expect((await cli('view', tempDir(), '--export', 'x.html', '--export-frames-mb', '-1')).err).toContain('--export-frames-mb must be a number of megabytes')
    const r = await cli('view', tempDir(), '--export-frames', '3')
    expect(r.code).toBe(1)
    expect(r.err).toContain('--export-frames 3')
  })

  it('a directory that is not a finished run is exit 1 naming it, before anything listens', async () => {
    const dir = join(tempDir(), 'nothing-here')
    const r = await cli('view', dir, '--port', '0')
    expect(r.code).toBe(1)
    expect(r.err).toContain(`run directory ${dir} does not exist`)
    const empty = tempDir({ 'a.txt': 'x' })
    const e = await cli('view', empty, '--port', '0')
    expect(e.code).toBe(1)
    expect(e.err).toContain(`${empty} is not a run directory: config.resolved.yaml and manifest.json missing`)
  })
})

describe('plaf view --export into a folder', () => {
  const pipeline = 'name: t\ninput: { use: synthetic-room, with: { frames: 2, color_width: 64, color_height: 48, depth_width: 64, depth_height: 48 } }\n' +
    'stages:\n  backbone: { use: color-lexicon }\n  masker: { use: grid, with: { cell_size: 16 } }\n  aggregator: { use: mask-mean }\n  storage2d: { use: mask-indexed }\n' +
    '  lifter: { use: backproject }\n  storage3d: { use: index-reference }\n  querier: { use: text, with: { encoder: color-lexicon-text, queries: [red] } }\n' +
    'runtime: { cache: false }\noutput: { dir: out }\n'

  it('creates a missing folder; a file in the way is exit 1 naming it, before the page is built', async () => {
    const dir = tempDir({ 'p.yaml': pipeline, afile: 'x' })
    expect((await cli('run', join(dir, 'p.yaml'), '--progress', 'none')).code).toBe(0)
    const page = join(dir, 'new', 'sub', 'x.html')
    const r = await cli('view', join(dir, 'out'), '--export', page)
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(existsSync(page)).toBe(true)
    const blocked = join(dir, 'afile', 'x.html')
    const b = await cli('view', join(dir, 'out'), '--export', blocked)
    expect(b.code).toBe(1)
    expect(b.out).toBe('')
    expect(b.err).toBe(`${join(dir, 'afile')} error cannot mkdir ${join(dir, 'afile')}: a file is in the way of a directory (EEXIST)  PLAF_OUTPUT_UNWRITABLE\n     choose another --export <file.html> path\n`)
  })

  it('a --threshold given on the command line is labelled as that flag, never as the run\'s; the run querier\'s own is kept', async () => {
    const dir = tempDir({ 'p.yaml': pipeline.replace('queries: [red] }', 'queries: [red], threshold: 0.6 }') })
    expect((await cli('run', join(dir, 'p.yaml'), '--progress', 'none')).code).toBe(0)
    const scoringOf = (page: string) => {
      const json = /<script id="plaf-data" type="application\/json">(.*?)<\/script>/s.exec(readFileSync(page, 'utf8'))![1]!
      return (JSON.parse(json.replace(/<\\\/script/gi, '</script')) as ExportedData).info.scoring
    }
    expect((await cli('view', join(dir, 'out'), '--export', join(dir, 'own.html'), '--export-frames', '0')).code).toBe(0)
    const own = scoringOf(join(dir, 'own.html'))
    expect(own).toMatchObject({ threshold: 0.6, thresholdFrom: 'run', modeFrom: 'run', querier: { mode: 'cosine', threshold: 0.6 } })
    expect(thresholdSource(own)).toBe("the run's")
    expect((await cli('view', join(dir, 'out'), '--export', join(dir, 'flag.html'), '--export-frames', '0', '--threshold', '0.3')).code).toBe(0)
    const flagged = scoringOf(join(dir, 'flag.html'))
    expect(flagged).toMatchObject({ threshold: 0.3, thresholdFrom: '--threshold 0.3', modeFrom: 'run', querier: { mode: 'cosine', threshold: 0.6 } })
    expect(thresholdSource(flagged)).toBe('--threshold 0.3')
  })
})
