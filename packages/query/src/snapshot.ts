import type { SemanticMap3D } from '@plaf/core'
import { writeFileAtomic } from '@plaf/core'
import { JET_LUT, jetIndex } from './kernels/colormap.js'
import { HIT_STYLE, shadeHits, type HitStyle } from './kernels/render.js'
import { splatTopDown } from './kernels/splat.js'
import { CAPTION_FONT, captionElements, captionHeight, pngWithSvg, svgDocument, type CaptionLine } from './pictures.js'

/** Longer side of each panel of a map snapshot, in pixels. */
export const SNAPSHOT_SIZE = 480

/** Background of empty pixels; grey of points whose row has no feature. */
const EMPTY = 24
const NO_FEATURE = 96

export interface SnapshotPicture {
  data: Uint8Array
  width: number
  height: number
  svg: Buffer
  /** Where the panels sit (x offsets, top), their size, and the colour bar. */
  layout: { hits: number; heat: number; top: number; panelW: number; panelH: number; bar: { x: number; y: number; w: number; h: number } }
  /** Score range of the heat panel (min and max over the valid pool rows). */
  range: [number, number]
}

/**
 * A rendered snapshot of a scored 3D map: a caption band (query, mode, threshold, selected
 * points), then two top-down orthographic panels of the same splat (splatTopDown): left, the
 * points' own colours with hits tinted and outlined and the rest dimmed (HIT_STYLE, as the 2D
 * overlays); right, the highest score per pixel in jet (min–max over the valid pool rows), with a
 * colour bar labelled with the range and a tick at the threshold.
 */
export function composeSnapshot(
  map: SemanticMap3D, rowScores: Float32Array, valid: Uint8Array, threshold: number | null, caption: CaptionLine[], style: HitStyle = HIT_STYLE, size = SNAPSHOT_SIZE,
): SnapshotPicture {
  const t = threshold ?? Infinity
  const sp = splatTopDown(map.positions, map.colors, map.refs, rowScores, valid, t, size)
  let lo = Infinity
  let hi = -Infinity
  for (let r = 0; r < rowScores.length; r++) {
    if (!valid[r]) continue
    lo = Math.min(lo, rowScores[r])
    hi = Math.max(hi, rowScores[r])
  }
  if (!(hi >= lo)) lo = hi = 0
  const { width: pw, height: ph } = sp
  const fs = 15
  const top = captionHeight(caption.length, fs)
  const gap = 8
  const barW = 14
  const labelW = 52
  const width = gap + pw + gap + pw + gap + barW + labelW
  const height = top + gap + ph + gap
  const data = new Uint8Array(width * height * 3).fill(EMPTY)
  const hits = new Uint8Array(sp.rgb)
  for (let p = 0; p < pw * ph; p++) if (!sp.occupied[p]) hits.fill(EMPTY / style.dim, p * 3, p * 3 + 3)
  shadeHits(hits, sp.hit, pw, ph, style)
  const heat = new Uint8Array(pw * ph * 3).fill(EMPTY)
  for (let p = 0; p < pw * ph; p++) {
    const s = sp.best[p]
    if (Number.isNaN(s)) {
      if (sp.occupied[p]) heat.fill(NO_FEATURE, p * 3, p * 3 + 3)
      continue
    }
    const k = jetIndex(hi > lo ? (s - lo) / (hi - lo) : 0) * 3
    heat.set(JET_LUT.subarray(k, k + 3), p * 3)
  }
  const xHits = gap
  const xHeat = gap + pw + gap
  const y0 = top + gap
  for (let y = 0; y < ph; y++) {
    data.set(hits.subarray(y * pw * 3, (y + 1) * pw * 3), ((y0 + y) * width + xHits) * 3)
    data.set(heat.subarray(y * pw * 3, (y + 1) * pw * 3), ((y0 + y) * width + xHeat) * 3)
  }
  const bar = { x: xHeat + pw + gap, y: y0, w: barW, h: ph }
  for (let y = 0; y < bar.h; y++) {
    const k = jetIndex(1 - y / Math.max(bar.h - 1, 1)) * 3
    for (let x = 0; x < bar.w; x++) data.set(JET_LUT.subarray(k, k + 3), ((bar.y + y) * width + bar.x + x) * 3)
  }
  const yAt = (s: number) => bar.y + Math.round((1 - (hi > lo ? (s - lo) / (hi - lo) : 0)) * (bar.h - 1))
  const text = [captionElements(0, 0, width, caption, fs, style, 1)]
  const label = (s: number, y: number, extra = '') =>
    `<text x="${bar.x + bar.w + 4}" y="${y}" font-family="${CAPTION_FONT}" font-size="11" fill="white"${extra}>${s.toFixed(2)}</text>`
  text.push(label(hi, bar.y + 10), label(lo, bar.y + bar.h))
  if (threshold !== null && threshold >= lo && threshold <= hi) {
    const ty = yAt(threshold)
    const t = style.tint
    text.push(`<line x1="${bar.x - 3}" y1="${ty}" x2="${bar.x + bar.w + 3}" y2="${ty}" stroke="rgb(${t[0]},${t[1]},${t[2]})" stroke-width="2"/>`)
    if (ty > bar.y + 20 && ty < bar.y + bar.h - 14) text.push(label(threshold, ty + 4, ` fill-opacity="0.9"`))
  }
  return {
    data, width, height, svg: svgDocument(width, height, text.join('')),
    layout: { hits: xHits, heat: xHeat, top: y0, panelW: pw, panelH: ph, bar }, range: [lo, hi],
  }
}

/** Writes composeSnapshot's picture as PNG at `path` (atomically). */
export async function writeSnapshot(path: string, ...args: Parameters<typeof composeSnapshot>): Promise<void> {
  const s = composeSnapshot(...args)
  writeFileAtomic(path, await pngWithSvg(s.data, s.width, s.height, s.svg))
}
