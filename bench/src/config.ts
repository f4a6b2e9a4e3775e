import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { TENSOR_BACKENDS, type TensorBackendName } from '@plaf/core'
import { VIT_B16_512, type VitShape } from './backbone/vit-graph.js'
import { SAM_VIT_B, type SamEncoderShape } from './masker/sam-encoder-graph.js'
import type { FusionScene } from './cases/fusion.js'

/** The benchmark cases, in the order they run. */
export const CASES = ['aggregator', 'query3d', 'storage', 'backbone', 'data', 'masker', 'fusion', 'stream'] as const
/** One benchmark case. */
export type CaseName = (typeof CASES)[number]

/** Size presets: `tiny` is for tests (seconds), `quick` a smoke run, `full` adds the 968×1296 dense baseline. */
export type Mode = 'tiny' | 'quick' | 'default' | 'full'

/** One image size of the aggregator case; `dense` runs the official dense baseline at it. */
export interface AggregatorSize {
  H: number
  W: number
  dense: boolean
}

/** One image size of the 2D storage case; `measureDense` writes the dense .npy (else its size is computed). */
export interface Storage2dSize {
  H: number
  W: number
  measureDense: boolean
}

/** Everything one benchmark run does. */
export interface BenchConfig {
  mode: Mode
  only: CaseName[]
  /** Directory of the per-case JSON files. */
  outDir: string
  /** The combined file (machine info plus every case run). */
  latestFile: string
  /** Where the storage case writes its temporary files (deleted after each measurement). */
  tmpDir: string
  /** Tensor backend for the "auto" column (the reference backend always runs as well). */
  backend: 'auto' | TensorBackendName
  seed: number
  aggregator: { sizes: AggregatorSize[]; k: number; d: number; grid: [h: number, w: number]; runsSparse: number; runsDense: number }
  /** Points N, pool rows M, feature dim D, queries Q (--points, --pool-rows, --queries override the preset). */
  query3d: { n: number; m: number; d: number; q: number; runsPlaf: number; runsDense: number }
  storage: { sizes2d: Storage2dSize[]; k: number; d: number; grid: [h: number, w: number]; n: number; m: number; measureDense3d: boolean }
  /** The generated ViT, the scene's frames and image sizes, session-only runs, the frames_in_flight values to run. */
  backbone: { vit: VitShape; frames: number; color: [h: number, w: number]; depth: [h: number, w: number]; sessionRuns: number; inFlight: number[] }
  /** Frames of the generated scene read from its export folder and its .sens, image sizes, timed runs. */
  data: { frames: number; color: [h: number, w: number]; depth: [h: number, w: number]; runs: number }
  /** The SAM generator's image size, grids (points per side), timed runs per grid, the generated encoder and its timed runs. */
  masker: { color: [h: number, w: number]; grids: number[]; runs: number; encoder: SamEncoderShape; encoderRuns: number }
  /** Generated scenes (seed, objects) run unfused and fused at frames[1]; the first also fused at frames[0] for peak RSS. */
  fusion: { scenes: FusionScene[]; frames: [small: number, large: number]; color: [h: number, w: number]; depth: [h: number, w: number]; resolution: number; minSize: number; voxelSize: number }
  /** One generated scene run through the whole pipeline at two frame counts, for the peak RSS while frames stream. */
  stream: { seed: number; frames: [small: number, large: number]; color: [h: number, w: number]; depth: [h: number, w: number]; resolution: number; voxelSize: number }
}

/** A command-line mistake: main prints it with the usage and exits 1. */
export class UsageError extends Error {}

