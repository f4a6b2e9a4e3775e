import { join } from 'node:path'
import type { Frame, SemanticMemory2D } from '@plaf/core'
import { rowBoxes } from './kernels/boxes.js'
import { argmaxLabels, autoThreshold } from './kernels/scoring.js'
import type { ModeScores } from './modes.js'
import { fileSafe, topMasks, writeFrameOutputs, writeLabelPng } from './outputs.js'
import { thresholdLabel } from './pictures.js'
import type { ContactSheet } from './contact-sheet.js'
import { writeJsonAtomic } from '@plaf/core'

/** Per-query 2D statistics summed over frames. */
export interface FrameStats {
  masks: number
  masks_above_threshold: number
  pixels: number
  pixels_above_threshold: number
  best: { frame: string; row: number; score: number } | null
  gather_ms: number
}

/** What a frame's outputs need from the querier's options. */
export interface FrameQuerySettings {
  outDir: string
  queries: string[]
  slugs: string[]
  labels: string[]
  /** A fixed threshold on the mode's score, or `auto` (Otsu per frame and query, pixel-weighted). */
  threshold: number | 'auto'
  /** Write `<frame>.mask.png` per query. */
  masks: boolean
  /** Write `<frame>.overlay.png` per query. */
  overlays: boolean
  /** One contact sheet per query to offer each frame to (none: no sheets). */
  sheets?: ContactSheet[]
  topK: number
  mode: string
}

/**
 * The threshold for one frame and query: fixed, or Otsu over the valid masks' scores weighted by
 * their pixels (null: not separable), in relevancy mode at least 0.5 (autoThreshold).
 */
export function frameThreshold(threshold: number | 'auto', scores: Float32Array, weights: Float64Array, mode = 'cosine'): number | null {
  return threshold === 'auto' ? autoThreshold(mode, scores, weights).threshold : threshold
}

/**
 * Writes one frame's outputs for every query (mask PNG and overlay PNG as `s` asks,
 * `<frame>.top.json`), offers the frame to the query's contact sheet and, with labels, writes
 * `labels/<frame>.png`; adds to `stats`. `cos` holds the cosines of the queries (Q×rows)
 * first; `scores` are the mode scores. Returns the time of the per-pixel gathers in ms.
 */
export async function queryFrame(
  s: FrameQuerySettings, frame: Frame, memory: SemanticMemory2D, cos: Float32Array, valid: Uint8Array, scores: ModeScores, stats: FrameStats[],
): Promise<{ gatherMs: number; labelPixels: Uint32Array | null; labelThreshold: number | null }> {
  const [h, w] = memory.ids.shape
  const rows = memory.features.shape[0]
  const boxes = rowBoxes(memory.ids.data, w, rows)
  const weights = new Float64Array(rows)
  let masks = 0
  for (let r = 0; r < rows; r++) {
    if (valid[r]) {
      weights[r] = boxes.pixels[r]
      masks++
    }
  }
  let gatherMs = 0
  for (let q = 0; q < s.queries.length; q++) {
    const sc = scores.queries.subarray(q * rows, q * rows + rows)
    const t = frameThreshold(s.threshold, sc, weights, s.mode)
    const out = await writeFrameOutputs(join(s.outDir, s.slugs[q]), frame, memory, sc, valid, t ?? Infinity, {
      masks: s.masks, overlay: s.overlays, sheet: s.sheets?.[q], text: s.queries[q], threshold: thresholdLabel(s.mode, t, s.threshold === 'auto'), rowPixels: boxes.pixels,
    })
    writeJsonAtomic(join(s.outDir, s.slugs[q], `${fileSafe(frame.id)}.top.json`), {
      frame: frame.id, text: s.queries[q], mode: s.mode, threshold: t, image_size: [h, w],
      masks: topMasks(sc, cos.subarray(q * rows, q * rows + rows), valid, boxes, t, s.topK),
    }, { fsync: false })
    const st = stats[q]
    st.masks += masks
    st.masks_above_threshold += out.masks
    st.pixels += memory.ids.data.length
    st.pixels_above_threshold += out.pixels
    st.gather_ms += out.gatherMs
    gatherMs += out.gatherMs
    for (let r = 0; r < rows; r++) {
      if (valid[r] && (st.best === null || sc[r] > st.best.score)) st.best = { frame: frame.id, row: r, score: sc[r] }
    }
  }
  if (!s.labels.length) return { gatherMs, labelPixels: null, labelThreshold: null }
  // Background rule: no mask, or the best label's score below the threshold (auto: Otsu of the best scores).
  const pass = argmaxLabels(scores.labels, s.labels.length, rows, valid, -Infinity)
  const t = s.threshold === 'auto' ? autoThreshold(s.mode, pass.best, weights).threshold : s.threshold
  const { labels } = argmaxLabels(scores.labels, s.labels.length, rows, valid, t ?? -Infinity)
  const labelPixels = writeLabelPng(join(s.outDir, 'labels', `${fileSafe(frame.id)}.png`), memory.ids.data, w, h, labels, s.labels.length)
  return { gatherMs, labelPixels, labelThreshold: t }
}
