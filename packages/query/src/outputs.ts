import { join } from 'node:path'
import { encodePly, encodePng, writeFileAtomic, type Frame, type SemanticMap3D, type SemanticMemory2D } from '@plaf/core'
import type { RowBoxes } from './kernels/boxes.js'
import { heatColors, renderMask, renderOverlay, selectRows } from './kernels/render.js'

/** Weight of the heat colour in overlays (the official overlay uses 0.5 too). */
export const OVERLAY_ALPHA = 0.5

/** A frame id made safe as a file name (path separators replaced). */
export const fileSafe = (id: string): string => id.replace(/[/\\]/g, '_')

/**
 * Writes `<dir>/<frameId>.mask.png` (8-bit, 255 where the pixel's mask scores ≥ threshold) and,
 * when `overlay`, `<dir>/<frameId>.overlay.png` (frame colour blended with the heat colour).
 * `scores` are one query's scores per feature row. Returns the selected pixel count and the
 * time (ms) of the per-pixel gather that made the mask.
 */
export function writeFrameOutputs(
  dir: string, frame: Frame, memory: SemanticMemory2D, scores: Float32Array, valid: Uint8Array, threshold: number, overlay: boolean,
): { pixels: number; masks: number; gatherMs: number } {
  const [H, W] = memory.ids.shape
  const t0 = performance.now()
  const selected = selectRows(scores, valid, threshold)
  const mask = renderMask(memory.ids.data, selected)
  const gatherMs = performance.now() - t0
  const name = fileSafe(frame.id)
  writeFileAtomic(join(dir, `${name}.mask.png`), encodePng({ width: W, height: H, channels: 1, data: mask.data, depth: 8 }, { fast: true }))
  if (overlay) {
    const rgb = renderOverlay(memory.ids.data, W, H, frame.rgb, heatColors(scores, valid), valid, OVERLAY_ALPHA)
    writeFileAtomic(join(dir, `${name}.overlay.png`), encodePng({ width: W, height: H, channels: 3, data: rgb, depth: 8 }, { fast: true }))
  }
  let masks = 0
  for (let r = 0; r < selected.length; r++) masks += selected[r]
  return { pixels: mask.pixels, masks, gatherMs }
}

/**
 * Writes one query's scored point cloud as binary little-endian PLY: float x, y, z; uchar red,
 * green, blue (heat colour of the point's pool row, or its own colour when the row is a zero
 * feature); float score (raw cosine). `scores` is one query's score per pool row.
 */
export function writeMapPly(path: string, map: SemanticMap3D, scores: Float32Array, valid: Uint8Array, text: string): void {
  const n = map.refs.length
  const heat = heatColors(scores, valid)
  const x = new Float32Array(n)
  const y = new Float32Array(n)
  const z = new Float32Array(n)
  const r = new Uint8Array(n)
  const g = new Uint8Array(n)
  const b = new Uint8Array(n)
  const score = new Float32Array(n)
  for (let i = 0; i < n; i++) {
    const ref = map.refs[i]
    x[i] = map.positions[i * 3]
    y[i] = map.positions[i * 3 + 1]
    z[i] = map.positions[i * 3 + 2]
    const src = valid[ref] ? heat : map.colors
    const o = valid[ref] ? ref * 3 : i * 3
    r[i] = src[o]
    g[i] = src[o + 1]
    b[i] = src[o + 2]
    score[i] = scores[ref]
  }
  const ply = encodePly({
    vertexCount: n,
    comments: [`plaf query ${JSON.stringify(text)}`, `space ${map.space.replace(/[\r\n]/g, ' ')}`],
    properties: [
      { name: 'x', type: 'float', data: x }, { name: 'y', type: 'float', data: y }, { name: 'z', type: 'float', data: z },
      { name: 'red', type: 'uchar', data: r }, { name: 'green', type: 'uchar', data: g }, { name: 'blue', type: 'uchar', data: b },
      { name: 'score', type: 'float', data: score },
    ],
  })
  writeFileAtomic(path, ply)
}

/** One mask in a `<frame>.top.json` list. */
export interface TopMask {
  /** Row of the feature table (= the id in the id map). */
  id: number
  /** The mode's score and the raw cosine. */
  score: number
  cosine: number
  pixels: number
  /** [x_min, y_min, x_max, y_max], inclusive pixel coordinates in the id map. */
  box: [number, number, number, number]
  /** Score at or above the frame's threshold. */
  selected: boolean
}

/**
 * The `limit` best valid rows by score (ties: lower id first), each with its cosine, pixel count,
 * box and whether it is selected at `threshold` (null: none is).
 */
export function topMasks(scores: Float32Array, cosines: Float32Array, valid: Uint8Array, boxes: RowBoxes, threshold: number | null, limit: number): TopMask[] {
  const order: number[] = []
  for (let r = 0; r < scores.length; r++) if (valid[r] && boxes.pixels[r] > 0) order.push(r)
  order.sort((a, b) => scores[b] - scores[a] || a - b)
  return order.slice(0, limit).map((r) => ({
    id: r, score: scores[r], cosine: cosines[r], pixels: boxes.pixels[r],
    box: [boxes.boxes[r * 4], boxes.boxes[r * 4 + 1], boxes.boxes[r * 4 + 2], boxes.boxes[r * 4 + 3]],
    selected: threshold !== null && scores[r] >= threshold,
  }))
}

/**
 * Writes a label image: pixel = `labels[id]` of its mask (0 = background), 8-bit PNG when there
 * are at most 255 labels, else 16-bit. Returns the pixels per label value.
 */
export function writeLabelPng(path: string, ids: Uint16Array, w: number, h: number, labels: Uint16Array, count: number): Uint32Array {
  const wide = count > 255
  const data = wide ? new Uint16Array(ids.length) : new Uint8Array(ids.length)
  const hist = new Uint32Array(count + 1)
  for (let i = 0; i < ids.length; i++) {
    const v = labels[ids[i]]
    data[i] = v
    hist[v]++
  }
  writeFileAtomic(path, encodePng({ width: w, height: h, channels: 1, data, depth: wide ? 16 : 8 }, { fast: true }))
  return hist
}
