import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { main } from '../src/main.js'
import { createProgress } from '../src/progress.js'
import { cli, tempDir } from './helpers.js'

const small = `name: small
input: { use: synthetic-room, with: { frames: 2, color_width: 160, color_height: 120, depth_width: 80, depth_height: 60 } }
stages:
  backbone: { use: color-lexicon, with: { resolution: 64 } }
  masker: { use: grid, with: { cell_size: 40 } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
`
const lifted = small + `  lifter: { use: backproject, with: { voxel_size: 0.1 } }
  storage3d: { use: index-reference }
`
const missingScene = small.replace(/input: .*\n/, 'input: { use: scannet, with: { scene: ./missing-scene } }\n')

describe('plaf run: what a failed run leaves behind', () => {
  it('leaves no run directory when the input fails before the first frame', async () => {
    const dir = tempDir({ 'p.yaml': missingScene })
    const r = await cli('run', join(dir, 'p.yaml'), '--out', join(dir, 'runs', 'small'), '--progress', 'none')
    expect(r.code).toBe(1)
    expect(r.err).toContain('PLAF_FILE_NOT_FOUND')
    expect(existsSync(join(dir, 'runs'))).toBe(false)
  })

  it('keeps an --out directory that existed before the run', async () => {
    const dir = tempDir({ 'p.yaml': missingScene })
    mkdirSync(join(dir, 'out'))
    const r = await cli('run', join(dir, 'p.yaml'), '--out', join(dir, 'out'), '--progress', 'none')
    expect(r.code).toBe(1)
    expect(existsSync(join(dir, 'out'))).toBe(true)
    expect(readdirSync(join(dir, 'out'))).not.toContain('report.json')
  })
})

/** A stream that keeps what is written to it. */
function sink(isTTY: boolean) {
  let text = ''
  const stream = new Writable({ write: (c, _e, cb) => { text += String(c); cb() } }) as unknown as NodeJS.WriteStream
  ;(stream as { isTTY?: boolean }).isTTY = isTTY
  return { stream, text: () => text }
}

/** Runs the CLI in-process with the progress stream captured too. */
async function cliWithProgress(...argv: string[]) {
  let out = ''
  let err = ''
  const progress = sink(false)
  const code = await main(argv, { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n'), progressStream: progress.stream })
  return { code, out, err, progress: progress.text() }
}

describe('plaf run: progress during the scene-level phase', () => {
  it('names each stage being finished after the last frame, in plain lines', async () => {
    const dir = tempDir({ 'p.yaml': lifted })
    const r = await cliWithProgress('run', join(dir, 'p.yaml'), '--out', join(dir, 'out'), '--progress', 'lines', '--set', `runtime.cache_dir=${join(dir, 'cache')}`)
    expect(r.code).toBe(0)
    const lines = r.progress.trimEnd().split('\n')
    const last = lines.findIndex((l) => l.startsWith('[plaf] frame 2/2 (100%)'))
    expect(last).toBeGreaterThan(0)
    expect(lines.slice(last + 1, -1)).toEqual([
      '[plaf] 2/2 frames · finishing storage2d (mask-indexed)…',
      '[plaf] 2/2 frames · finishing lifter (backproject)…',
      '[plaf] 2/2 frames · finishing storage3d (index-reference)…',
    ])
    expect(lines.at(-1)).toMatch(/^\[plaf\] done, /)
  })

  it('draws the stage being finished on a TTY bar at once, before the finish call holds the event loop', () => {
    const { stream, text } = sink(true)
    const p = createProgress('auto', 'demo', stream)
    p.onProgress({ phase: 'start', done: 0, total: 12, framesPerSecond: 0, etaSeconds: NaN })
    p.onProgress({ phase: 'frame', done: 12, total: 12, framesPerSecond: 1.2, etaSeconds: 0, frame: '000011' })
    p.onProgress({ phase: 'finish', done: 12, total: 12, framesPerSecond: 1.2, etaSeconds: 0, stage: 'lifter', plugin: 'backproject' })
    // no timer has fired yet: what is on the terminal now is what a user sees during the finish call
    expect(text()).toMatch(/demo .*12\/12 frames · finishing lifter \(backproject\)…/)
    p.stop()
  })
})

describe('plaf run: cache summary', () => {
  it('says how many stage calls came from the cache, in the summary and in report.md', async () => {
    const dir = tempDir({ 'p.yaml': small })
    const args = (out: string) => ['run', join(dir, 'p.yaml'), '--out', join(dir, out), '--progress', 'none', '--set', `runtime.cache_dir=${join(dir, 'cache')}`]
    const first = await cli(...args('first'))
    expect(first.code).toBe(0)
    // 2 frames × (backbone, masker, aggregator, storage2d) + storage2d's finish; the first three are cacheable
    expect(first.out).toContain('cache: 0 of 9 stage calls reused (0 of 6 cache lookups hit)')
    const second = await cli(...args('second'))
    expect(second.code).toBe(0)
    expect(second.out).toContain('cache: 6 of 9 stage calls reused (6 of 6 cache lookups hit)')
    expect(readFileSync(join(dir, 'second', 'report.md'), 'utf8')).toContain('- cache: 6 of 9 stage calls reused (6 of 6 cache lookups hit)')
    const off = await cli(...args('off'), '--set', 'runtime.cache=false')
    expect(off.out).toContain('cache: 0 of 9 stage calls reused (no cache lookups)')
  })
})