/** The command-line help. */
export const USAGE = `usage: npm run bench -- [options]

  --quick            smaller sizes, fewer runs (about a minute)
  --full             also run the dense baseline at 968×1296 (needs about 12 GB free)
  --tiny             toy sizes (seconds), for tests
  --only NAME        run only this case (repeatable): ${CASES.join(', ')}
  --out PATH         results directory, or a .json file for the combined results (default bench/results)
  --tmp DIR          directory for the storage case's temporary files (default: the OS temp dir)
  --runs N           runs per implementation (overrides the preset; the median is reported)
  --backend NAME     tensor backend for the sparse paths: auto (default), ${TENSOR_BACKENDS.join(', ')}
  --seed N           seed of the synthetic inputs (default 1)
  --points N         query3d: map points (default: the preset's, 1,000,000)
  --pool-rows M      query3d: pool rows (default: the preset's, 5,000)
  --queries Q        query3d: text queries scored at once (default 1)
  -h, --help         this text`

/** bench/results, next to bench/src and bench/dist. */
export function defaultResultsDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', 'results')
}

/** The fusion case's scenes: three seeds and object counts (layouts), 200 frames (the goal) against 50. */
const FUSION: BenchConfig['fusion'] = {
  scenes: [{ seed: 1, objects: 7 }, { seed: 5, objects: 4 }, { seed: 7, objects: 5 }],
  frames: [50, 200], color: [242, 324], depth: [120, 160], resolution: 256, minSize: 100, voxelSize: 0.03,
}

/** The stream case: 100 against 1,000 frames (issue 25's memory goal) at a small image size. */
const STREAM: BenchConfig['stream'] = { seed: 3, frames: [100, 1000], color: [120, 160], depth: [60, 80], resolution: 64, voxelSize: 0.05 }

function preset(mode: Mode): Pick<BenchConfig, 'aggregator' | 'query3d' | 'storage' | 'backbone' | 'data' | 'masker' | 'fusion' | 'stream'> {
  const scannet = { color: [968, 1296] as [number, number], depth: [480, 640] as [number, number] }
  const D = 1152
  const grid: [number, number] = [32, 32]
  switch (mode) {
    case 'tiny':
      return {
        aggregator: { sizes: [{ H: 24, W: 32, dense: true }], k: 6, d: 16, grid: [4, 4], runsSparse: 2, runsDense: 1 },
        query3d: { n: 3000, m: 40, d: 16, q: 1, runsPlaf: 2, runsDense: 1 },
        storage: { sizes2d: [{ H: 24, W: 32, measureDense: true }, { H: 30, W: 40, measureDense: false }], k: 6, d: 16, grid: [4, 4], n: 3000, m: 40, measureDense3d: true },
        backbone: { vit: { size: 64, patch: 16, width: 32, depth: 1, heads: 2, mlp: 64, seed: 1 }, frames: 3, color: [48, 64], depth: [24, 32], sessionRuns: 2, inFlight: [1, 2] },
        data: { frames: 3, color: [48, 64], depth: [24, 32], runs: 2 },
        masker: { color: [48, 64], grids: [2, 4], runs: 2, encoder: { size: 64, patch: 16, width: 32, depth: 2, heads: 2, mlp: 64, window: 3, global: [1], out: 16, seed: 1 }, encoderRuns: 2 },
        fusion: { scenes: [{ seed: 1, objects: 4 }], frames: [3, 6], color: [60, 80], depth: [30, 40], resolution: 32, minSize: 20, voxelSize: 0.1 },
        stream: { ...STREAM, frames: [3, 6], color: [60, 80], depth: [30, 40], resolution: 32, voxelSize: 0.1 },
      }
    case 'quick':
      return {
        aggregator: { sizes: [{ H: 480, W: 640, dense: true }], k: 100, d: D, grid, runsSparse: 3, runsDense: 1 },
        query3d: { n: 100_000, m: 5000, d: D, q: 1, runsPlaf: 3, runsDense: 1 },
        storage: { sizes2d: [{ H: 480, W: 640, measureDense: true }], k: 100, d: D, grid, n: 100_000, m: 5000, measureDense3d: true },
        backbone: { vit: VIT_B16_512, frames: 5, ...scannet, sessionRuns: 3, inFlight: [1, 2] },
        data: { frames: 5, ...scannet, runs: 3 },
        masker: { color: scannet.color, grids: [16, 32], runs: 1, encoder: SAM_VIT_B, encoderRuns: 2 },
        fusion: { ...FUSION, scenes: FUSION.scenes.slice(0, 1), frames: [25, 100] },
        stream: { ...STREAM, frames: [50, 500] },
      }
    case 'default':
    case 'full': {
      const full = mode === 'full'
      return {
        aggregator: { sizes: [{ H: 480, W: 640, dense: true }, { H: 968, W: 1296, dense: full }], k: 100, d: D, grid, runsSparse: 7, runsDense: full ? 2 : 3 },
        query3d: { n: 1_000_000, m: 5000, d: D, q: 1, runsPlaf: 7, runsDense: 3 },
        storage: { sizes2d: [{ H: 480, W: 640, measureDense: true }, { H: 968, W: 1296, measureDense: full }], k: 100, d: D, grid, n: 1_000_000, m: 5000, measureDense3d: true },
        backbone: { vit: VIT_B16_512, frames: 12, ...scannet, sessionRuns: 7, inFlight: [1, 2] },
        data: { frames: 20, ...scannet, runs: 5 },
        masker: { color: scannet.color, grids: [16, 32], runs: 3, encoder: SAM_VIT_B, encoderRuns: 4 },
        fusion: FUSION,
        stream: STREAM,
      }
    }
  }
}

