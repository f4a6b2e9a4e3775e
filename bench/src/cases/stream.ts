/**
 * `stream`: memory while frames stream (issue 25). The same generated scene runs through the whole
 * pipeline (`plaf run` in a child process per run, so each run's peak RSS is its own) at a small
 * and a large frame count: synthetic-room frames, colour-lexicon features, Felzenszwalb masks,
 * mask-mean, mask-indexed 2D storage (written per frame), the backproject lifter and
 * index-reference storage. Frames are decoded, processed and written one at a time, so the peak
 * RSS of the large run may exceed the small run's only by the map's own growth (its voxels and
 * pool rows) plus at most 10 % of the small run's peak.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { BenchConfig } from '../config.js'
import type { BenchEnv } from '../env.js'
import { formatBytes, formatMs, type CaseReport } from '../report.js'

/** The CLI entry point (bench/{src,dist}/cases → packages/cli/bin/plaf.js). */
const PLAF = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages/cli/bin/plaf.js')

/** Bytes one voxel adds to the lifter's state (as the fusion case counts them: grid keys, sums, count, hash slots, vote table). */
const VOXEL_STATE_BYTES = 12 + 24 + 12 + 4 + 16 + 20 + 2 * 12

function pipelineYaml(c: BenchConfig['stream']): string {
  const [ch, cw] = c.color
  const [dh, dw] = c.depth
  return `name: bench-stream
input: { use: synthetic-room, with: { seed: ${c.seed}, frames: 1, objects: 5, color_width: ${cw}, color_height: ${ch}, depth_width: ${dw}, depth_height: ${dh} } }
stages:
  backbone: { use: color-lexicon, with: { resolution: ${c.resolution} } }
  masker: { use: felzenszwalb, with: { min_size: 50, max_side: ${cw} } }
  aggregator: { use: mask-mean }
  storage2d: { use: mask-indexed }
  lifter: { use: backproject, with: { voxel_size: ${c.voxelSize} } }
  storage3d: { use: index-reference, with: { feature_dtype: float32 } }
runtime: { cache: false, progress: none }
`
}

/** What one `plaf run` gave. */
interface StreamRun {
  frames: number
  wall_ms: number
  peak_rss_mib: number
  points: number
  pool_rows: number
  feature_dim: number
  bytes_2d: number
}

function plafRun(yaml: string, out: string, frames: number): StreamRun {
  const args = [PLAF, 'run', yaml, '--out', out, '--progress', 'none', '--set', `input.with.frames=${frames}`]
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.status !== 0) throw new Error(`plaf run (${frames} frames) exited ${r.status}: ${r.stderr.slice(-2000)}`)
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
    wall_ms: number; peak_rss_mib: number; frames: { processed: number }; stages: Record<string, { metrics: Record<string, number> }>
  }
  const map = JSON.parse(readFileSync(join(out, 'storage3d', 'map.json'), 'utf8')) as { feature_dim?: number; pool?: { shape?: number[] } }
  const m = report.stages.lifter.metrics
  return {
    frames: report.frames.processed, wall_ms: report.wall_ms, peak_rss_mib: report.peak_rss_mib,
    points: m.points, pool_rows: m.pool_rows, feature_dim: map.feature_dim ?? map.pool?.shape?.[1] ?? 0,
    bytes_2d: report.stages.storage2d.metrics.bytes ?? 0,
  }
}

export async function runStreamCase(config: BenchConfig, _env: BenchEnv): Promise<CaseReport> {
  const started = new Date()
  const t0 = performance.now()
  const c = config.stream
  if (!existsSync(PLAF)) throw new Error(`the stream case runs the CLI, but ${PLAF} is missing (npm ci builds it)`)
  mkdirSync(config.tmpDir, { recursive: true })
  const dir = mkdtempSync(join(config.tmpDir, 'plaf-bench-stream-'))
  const progress = (m: string) => process.stderr.write(`[bench] stream: ${m}\n`)
  try {
    const yaml = join(dir, 'pipeline.yaml')
    writeFileSync(yaml, pipelineYaml(c))
    const [small, large] = c.frames
    progress(`${small} frames`)
    const few = plafRun(yaml, join(dir, 'small'), small)
    progress(`${large} frames`)
    const many = plafRun(yaml, join(dir, 'large'), large)
    const growthMib = many.peak_rss_mib - few.peak_rss_mib
    // the map's own growth: new voxels' lifter state, new pool rows in float64 accumulators
    const mapGrowthMib = (Math.max(0, many.points - few.points) * VOXEL_STATE_BYTES + Math.max(0, many.pool_rows - few.pool_rows) * many.feature_dim * 8) / 2 ** 20
    const beyond = (growthMib - mapGrowthMib) / few.peak_rss_mib
    const goalMet = growthMib - mapGrowthMib <= 0.1 * few.peak_rss_mib
    const ok = few.frames === small && many.frames === large
    return {
      name: 'stream', started_at: started.toISOString(), duration_ms: performance.now() - t0,
      params: { mode: config.mode, ...c, pipeline: pipelineYaml(c) },
      summary: { peak_rss_mib_small: few.peak_rss_mib, peak_rss_mib_large: many.peak_rss_mib, map_growth_mib: mapGrowthMib, growth_beyond_map_ratio: beyond },
      measurements: {
        small: few, large: many, growth_mib: growthMib, map_growth_mib: mapGrowthMib, voxel_state_bytes: VOXEL_STATE_BYTES,
        growth_beyond_map_ratio: beyond, goals: { rss_growth_beyond_map_le_10_percent: goalMet },
      },
      checks: { passed: ok, details: [`both runs processed every frame (${few.frames} of ${small}, ${many.frames} of ${large}): ${ok ? 'ok' : 'FAILED'}`] },
      official: { stream: 'the official scripts keep every frame\'s features in memory until the end (FeaturePool3D per frame, dense per-pixel maps)' },
      tables: [{
        title: `Peak RSS while frames stream: ${small} vs ${large} frames (${c.color[1]}×${c.color[0]} colour, ${c.depth[1]}×${c.depth[0]} depth, whole pipeline)`,
        columns: ['frames', 'peak RSS', 'points', 'pool rows', '2D memory written', 'wall'],
        rows: [few, many].map((r) => [r.frames, formatBytes(r.peak_rss_mib * 2 ** 20), r.points, r.pool_rows, formatBytes(r.bytes_2d), formatMs(r.wall_ms)]),
      }],
      notes: [
        `RSS growth ${growthMib.toFixed(1)} MiB, of which the map's own growth ${mapGrowthMib.toFixed(2)} MiB (${VOXEL_STATE_BYTES} B per new voxel, 8 B per new pool value); beyond it ${(100 * beyond).toFixed(1)} % of the ${small}-frame peak (goal ≤ 10 %: ${goalMet ? 'met' : 'NOT met'})`,
      ],
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
