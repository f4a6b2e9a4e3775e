import { join } from 'node:path'
import { encodePly, encodePng, writeFileAtomic, type Frame, type SemanticMap3D, type SemanticMemory2D } from '@plaf/core'
import type { ContactSheet } from './contact-sheet.js'
import type { RowBoxes } from './kernels/boxes.js'
import { HIT_STYLE, heatColors, renderHits, renderMask, selectRows } from './kernels/render.js'
import { captionElements, captionFontSize, pngWithSvg, svgDocument, type CaptionLine } from './pictures.js'

/** A frame id made safe as a file name (path separators replaced). */
export const fileSafe = (id: string): string => id.replace(/[/\\]/g, '_')

/** Which pictures of a frame and query to write, and what their captions say. */
export interface FramePictures {
  /** `<frame>.mask.png`, the binary mask. */
  masks: boolean
  /** `<frame>.overlay.png`, the hit picture with its caption. */
  overlay: boolean
  /** The query's contact sheet, offered this frame. */
  sheet?: ContactSheet
  /** The query text and the threshold as the caption states it (see thresholdLabel). */
  text: string
  threshold: string
  /** Pixels per feature row (rowBoxes); then no per-pixel gather runs unless a picture needs one. */
  rowPixels?: Uint32Array
}

const pct = (n: number, of: number): string => `${of ? ((100 * n) / of).toFixed(1) : '0.0'} %`

/**
 * The caption of a frame's overlay: the query and frame, then the hit swatch with the threshold,
 * the selected masks and the share of pixels.
 */
export function overlayCaption(p: FramePictures, frame: string, masks: number, of: number, pixels: number, total: number): CaptionLine[] {
  return [
    { text: `"${p.text}" · frame ${frame}`, bold: true },
    { text: `hit: ${p.threshold} · ${masks} of ${of} masks · ${pct(pixels, total)} of pixels`, swatch: true },
  ]
}

/**
 * Writes `<dir>/<frameId>.mask.png` (8-bit, 255 where the pixel's mask scores ≥ threshold) when
 * `p.masks`, `<dir>/<frameId>.overlay.png` when `p.overlay` (hits tinted and outlined in the fixed
 * HIT_STYLE colour, the rest dimmed, a caption band on top naming query, mode, threshold and hit
 * counts), and offers the frame to `p.sheet`. `scores` are one query's scores per feature row.
 * Per-frame files skip the fsync (cheap to recreate; see writeFileAtomic). Returns the selected
 * pixel and mask counts and the time (ms) of the per-pixel gather (or of the per-row sum).
 */
export async function writeFrameOutputs(
  dir: string, frame: Frame, memory: SemanticMemory2D, scores: Float32Array, valid: Uint8Array, threshold: number, p: FramePictures,
): Promise<{ pixels: number; masks: number; gatherMs: number }> {
  const [H, W] = memory.ids.shape
  const t0 = performance.now()
  const selected = selectRows(scores, valid, threshold)
  const mask = p.masks || !p.rowPixels ? renderMask(memory.ids.data, selected) : null
  let pixels = mask?.pixels ?? 0
  let masks = 0
  let of = 0
  for (let r = 0; r < selected.length; r++) {
    masks += selected[r]
    of += valid[r]
    if (!mask && selected[r]) pixels += p.rowPixels![r]
  }
  const gatherMs = performance.now() - t0
  const name = fileSafe(frame.id)
  if (p.masks) writeFileAtomic(join(dir, `${name}.mask.png`), encodePng({ width: W, height: H, channels: 1, data: mask!.data, depth: 8 }, { fast: true }), { fsync: false })
  if (p.overlay) {
    const { data } = renderHits(memory.ids.data, W, H, frame.rgb, selected, HIT_STYLE)
    const caption = overlayCaption(p, frame.id, masks, of, pixels, W * H)
    const svg = svgDocument(W, H, captionElements(0, 0, W, caption, captionFontSize(W), HIT_STYLE))
    writeFileAtomic(join(dir, `${name}.overlay.png`), await pngWithSvg(data, W, H, svg), { fsync: false })
  }
  p.sheet?.add(frame.id, memory.ids.data, W, H, frame.rgb, selected, `${frame.id} · ${pct(pixels, W * H)}`)
  return { pixels, masks, gatherMs }
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
  writeFileAtomic(path, ply, { fsync: false })
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
  writeFileAtomic(path, encodePng({ width: w, height: h, channels: 1, data, depth: wide ? 16 : 8 }, { fast: true }), { fsync: false })
  return hist
}
