import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import {
  decodeColorBytes, decodeDepthPngBytes, decodeSensDepth, indexSens, openScannetScene, openSensFile, readSensFrameBytes, writeScene,
} from '@plaf/datasets'
import type { Frame } from '@plaf/core'
import type { BenchConfig } from '../config.js'
import type { BenchEnv } from '../env.js'
import { collectGarbage } from '../memory.js'
import { formatBytes, formatMs, formatRatio, type CaseReport, type Cell } from '../report.js'
import { measure, type RunStats } from '../timing.js'

const SELECT = { frame_step: 1, frame_range: null, max_frames: null, load_labels: false }

interface ReaderResult {
  /** Bytes read per pass (colour + depth files, or the .sens frame blobs). */
  bytes: number
  io: RunStats
  decode: RunStats
  total: RunStats
  frames_per_s: number
  mb_per_s: number
  /** Per frame, medians: I/O alone, decoding alone, and reading through the input source (I/O and decode overlapped one frame ahead). */
  io_ms_per_frame: number
  decode_ms_per_frame: number
  total_ms_per_frame: number
}

async function readAll(it: AsyncIterable<Frame>): Promise<Frame[]> {
  const out: Frame[] = []
  for await (const f of it) out.push(f)
  return out
}

function result(frames: number, bytes: number, io: RunStats, decode: RunStats, total: RunStats): ReaderResult {
  return {
    bytes, io, decode, total,
    frames_per_s: frames / (total.median_ms / 1000), mb_per_s: bytes / 1e6 / (total.median_ms / 1000),
    io_ms_per_frame: io.median_ms / frames, decode_ms_per_frame: decode.median_ms / frames, total_ms_per_frame: total.median_ms / frames,
  }
}

/** Live buffers allowed on top of the 3-frame limit: other allocations of the process while it streams. */
const NOISE_BYTES = 256_000

/** What the .sens reader keeps alive while a consumer holds one frame at a time. */
interface HeldFrames {
  /** Largest live `arrayBuffers` growth over the baseline, sampled after a full GC at each frame handed out. */
  peak_live_bytes: number
  /** One decoded frame: RGB bytes plus float32 depth bytes. */
  decoded_frame_bytes: number
  /** peak_live_bytes / decoded_frame_bytes: frames held at once (the current one, the one decoding ahead, their compressed blobs). */
  frames_held: number
  /** Whether a full GC ran before each sample (without it, garbage would count as held). */
  gc: boolean
}

/**
 * Streams a source as a consumer that keeps only the current frame: at each frame, a full GC,
 * then `process.memoryUsage().arrayBuffers` against a baseline taken after a GC before the first
 * frame was asked for.
 */
async function heldFrames(frames: () => AsyncIterable<Frame>): Promise<HeldFrames> {
  const gc = collectGarbage()
  const base = process.memoryUsage().arrayBuffers
  let peak = 0
  let frameBytes = 0
  for await (const f of frames()) {
    frameBytes = f.rgb.data.byteLength + (f.depth?.data.byteLength ?? 0)
    collectGarbage()
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - base)
  }
  return { peak_live_bytes: peak, decoded_frame_bytes: frameBytes, frames_held: frameBytes ? peak / frameBytes : 0, gc }
}

/** The ViT-B session time per frame from this results directory's backbone case, if it ran. */
function backboneMs(config: BenchConfig): { ms: number; from: string } | null {
  const file = join(config.outDir, 'backbone.json')
  try {
    const r = JSON.parse(readFileSync(file, 'utf8')) as CaseReport
    const ms = Array.isArray(r.summary) ? undefined : r.summary?.session_ms
    return typeof ms === 'number' ? { ms, from: `backbone.json of ${r.started_at}` } : null
  } catch {
    return null
  }
}

/**
 * `data`: reading N frames of a generated ScanNet scene (colour 1296×968 JPEG, depth 640×480) from
 * the export folder and from the same frames as a `.sens`: frames/s and MB/s through the input
 * source, and I/O (file reads / positioned reads) timed apart from decoding (sharp, zlib). The
 * check: both readers give the same pixels and depth values.
 */
