import { HIT_TINT, PALETTE, maskColour } from './colours.js'

/**
 * What the overlay shows: one text's mask scores at a threshold, or argmax labels per mask.
 * Scores are the mode's (NaN: no feature); `rule` says where the threshold came from (written on the image).
 */
export type OverlayQuery =
  | { kind: 'text'; text: string; rowScores: Float32Array; threshold: number; rule: string }
  | { kind: 'labels'; labels: string[]; rowScores: Float32Array[]; threshold: number; rule: string }
  | null

/** Figures of the drawn overlay, for the page state (and the browser tests). */
export interface OverlayFigures {
  pixels: number
  maskPixels: number
  /** Pixels tinted as query hits (text) or given a label (labels). */
  hitPixels: number
}

const ctx2d = (c: HTMLCanvasElement) => c.getContext('2d', { willReadFrequently: true })!

/** Draws the frame's colour image at the id map's size (the browser scales). */
export function drawImage(canvas: HTMLCanvasElement, img: HTMLImageElement, width: number, height: number): void {
  canvas.width = width
  canvas.height = height
  ctx2d(canvas).drawImage(img, 0, 0, width, height)
}

/** The 2D mask map: every mask id in its own colour, no mask black. */
export function drawMaskMap(canvas: HTMLCanvasElement, ids: Uint16Array, width: number, height: number): void {
  canvas.width = width
  canvas.height = height
  const c = ctx2d(canvas)
  const out = c.createImageData(width, height)
  const cache = new Map<number, [number, number, number]>()
  for (let i = 0; i < ids.length; i++) {
    const k = ids[i]
    let col = cache.get(k)
    if (!col) cache.set(k, (col = maskColour(k)))
    out.data[4 * i] = col[0]
    out.data[4 * i + 1] = col[1]
    out.data[4 * i + 2] = col[2]
    out.data[4 * i + 3] = 255
  }
  c.putImageData(out, 0, 0)
}

/**
 * The query's 2D overlay on the image: a text query tints the pixels of masks scoring at or
 * above the threshold with a fixed colour and outlines them, dimming the rest; labels colour each
 * mask by its best label (when that scores at or above the threshold). Returns pixel counts.
 */
export function drawOverlay(
  canvas: HTMLCanvasElement, image: HTMLCanvasElement, ids: Uint16Array, width: number, height: number, q: OverlayQuery, palette: [number, number, number][] = PALETTE,
): OverlayFigures {
  canvas.width = width
  canvas.height = height
  const c = ctx2d(canvas)
  const src = ctx2d(image).getImageData(0, 0, width, height).data
  const out = c.createImageData(width, height)
  const rows = Math.max(0, ...(q?.kind === 'labels' ? q.rowScores.map((s) => s.length) : [q?.rowScores.length ?? 0]))
  // Per mask row: -1 not shown, else the colour index (0 = the hit tint for text queries).
  const cls = new Int16Array(rows).fill(-1)
  if (q?.kind === 'text') for (let r = 0; r < rows; r++) cls[r] = q.rowScores[r] >= q.threshold ? 0 : -1
  if (q?.kind === 'labels') {
    for (let r = 0; r < rows; r++) {
      let best = -Infinity, arg = -1
      q.rowScores.forEach((s, l) => {
        const v = s[r]
        if (v > best) { best = v; arg = l }
      })
      cls[r] = best >= q.threshold ? arg : -1
    }
  }
  const colourOf = (k: number): [number, number, number] => (q?.kind === 'labels' ? palette[k] ?? PALETTE[k % 16] : HIT_TINT)
  const hit = (i: number) => ids[i] > 0 && ids[i] < rows && cls[ids[i]] >= 0
  let hits = 0, masked = 0
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x
      if (ids[i] > 0) masked++
      let r = src[4 * i], g = src[4 * i + 1], b = src[4 * i + 2]
      if (hit(i)) {
        hits++
        const k = cls[ids[i]]
        const t = colourOf(k)
        const edge = x === 0 || y === 0 || x === width - 1 || y === height - 1 ||
          ids[i - 1] !== ids[i] || ids[i + 1] !== ids[i] || ids[i - width] !== ids[i] || ids[i + width] !== ids[i]
        const a = edge ? 1 : 0.55
        r = r * (1 - a) + t[0] * a
        g = g * (1 - a) + t[1] * a
        b = b * (1 - a) + t[2] * a
      } else if (q) {
        r *= 0.35
        g *= 0.35
        b *= 0.35
      }
      out.data[4 * i] = r
      out.data[4 * i + 1] = g
      out.data[4 * i + 2] = b
      out.data[4 * i + 3] = 255
    }
  }
  c.putImageData(out, 0, 0)
  if (q) {
    const t = Number.isFinite(q.threshold) ? `≥ ${q.threshold.toFixed(2)}` : '(no threshold)'
    const label = `${q.kind === 'text' ? `"${q.text}"` : 'labels'} ${t} ${q.rule}`
    const px = Math.max(12, Math.round(height / 22))
    c.font = `bold ${px}px sans-serif`
    c.fillStyle = 'rgba(0,0,0,0.6)'
    c.fillRect(0, 0, c.measureText(label).width + px, px * 1.6)
    c.fillStyle = '#fff'
    c.fillText(label, px / 2, px * 1.2)
  }
  return { pixels: width * height, maskPixels: masked, hitPixels: hits }
}
