import type { HitStyle } from './kernels/render.js'

/** Fonts of every caption, in order of preference (librsvg resolves them through fontconfig). */
export const CAPTION_FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif'

/** Text made safe inside SVG markup. */
export function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!)
}

/** One line of a caption; `swatch` puts a square of the hit tint with its outline before the text. */
export interface CaptionLine {
  text: string
  bold?: boolean
  swatch?: boolean
}

/** Font size of captions on a picture `width` pixels wide (10–26 px). */
export const captionFontSize = (width: number): number => Math.min(26, Math.max(10, Math.round(width / 50)))

/** Height of a caption band of `lines` lines at font size `fs`. */
export const captionHeight = (lines: number, fs: number): number => Math.round(fs * (0.6 + 1.4 * lines))

const rgbCss = (c: readonly number[]) => `rgb(${c[0]},${c[1]},${c[2]})`

/**
 * SVG elements (no <svg> root) of a caption band at (x, y), `width` wide: a black band at
 * `opacity` and the lines in white, font size `fs`.
 */
export function captionElements(x: number, y: number, width: number, lines: CaptionLine[], fs: number, style: HitStyle, opacity = 0.7): string {
  const h = captionHeight(lines.length, fs)
  const parts = [`<rect x="${x}" y="${y}" width="${width}" height="${h}" fill="black" fill-opacity="${opacity}"/>`]
  lines.forEach((l, i) => {
    const base = y + Math.round(fs * (0.3 + 1.4 * i + 1.05))
    let tx = x + Math.round(fs * 0.4)
    if (l.swatch) {
      const s = Math.round(fs * 0.9)
      const sw = Math.max(1, Math.round(fs / 8))
      const t = style.tint
      const fill = [0, 1, 2].map((k) => Math.round((1 - style.tintAlpha) * 128 + style.tintAlpha * t[k]))
      parts.push(`<rect x="${tx + sw / 2}" y="${base - s + sw / 2}" width="${s - sw}" height="${s - sw}" fill="${rgbCss(fill)}" stroke="${rgbCss(t)}" stroke-width="${sw}"/>`)
      tx += s + Math.round(fs * 0.4)
    }
    parts.push(`<text x="${tx}" y="${base}" font-family="${CAPTION_FONT}" font-size="${fs}" fill="white"${l.bold ? ' font-weight="bold"' : ''}>${escapeXml(l.text)}</text>`)
  })
  return parts.join('')
}

/** An SVG document of `width`×`height` holding `body`. */
export const svgDocument = (width: number, height: number, body: string): Buffer =>
  Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`)

/** An H×W×3 uint8 picture with an SVG (same size) drawn over it, as 8-bit RGB PNG bytes (about 20 ms at 1296×968). */
export async function pngWithSvg(data: Uint8Array, width: number, height: number, svg: Buffer): Promise<Buffer> {
  // sharp (libvips, ~0.1 s of CPU to load) on first use: a query without pictures never loads it
  const sharp = (await import('sharp')).default
  return sharp(data, { raw: { width, height, channels: 3 } })
    .composite([{ input: svg, left: 0, top: 0 }])
    .removeAlpha() // the SVG layer brings an alpha channel; the picture is opaque RGB
    .png({ compressionLevel: 6 })
    .toBuffer()
}

/** `cosine ≥ 0.70`, `relevancy ≥ 0.55 (auto)`, or `cosine: auto, not separable` (no threshold, nothing selected). */
export function thresholdLabel(mode: string, threshold: number | null, auto: boolean): string {
  if (threshold === null || !Number.isFinite(threshold)) return `${mode}: ${auto ? 'auto, not separable' : 'no threshold'}, nothing selected`
  return `${mode} ≥ ${threshold.toFixed(2)}${auto ? ' (auto)' : ''}`
}
