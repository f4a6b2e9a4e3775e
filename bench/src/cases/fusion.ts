/**
 * `fusion`: cross-view fusion on generated scenes, through the real pipeline (`plaf run` in a
 * child process per run, so each run's peak RSS is its own): synthetic-room frames, Felzenszwalb
 * masks, colour-lexicon features, mask-mean, the backproject lifter with `fusion: none` and
 * `fusion: voxel-overlap`, index-reference storage. Per scene: pool rows vs masks seen, and the
 * per-point argmax label agreement of the fused map with the unfused one. On the first scene, the
 * fused run's peak RSS at the small frame count against the large one (frames stream; the map and
 * the pool are the only state that grows).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { open3D } from '@plaf/storage'
import type { BenchConfig } from '../config.js'
import type { BenchEnv } from '../env.js'
import { formatBytes, formatMs, type CaseReport, type Cell } from '../report.js'

/** The CLI entry point (bench/{src,dist}/cases → packages/cli/bin/plaf.js). */
const PLAF = resolve(dirname(fileURLToPath(import.meta.url)), '../../../packages/cli/bin/plaf.js')

/** Bytes one voxel adds to the lifter's state: VoxelGrid keys 12, position sums 24, colour sums 12, count 4, ≤ 4 hash slots 16; VoteTable 20 plus a 12-byte (ref, count, next) record per entry voting there (2 assumed). */
const VOXEL_STATE_BYTES = 12 + 24 + 12 + 4 + 16 + 20 + 2 * 12

/** One generated scene of the case. */
export interface FusionScene {
  seed: number
  objects: number
}

function pipelineYaml(c: BenchConfig['fusion']): string {
  const [ch, cw] = c.color
  const [dh, dw] = c.depth
  return `name: bench-fusion
input: { use: synthetic-room, with: { seed: 1, frames: 1, objects: 5, color_width: ${cw}, color_height: ${ch}, depth_width: ${dw}, depth_height: ${dh} } }
stages:
  backbone: { use: color-lexicon, with: { resolution: ${c.resolution} } }
  masker: { use: felzenszwalb, with: { min_size: ${c.minSize}, max_side: ${cw} } }
  aggregator: { use: mask-mean }
  lifter: { use: backproject, with: { voxel_size: ${c.voxelSize}, fusion: none } }
  storage3d: { use: index-reference, with: { feature_dtype: float32, counts: true } }
runtime: { cache: false, progress: none }
`
}

/** What one `plaf run` gave. */
interface RunFigures {
  frames: number
  fusion: string
  wall_ms: number
  peak_rss_mib: number
  points: number
  pool_rows: number
  masks_seen: number
  /** Per point, the argmax over the pool row (the 11 basic colour terms are one-hot text vectors, so this is the argmax label over them). */
  labels: Int32Array
  feature_dim: number
}

function plafRun(yaml: string, out: string, set: string[]): RunFigures {
  const args = [PLAF, 'run', yaml, '--out', out, '--progress', 'none', ...set.flatMap((s) => ['--set', s])]
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.status !== 0) throw new Error(`plaf run ${set.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`)
  const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as {
    wall_ms: number; peak_rss_mib: number; frames: { processed: number }; stages: Record<string, { metrics: Record<string, number> }>
  }
  const m = report.stages.lifter.metrics
  const { map } = open3D(join(out, 'storage3d'))
  const [rows, d] = map.pool.shape
  const rowLabel = new Int32Array(rows)
  for (let r2 = 0; r2 < rows; r2++) {
    let best = 0
    for (let c = 1; c < d; c++) if (map.pool.data[r2 * d + c] > map.pool.data[r2 * d + best]) best = c
    rowLabel[r2] = best
  }
  const labels = Int32Array.from(map.refs, (ref) => rowLabel[ref])
  return {
    frames: report.frames.processed, fusion: set.find((s) => s.includes('fusion='))?.split('=')[1] ?? 'none',
    wall_ms: report.wall_ms, peak_rss_mib: report.peak_rss_mib, points: m.points, pool_rows: m.pool_rows, masks_seen: m.masks_seen,
    labels, feature_dim: d,
  }
}