export async function runDataCase(config: BenchConfig, _env: BenchEnv): Promise<CaseReport> {
  const started = new Date()
  const t0 = performance.now()
  const d = config.data
  mkdirSync(config.tmpDir, { recursive: true })
  const root = mkdtempSync(join(config.tmpDir, 'plaf-bench-data-'))
  try {
    const scene = join(root, 'scene0000_00')
    await writeScene(scene, {
      frames: d.frames, seed: config.seed, color_height: d.color[0], color_width: d.color[1], depth_height: d.depth[0], depth_width: d.depth[1],
      sens: true, mesh_spacing: 0.5,
    })
    const sens = join(scene, 'scene0000_00.sens')
    const n = d.frames
    const colors = Array.from({ length: n }, (_, i) => join(scene, 'color', `${i}.jpg`))
    const depths = Array.from({ length: n }, (_, i) => join(scene, 'depth', `${i}.png`))

    const exportBytes = [...colors, ...depths].reduce((a, f) => a + statSync(f).size, 0)
    const exportIo = await measure(d.runs, async () => {
      for (let i = 0; i < n; i++) await Promise.all([readFile(colors[i]), readFile(depths[i])])
    }, { warmup: 1 })
    const exportBuffers = await Promise.all(colors.map(async (c, i) => [await readFile(c), await readFile(depths[i])] as const))
    const exportDecode = await measure(d.runs, async () => {
      for (const [i, [c, dep]] of exportBuffers.entries()) await Promise.all([decodeColorBytes(c, colors[i], String(i)), decodeDepthPngBytes(dep, depths[i], String(i), 1000)])
    }, { warmup: 1 })
    const exportTotal = await measure(d.runs, () => readAll(openScannetScene({ scene, ...SELECT }, () => {}).frames()), { warmup: 1 })

    const index = indexSens(sens)
    const sensBytes = index.frames.reduce((a, e) => a + e.colorBytes + e.depthBytes, 0)
    const sensIo = await measure(d.runs, async () => {
      for (const e of index.frames) await readSensFrameBytes(sens, e)
    }, { warmup: 1 })
    const blobs = await Promise.all(index.frames.map((e) => readSensFrameBytes(sens, e)))
    const sensDecode = await measure(d.runs, async () => {
      for (const [k, b] of blobs.entries()) {
        const e = index.frames[k]
        await Promise.all([decodeColorBytes(b.subarray(0, e.colorBytes), sens, String(k)), decodeSensDepth(b.subarray(e.colorBytes), index.header, sens, String(k))])
      }
    }, { warmup: 1 })
    const sensTotal = await measure(d.runs, () => readAll(openSensFile({ scene: sens, ...SELECT }, () => {}).frames()), { warmup: 1 })

    const sensSource = openSensFile({ scene: sens, ...SELECT }, () => {})
    const held = await heldFrames(() => sensSource.frames())
    await sensSource.dispose?.()

    const ex = result(n, exportBytes, exportIo.stats, exportDecode.stats, exportTotal.stats)
    const se = result(n, sensBytes, sensIo.stats, sensDecode.stats, sensTotal.stats)
    const details: string[] = []
    const [a, b] = [exportTotal.first, sensTotal.first]
    let differing = 0
    for (let k = 0; k < a.length; k++) {
      if (Buffer.compare(Buffer.from(a[k].rgb.data), Buffer.from(b[k].rgb.data)) !== 0) differing++
      const da = a[k].depth!.data, db = b[k].depth!.data
      for (let i = 0; i < da.length; i++) if (da[i] !== db[i]) { differing++; break }
    }
    // "At most a few frames": the current one and the one decoding ahead, plus blobs; 3 leaves room for libvips' own buffers.
    // Buffers the runtime itself allocates meanwhile (stream chunks, sharp's outputs) count as live too: a fixed
    // NOISE_BYTES allowance keeps that from failing --tiny runs (frames of 12 kB) and is 5 % of a frame at ScanNet size.
    const fewFrames = !held.gc || held.peak_live_bytes <= 3 * held.decoded_frame_bytes + NOISE_BYTES
    const passed = a.length === n && b.length === n && differing === 0 && fewFrames
    details.push(`export and .sens readers: ${a.length} and ${b.length} frames of ${n}, ${differing} frames differing in colour or depth`)
    details.push(held.gc
      ? `.sens reader: at most ${held.frames_held.toFixed(2)} decoded frames' worth of buffers alive while the consumer holds one frame (limit 3 frames + ${formatBytes(NOISE_BYTES)} of runtime buffers)`
      : '.sens reader: frames held not checked (no GC available, so garbage would count as held)')
    const vit = backboneMs(config)
    const share = vit ? se.total_ms_per_frame / vit.ms : null
    const row = (name: string, r: ReaderResult): Cell[] => [name, n, formatBytes(r.bytes), formatMs(r.io_ms_per_frame), formatMs(r.decode_ms_per_frame), formatMs(r.total_ms_per_frame), r.frames_per_s.toFixed(1), r.mb_per_s.toFixed(1)]
    return {
      name: 'data', started_at: started.toISOString(), duration_ms: performance.now() - t0,
      params: { mode: config.mode, frames: n, color: d.color, depth: d.depth, runs: d.runs, jpeg_quality: 90 },
      summary: {
        export_frames_per_s: ex.frames_per_s, export_mb_per_s: ex.mb_per_s, export_io_ms: ex.io_ms_per_frame, export_decode_ms: ex.decode_ms_per_frame,
        sens_frames_per_s: se.frames_per_s, sens_mb_per_s: se.mb_per_s, sens_io_ms: se.io_ms_per_frame, sens_decode_ms: se.decode_ms_per_frame,
        sens_frames_held: held.frames_held, sens_peak_live_mb: held.peak_live_bytes / 1e6,
      },
      measurements: { export: ex, sens: se, sens_file_bytes: index.size, backbone_session_ms: vit?.ms ?? null, backbone_from: vit?.from ?? null, read_share_of_backbone: share, sens_memory: held },
      checks: { passed, details },
      official: { reader: 'ScanNet SensReader (Python) exports the .sens to files first; PLAF reads the .sens directly' },
      tables: [{
        title: `Reading ${n} frames (colour ${d.color[1]}×${d.color[0]} JPEG, depth ${d.depth[1]}×${d.depth[0]}), medians of ${d.runs} runs`,
        columns: ['reader', 'frames', 'bytes', 'I/O per frame', 'decode per frame', 'through the source per frame', 'frames/s', 'MB/s'],
        rows: [row('export folder (color/, depth/)', ex), row('.sens (positioned reads)', se)],
      }],
      notes: [
        'I/O: reading the files (export) or each frame\'s blobs with one positioned read (.sens), page cache warm. Decode: sharp JPEG and 16-bit PNG decoding, zlib inflate for .sens depth, division by the depth scale.',
        'Through the source: the input plugin\'s own frames(), which decodes the next frame on the thread pool while the current one is handed out, so it can be less than I/O + decode.',
        `The .sens reader keeps the frame index (96 bytes of header per frame) and the frames being handed out and decoded ahead: measured ${formatBytes(held.peak_live_bytes)} of live buffers at most, ${held.frames_held.toFixed(2)} decoded frames (${formatBytes(held.decoded_frame_bytes)} each) for a ${formatBytes(index.size)} file, sampled after a full GC at every frame while the consumer holds one.`,
        vit ? `A frame read from the .sens takes ${formatRatio(share, true)} of the ViT-B backbone's session time per frame (${formatMs(vit.ms)}, from ${vit.from}); the goal is under 10 %.` : 'No backbone.json in the results directory: run the backbone case to compare with the ViT-B time per frame.',
      ],
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
