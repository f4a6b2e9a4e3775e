import type { RgbImage } from '@plaf/core'
import { writeFileAtomic } from '@plaf/core'
import { HIT_STYLE, renderHits, resizeNearest, type HitStyle } from './kernels/render.js'
import { CAPTION_FONT, captionElements, captionHeight, escapeXml, pngWithSvg, svgDocument, type CaptionLine } from './pictures.js'

/** Tiles a contact sheet keeps at most (evenly spaced over the run's frames). */
export const SHEET_MAX_TILES = 48
/** Width of a tile in pixels; its height follows the first frame's aspect. */
export const SHEET_TILE_WIDTH = 240
/** Columns of the grid at most. */
export const SHEET_MAX_COLUMNS = 6

interface Tile {
  seq: number
  frame: string
  data: Uint8Array
  label: string
}

/** Layout of a sheet of `n` tiles of `tw`×`th` (pixels): columns, rows, gap, label strip, header, size. */
export function sheetLayout(n: number, tw: number, th: number, header: number, fs: number) {
  const cols = Math.max(1, Math.min(SHEET_MAX_COLUMNS, Math.ceil(Math.sqrt(n))))
  const rows = Math.max(1, Math.ceil(n / cols))
  const gap = 4
  const label = Math.round(fs * 1.5)
  const width = cols * tw + (cols + 1) * gap
  const height = header + rows * (th + label) + (rows + 1) * gap
  return { cols, rows, gap, label, width, height }
}

/**
 * A contact sheet of one query: a grid of the frames' hit pictures (tinted and outlined hits, the
 * rest dimmed, rendered at tile size so the outline stays visible), each with its frame id and hit
 * share written under it, and a header naming the query, mode and threshold. Frames are added as
 * the run walks them; at most SHEET_MAX_TILES are kept, evenly spaced: every `stride`-th frame,
 * the stride doubling (and every other kept tile dropped) when the sheet would overflow.
 */
export class ContactSheet {
  private tiles: Tile[] = []
  private stride = 1
  private seen = 0
  private tw = SHEET_TILE_WIDTH
  private th = 0

  constructor(private readonly style: HitStyle = HIT_STYLE, private readonly maxTiles = SHEET_MAX_TILES) {}

  /** Frames offered so far. */
  get frames(): number {
    return this.seen
  }

  /** Frame ids on the sheet, in run order. */
  get shown(): string[] {
    return this.tiles.map((t) => t.frame)
  }

  /** Offers one frame: its id map (W×H), colour and the selected rows; `label` is written under the tile. */
  add(frame: string, ids: Uint16Array, W: number, H: number, rgb: RgbImage, selected: Uint8Array, label: string): void {
    const seq = this.seen++
    if (seq % this.stride !== 0) return
    if (this.th === 0) this.th = Math.max(1, Math.round((this.tw * H) / W))
    const small = resizeNearest(ids, W, H, this.tw, this.th)
    const { data } = renderHits(small, this.tw, this.th, rgb, selected, { ...this.style, outline: 1 })
    this.tiles.push({ seq, frame, data, label })
    if (this.tiles.length > this.maxTiles) {
      this.stride *= 2
      this.tiles = this.tiles.filter((t) => t.seq % this.stride === 0)
    }
  }

  /** The sheet as RGB pixels and the SVG of its text (header lines above the grid). */
  compose(header: CaptionLine[]): { data: Uint8Array; width: number; height: number; svg: Buffer } {
    const { tw, th } = this
    const fs = 12
    const hfs = 15
    const headerH = captionHeight(header.length, hfs)
    const L = sheetLayout(this.tiles.length, tw, Math.max(th, 1), headerH, fs)
    const data = new Uint8Array(L.width * L.height * 3).fill(24)
    const text: string[] = [captionElements(0, 0, L.width, header, hfs, this.style, 1)]
    this.tiles.forEach((t, i) => {
      const x0 = L.gap + (i % L.cols) * (tw + L.gap)
      const y0 = headerH + L.gap + Math.floor(i / L.cols) * (th + L.label + L.gap)
      for (let y = 0; y < th; y++) data.set(t.data.subarray(y * tw * 3, (y + 1) * tw * 3), ((y0 + y) * L.width + x0) * 3)
      const ty = y0 + th + Math.round(fs * 1.15)
      text.push(`<text x="${x0 + 2}" y="${ty}" font-family="${CAPTION_FONT}" font-size="${fs}" fill="white">${escapeXml(t.label)}</text>`)
    })
    return { data, width: L.width, height: L.height, svg: svgDocument(L.width, L.height, text.join('')) }
  }

  /** Writes the sheet as PNG (atomically); nothing when no frame was added. Returns whether it wrote. */
  async write(path: string, header: CaptionLine[]): Promise<boolean> {
    if (!this.tiles.length) return false
    const s = this.compose(header)
    writeFileAtomic(path, await pngWithSvg(s.data, s.width, s.height, s.svg))
    return true
  }
}
