import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { createProgress } from '../src/progress.js'
import { cli, tempDir } from './helpers.js'

const pipeline = `name: small
input: { use: synthetic-room, with: { frames: 2, color_width: 160, color_height: 120, depth_width: 80, depth_height: 60 } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: grid, with: { cell_size: 40 } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
`

describe('plaf run', () => {
  it('runs a sweep into one sub-directory per variant and tabulates their figures', async () => {
    const dir = tempDir({ 'p.yaml': pipeline + 'sweep:\n  matrix:\n    stages.masker.with.cell_size: [40, 80]\n    stages.storage2d.with.feature_dtype: [float32, float16]\n' })
    const out = join(dir, 'sweep')
    const r = await cli('run', join(dir, 'p.yaml'), '--out', out, '--progress', 'none', '--set', `runtime.cache_dir=${join(dir, 'cache')}`)
    expect(r.code).toBe(0)
    const rows = JSON.parse(readFileSync(join(out, 'sweep-summary.json'), 'utf8')) as Record<string, number | string>[]
    expect(rows.map((x) => x.variant)).toEqual([
      'masker.cell_size=40,storage2d.feature_dtype=float32',
      'masker.cell_size=40,storage2d.feature_dtype=float16',
      'masker.cell_size=80,storage2d.feature_dtype=float32',
      'masker.cell_size=80,storage2d.feature_dtype=float16',
    ])
    for (const row of rows) expect(existsSync(join(out, String(row.variant), 'report.json'))).toBe(true)
    // 160×120 in 40 px cells = 12 masks, in 80 px cells = 4 (edge cells truncated); float16 halves the table
    expect(rows.map((x) => x['storage2d.rows'])).toEqual([26, 26, 10, 10])
    expect(Number(rows[1]['storage2d.bytes'])).toBeLessThan(Number(rows[0]['storage2d.bytes']))
    const md = readFileSync(join(out, 'sweep-summary.md'), 'utf8')
    expect(md).toContain('| variant |')
    // numbers rounded alike down each column (the storage ratio is 0.00182…, not 0.001821456976215725)
    expect(md).not.toMatch(/\d\.\d{6,}/)
    const lines = md.split('\n')
    const column = lines[0].split(' | ').findIndex((h) => h.includes('storage2d.ratio'))
    expect(column).toBeGreaterThan(0)
    const ratio = lines.slice(2, 6).map((line) => line.split(' | ')[column].replace(' |', ''))
    expect(ratio.every((c) => /^0\.\d{5}$/.test(c)), ratio.join(' ')).toBe(true)
    expect(r.out).toContain('sweep of 4 variants')
  })

  it('prints a user error for a bad input file, exit 1, nothing that looks complete', async () => {
    const dir = tempDir({ 'p.yaml': pipeline.replace("use: synthetic-room, with: { frames: 2, color_width: 160, color_height: 120, depth_width: 80, depth_height: 60 }", 'use: scannet, with: { scene: ./missing-scene }') })
    const r = await cli('run', join(dir, 'p.yaml'), '--out', join(dir, 'out'), '--progress', 'none')
    expect(r.code).toBe(1)
    expect(r.err).toContain('PLAF_FILE_NOT_FOUND')
    expect(r.err).toContain('missing-scene')
    expect(existsSync(join(dir, 'out', 'report.json'))).toBe(false)
  })

  it('--resume refuses a folder that holds no run (only a folder holding nothing at all is run from frame 0)', async () => {
    const dir = tempDir({ 'p.yaml': pipeline, 'out/notes.txt': 'not a run' })
    const r = await cli('run', join(dir, 'p.yaml'), '--out', join(dir, 'out'), '--resume', '--progress', 'none')
    expect(r.code).toBe(1)
    expect(r.err).toContain('PLAF_RESUME_MISMATCH')
  })
})

describe('progress display', () => {
  const sink = (isTTY: boolean) => {
    let text = ''
    const s = new Writable({ write: (c, _e, cb) => { text += String(c); cb() } }) as unknown as NodeJS.WriteStream
    ;(s as { isTTY?: boolean }).isTTY = isTTY
    return { s, text: () => text }
  }
  const events = [
    { phase: 'start' as const, done: 0, total: 4, framesPerSecond: 0, etaSeconds: NaN },
    { phase: 'frame' as const, done: 1, total: 4, framesPerSecond: 2, etaSeconds: 1.5, frame: '000000' },
    { phase: 'frame' as const, done: 4, total: 4, framesPerSecond: 2, etaSeconds: 0, frame: '000003' },
    { phase: 'done' as const, done: 4, total: 4, framesPerSecond: 2, etaSeconds: 0 },
  ]
  it('prints plain lines with frames/s and ETA when not a TTY', () => {
    const { s, text } = sink(false)
    const p = createProgress('auto', 'demo', s)
    for (const e of events) p.onProgress(e)
    p.stop()
    expect(text()).toContain('[demo] frame 0/4 (0%), 0.00 frames/s, ETA ?')
    expect(text()).toContain('[demo] frame 4/4 (100%), 2.00 frames/s, ETA 0 s')
    expect(text()).toContain('[demo] done')
  })
  it('draws a bar on a TTY', () => {
    const { s, text } = sink(true)
    const p = createProgress('auto', 'demo', s)
    for (const e of events) p.onProgress(e)
    p.stop()
    expect(text()).toMatch(/demo .*4\/4 frames \| 2\.00 frames\/s \| ETA 0 s/)
  })
})