/** Share of points with the same label; both maps come from the same frames, so their voxels are the same, in the same (first-seen) order. */
function agreement(a: RunFigures, b: RunFigures): number {
  if (a.labels.length !== b.labels.length) throw new Error(`maps of ${a.labels.length} and ${b.labels.length} points: the runs did not see the same voxels`)
  let same = 0
  for (let i = 0; i < a.labels.length; i++) same += a.labels[i] === b.labels[i] ? 1 : 0
  return a.labels.length ? same / a.labels.length : 1
}

const strip = ({ labels: _l, ...r }: RunFigures) => r

export async function runFusionCase(config: BenchConfig, _env: BenchEnv): Promise<CaseReport> {
  const started = new Date()
  const t0 = performance.now()
  const c = config.fusion
  if (!existsSync(PLAF)) throw new Error(`the fusion case runs the CLI, but ${PLAF} is missing (npm ci builds it)`)
  mkdirSync(config.tmpDir, { recursive: true })
  const dir = mkdtempSync(join(config.tmpDir, 'plaf-bench-fusion-'))
  const progress = (m: string) => process.stderr.write(`[bench] fusion: ${m}\n`)
  try {
    const yaml = join(dir, 'pipeline.yaml')
    writeFileSync(yaml, pipelineYaml(c))
    const [small, large] = c.frames
    const scenes = []
    const details: string[] = []
    let passed = true
    let rss: Record<string, number | boolean> | null = null
    for (const [k, s] of c.scenes.entries()) {
      const base = [`input.with.seed=${s.seed}`, `input.with.objects=${s.objects}`, `input.with.frames=${large}`]
      const tag = `seed${s.seed}`
      progress(`scene ${k + 1}/${c.scenes.length} (seed ${s.seed}, ${s.objects} objects, ${large} frames): fusion none`)
      const none = plafRun(yaml, join(dir, `${tag}-none`), base)
      progress(`scene ${k + 1}/${c.scenes.length}: fusion voxel-overlap`)
      const fused = plafRun(yaml, join(dir, `${tag}-fused`), [...base, 'stages.lifter.with.fusion=voxel-overlap'])
      const agree = agreement(none, fused)
      const ok = fused.points === none.points && fused.masks_seen === none.masks_seen && fused.pool_rows <= none.pool_rows
      passed &&= ok
      details.push(`seed ${s.seed}: fused and unfused maps have the same ${none.points} points and ${none.masks_seen} masks; fused pool ${fused.pool_rows} ≤ unfused ${none.pool_rows} rows: ${ok ? 'ok' : 'FAILED'}`)
      scenes.push({
        seed: s.seed, objects: s.objects, frames: large, points: none.points, masks_seen: none.masks_seen,
        pool_rows_unfused: none.pool_rows, pool_rows_fused: fused.pool_rows, reduction_vs_masks: none.masks_seen / Math.max(1, fused.pool_rows),
        argmax_agreement: agree, goal_agreement_met: agree >= 0.95, unfused: strip(none), fused: strip(fused),
      })
      if (k === 0) {
        progress(`scene 1: fusion voxel-overlap at ${small} frames (peak RSS against ${large})`)
        const few = plafRun(yaml, join(dir, `${tag}-fused-${small}`), [...base.slice(0, 2), `input.with.frames=${small}`, 'stages.lifter.with.fusion=voxel-overlap'])
        const growthMib = fused.peak_rss_mib - few.peak_rss_mib
        const mapGrowthMib = (Math.max(0, fused.points - few.points) * VOXEL_STATE_BYTES + Math.max(0, fused.pool_rows - few.pool_rows) * fused.feature_dim * 8) / 2 ** 20
        rss = {
          frames_small: small, frames_large: large, peak_rss_mib_small: few.peak_rss_mib, peak_rss_mib_large: fused.peak_rss_mib,
          growth_mib: growthMib, points_small: few.points, points_large: fused.points, pool_rows_small: few.pool_rows, pool_rows_large: fused.pool_rows,
          map_growth_mib: mapGrowthMib, voxel_state_bytes: VOXEL_STATE_BYTES,
          growth_beyond_map_ratio: (growthMib - mapGrowthMib) / few.peak_rss_mib,
          goal_met: growthMib - mapGrowthMib <= 0.1 * few.peak_rss_mib,
        }
      }
    }
    const rows: Cell[][] = scenes.map((s) => [
      `seed ${s.seed} (${s.objects} obj)`, s.frames, s.masks_seen, s.pool_rows_unfused, s.pool_rows_fused, `×${s.reduction_vs_masks.toFixed(1)}`,
      `${(100 * s.argmax_agreement).toFixed(1)} %`, s.points, formatMs(s.fused.wall_ms),
    ])
    const meanAgreement = scenes.reduce((a, s) => a + s.argmax_agreement, 0) / scenes.length
    const minAgreement = Math.min(...scenes.map((s) => s.argmax_agreement))
    const minReduction = Math.min(...scenes.map((s) => s.reduction_vs_masks))
    const r = rss!
    return {
      name: 'fusion', started_at: started.toISOString(), duration_ms: performance.now() - t0,
      params: { mode: config.mode, ...c, pipeline: pipelineYaml(c) },
      summary: {
        min_argmax_agreement: minAgreement, mean_argmax_agreement: meanAgreement, min_reduction_vs_masks: minReduction,
        peak_rss_mib_small: r.peak_rss_mib_small as number, peak_rss_mib_large: r.peak_rss_mib_large as number,
        growth_beyond_map_ratio: r.growth_beyond_map_ratio as number,
      },
      measurements: {
        scenes, rss,
        goals: { argmax_agreement_ge_95_percent: minAgreement >= 0.95, rss_growth_beyond_map_le_10_percent: r.goal_met },
      },
      checks: { passed, details },
      official: { fusion: 'the official code keeps one pool row per mask per frame (its FeaturePool3D is unused); its 3D demo stores a dense vector per point' },
      tables: [
        {
          title: `Fusion on generated scenes (${c.color[1]}×${c.color[0]} colour, ${c.depth[1]}×${c.depth[0]} depth, voxel ${c.voxelSize} m): pool rows and argmax agreement with the unfused map`,
          columns: ['scene', 'frames', 'masks seen', 'rows unfused', 'rows fused', 'masks / row', 'agreement', 'points', 'fused run'],
          rows,
        },
        {
          title: `Peak RSS of the fused run, ${small} vs ${large} frames (seed ${c.scenes[0].seed})`,
          columns: ['frames', 'peak RSS', 'points', 'pool rows'],
          rows: [
            [small, formatBytes((r.peak_rss_mib_small as number) * 2 ** 20), r.points_small as number, r.pool_rows_small as number],
            [large, formatBytes((r.peak_rss_mib_large as number) * 2 ** 20), r.points_large as number, r.pool_rows_large as number],
          ],
        },
      ],
      notes: [
        `argmax label: per point, the argmax over the 11 basic colour terms (color-lexicon-text embeds a term as a one-hot vector, so this is the argmax over the point's pool row)`,
        `RSS growth ${(r.growth_mib as number).toFixed(1)} MiB, of which the map's own growth ${(r.map_growth_mib as number).toFixed(2)} MiB (${VOXEL_STATE_BYTES} B per new voxel, 8 B per new pool value); beyond it ${(100 * (r.growth_beyond_map_ratio as number)).toFixed(1)} % of the ${small}-frame peak (goal ≤ 10 %)`,
      ],
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