function positiveInt(flag: string, v: string): number {
  const n = Number(v)
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} needs a positive integer, got "${v}"`)
  return n
}

/** Parses the command line (without `node main.js`) into a config; throws UsageError. Returns null for --help. */
export function parseConfig(argv: readonly string[]): BenchConfig | null {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean' },
        full: { type: 'boolean' },
        tiny: { type: 'boolean' },
        only: { type: 'string', multiple: true },
        out: { type: 'string' },
        tmp: { type: 'string' },
        runs: { type: 'string' },
        backend: { type: 'string' },
        seed: { type: 'string' },
        points: { type: 'string' },
        'pool-rows': { type: 'string' },
        queries: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    })
  } catch (e) {
    throw new UsageError((e as Error).message)
  }
  const v = parsed.values
  if (v.help) return null
  const modes = (['tiny', 'quick', 'full'] as const).filter((m) => v[m])
  if (modes.length > 1) throw new UsageError(`choose one of --${modes.join(', --')}`)
  const mode: Mode = modes[0] ?? 'default'
  const only = (v.only ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean)
  for (const name of only) {
    if (!(CASES as readonly string[]).includes(name)) throw new UsageError(`unknown case "${name}"; cases: ${CASES.join(', ')}`)
  }
  const backend = v.backend ?? 'auto'
  if (backend !== 'auto' && !(TENSOR_BACKENDS as readonly string[]).includes(backend)) {
    throw new UsageError(`unknown tensor backend "${backend}"; choose auto, ${TENSOR_BACKENDS.join(', ')}`)
  }
  const out = resolve(v.out ?? defaultResultsDir())
  const isFile = out.endsWith('.json')
  const sizes = preset(mode)
  if (v.runs !== undefined) {
    const r = positiveInt('--runs', v.runs)
    Object.assign(sizes.aggregator, { runsSparse: r, runsDense: r })
    Object.assign(sizes.query3d, { runsPlaf: r, runsDense: r })
    sizes.backbone.sessionRuns = r
    sizes.data.runs = r
    sizes.masker.runs = r
  }
  if (v.points !== undefined) sizes.query3d.n = positiveInt('--points', v.points)
  if (v['pool-rows'] !== undefined) sizes.query3d.m = positiveInt('--pool-rows', v['pool-rows'])
  if (v.queries !== undefined) sizes.query3d.q = positiveInt('--queries', v.queries)
  return {
    mode,
    only: only.length ? CASES.filter((c) => only.includes(c)) : [...CASES],
    outDir: isFile ? dirname(out) : out,
    latestFile: isFile ? out : join(out, 'latest.json'),
    tmpDir: resolve(v.tmp ?? tmpdir()),
    backend: backend as BenchConfig['backend'],
    seed: v.seed === undefined ? 1 : positiveInt('--seed', v.seed),
    ...sizes,
  }
}
