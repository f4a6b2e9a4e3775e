// The demo pipeline (color-lexicon, felzenszwalb, mask-mean, both storages, backproject, text
// querier) run with 1, 2 and 4 frames in flight on a scene with a skipped frame: the run
// directories and the caches are identical byte for byte, apart from times, the setting itself and
// the temp paths.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plaf, tempDir } from './helpers.js'

const demo = join(__dirname, '..', 'pipelines', 'demo.yaml')
const { dir, cleanup } = tempDir('in-flight')
const scene = join(dir, 'scene0000_00')
afterAll(cleanup)

/** A JSON value without the keys that hold times (`wall_ms`, `timings_ms`, `query_ms`, …) or memory. */
function timeless(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(timeless)
  if (!v || typeof v !== 'object') return v
  return Object.fromEntries(Object.entries(v).filter(([k]) => !/_ms$|^peak_rss_mib$|^run_dir$|^frames_in_flight$/.test(k)).map(([k, x]) => [k, timeless(x)]))
}

/** Every file under `root`: its bytes, or for the files that record times, what is left without them. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const rel of readdirSync(root, { recursive: true, encoding: 'utf8' }).sort()) {
    const f = join(root, rel)
    if (!statSync(f).isFile() || rel === 'manifest.json') continue // manifest: start and end times
    let text = readFileSync(f).toString('base64')
    if (rel === 'config.resolved.yaml') text = readFileSync(f, 'utf8').replace(/\n\s*frames_in_flight: \d+/, '').split(root).join('<run>').replace(/cache-\d/, 'cache')
    if (rel === 'progress.json') text = JSON.stringify({ ...JSON.parse(readFileSync(f, 'utf8')), config_hash: null })
    if (rel === 'report.md') {
      text = readFileSync(f, 'utf8').replace(/^- wall time: .*$/m, '').replace(/^(\| [^|]+ \| [^|]+ \| \d+ \| )[\d.]+ \| [\d.]+ \| [\d.]+ (\| [^|]+ \| )\d+ \|/gm, '$1$2|').replace(/\w+_ms=[\d.,]+/g, '').replace(/^\| [^|]+ \| \w+_ms \|.*$/gm, '') // per-frame timings
    }
    if (rel === 'report.json' || rel === 'querier/scores.json') {
      const r = timeless(JSON.parse(readFileSync(f, 'utf8'))) as { stages?: Record<string, Record<string, unknown>> }
      for (const st of Object.values(r.stages ?? {})) for (const k of ['ms_total', 'ms_mean', 'own_ms_total', 'own_ms_mean']) delete st[k]
      text = JSON.stringify(r)
    }
    out[rel] = text
  }
  return out
}

const runs: Record<number, { out: Record<string, string>; cache: Record<string, string> }> = {}

beforeAll(async () => {
  // frame 3's pose is invalid: the input skips it with a note while it reads ahead
  await plaf(['make-scene', scene, '--frames', '7', '--objects', '4', '--set', 'color_width=320', '--set', 'color_height=240', '--set', 'depth_width=160', '--set', 'depth_height=120', '--set', 'invalid_pose_frames=[3]'])
  for (const n of [1, 2, 4]) {
    const out = join(dir, `run-${n}`)
    const cache = join(dir, `cache-${n}`)
    await plaf(['run', demo, '--out', out, '--progress', 'none', '--set', `input.with.scene=${scene}`, '--set', `runtime.cache_dir=${cache}`, '--set', `runtime.frames_in_flight=${n}`, '--set', 'stages.querier.with.queries=[red,green,blue]'])
    runs[n] = { out: snapshot(out), cache: snapshot(cache) }
  }
}, 600_000)

describe('frames in flight on the demo pipeline', () => {
  it('writes the same run directory and cache with 2 and 4 frames in flight as with 1', () => {
    expect(Object.keys(runs[1].out)).toEqual(expect.arrayContaining(['storage2d/index.json', 'storage3d/map.ply', 'querier/scores.json', 'report.json']))
    expect(Object.keys(runs[1].out).filter((f) => f.startsWith('storage2d/') && f.endsWith('.features.npy'))).toHaveLength(6)
    expect(Object.keys(runs[1].cache).length).toBeGreaterThanOrEqual(18) // backbone, masker, aggregator × 6 frames
    expect(JSON.parse(runs[1].out['report.json']).notes.map((n: { code: string }) => n.code)).toContain('PLAF_FRAME_SKIPPED')
    for (const n of [2, 4]) {
      expect(runs[n].out, `frames_in_flight ${n}`).toEqual(runs[1].out)
      expect(runs[n].cache, `frames_in_flight ${n}`).toEqual(runs[1].cache)
    }
  })
})
