import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { decodePng, type Frame, type SemanticMap3D, type SemanticMemory2D } from '@plaf/core'
import { tempDir, type TempDir } from '@plaf/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { ContactSheet } from '../src/contact-sheet.js'
import { JET_LUT } from '../src/kernels/colormap.js'
import { HIT_STYLE, renderHits, resizeNearest } from '../src/kernels/render.js'
import { writeFrameOutputs } from '../src/outputs.js'
import { captionFontSize, captionHeight, pngWithSvg } from '../src/pictures.js'
import { composeSnapshot } from '../src/snapshot.js'

const dirs: TempDir[] = []
afterAll(() => dirs.forEach((d) => d.cleanup()))
const temp = (): string => {
  const t = tempDir('pictures')
  dirs.push(t)
  return t.dir
}

const px = (img: { data: Uint8Array | Uint16Array; width: number }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3))
const tinted = (c: number[]) => c.map((v, k) => Math.round(0.75 * v + 0.25 * HIT_STYLE.tint[k]))
const dimmed = (c: number[]) => c.map((v) => Math.round(0.4 * v))
/** Pixels in a box whose every channel is above 200: white caption text on the dark band. */
function bright(img: { data: Uint8Array | Uint16Array; width: number }, x0: number, y0: number, x1: number, y1: number): number {
  let n = 0
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) if (px(img, x, y).every((v) => v > 200)) n++
  return n
}

/** A W×H frame of one colour and a memory whose row 1 (selected) is the box [x0, x1)×[y0, y1), row 2 elsewhere. */
function scene(W: number, H: number, colour: number[], box: [number, number, number, number]): { frame: Frame; memory: SemanticMemory2D } {
  const ids = new Uint16Array(W * H)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) ids[y * W + x] = x >= box[0] && x < box[2] && y >= box[1] && y < box[3] ? 1 : 2
  const rgb = new Uint8Array(W * H * 3)
  for (let p = 0; p < W * H; p++) rgb.set(colour, p * 3)
  return {
    frame: { id: '000042', index: 42, rgb: { data: rgb, shape: [H, W, 3] }, pose: null, colorIntrinsics: { fx: 1, fy: 1, cx: 0, cy: 0, width: W, height: H } },
    memory: { ids: { data: ids, shape: [H, W] }, features: { data: new Float32Array(3), shape: [3, 1] }, space: 'test' },
  }
}

describe('overlay pictures', () => {
  it('tint the hit with the fixed colour blend, outline its boundary, dim the rest, and write the caption over a band', async () => {
    const [W, H] = [200, 150]
    const colour = [100, 150, 200]
    const { frame, memory } = scene(W, H, colour, [60, 70, 140, 130])
    const dir = temp()
    const out = await writeFrameOutputs(dir, frame, memory, Float32Array.from([0, 0.9, 0.1]), Uint8Array.from([0, 1, 1]), 0.5, {
      masks: true, overlay: true, text: 'blue chair', threshold: 'cosine ≥ 0.50',
    })
    expect(out).toMatchObject({ masks: 1, pixels: 80 * 60 })
    const img = decodePng(readFileSync(join(dir, '000042.overlay.png')))
    expect([img.width, img.height, img.channels, img.depth]).toEqual([W, H, 3, 8])
    const band = captionHeight(2, captionFontSize(W))
    expect(band).toBeLessThan(70) // the checks below are under the band
    expect(px(img, 100, 100)).toEqual(tinted(colour)) // inside the hit
    for (const [x, y] of [[60, 100], [61, 100], [139, 100], [138, 100], [100, 70], [100, 71], [100, 129], [100, 128]]) {
      expect(px(img, x, y), `contour ${x},${y}`).toEqual([...HIT_STYLE.tint]) // 2-pixel inner contour on every side
    }
    expect(px(img, 62, 100)).toEqual(tinted(colour)) // just inside the contour
    for (const [x, y] of [[59, 100], [20, 100], [150, 140], [100, 69]]) expect(px(img, x, y), `outside ${x},${y}`).toEqual(dimmed(colour))
    // the band: darker than the dimmed image, and white text on it; no white pixel below it
    expect(bright(img, 0, 0, W, band)).toBeGreaterThan(100)
    expect(bright(img, 0, band, W, H)).toBe(0)
  })

  it('pngWithSvg keeps an opaque RGB picture under an SVG with transparency', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="4" height="2"><rect width="2" height="2" fill="white" fill-opacity="0.5"/></svg>')
    const img = decodePng(await pngWithSvg(new Uint8Array(4 * 2 * 3).fill(100), 4, 2, svg))
    expect([img.channels, px(img, 3, 1)]).toEqual([3, [100, 100, 100]])
    expect(px(img, 0, 0)[0]).toBeGreaterThan(170) // half white over grey 100
  })
})

describe('contact sheets', () => {
  it('keep at most N tiles evenly spaced (stride doubling), in a grid whose tiles are the hit pictures at tile size, frame ids under them', async () => {
    const [W, H] = [40, 30]
    const sheet = new ContactSheet(HIT_STYLE, 4)
    const { frame, memory } = scene(W, H, [200, 120, 40], [10, 10, 30, 20])
    for (let i = 0; i < 10; i++) sheet.add(`f${i}`, memory.ids.data, W, H, frame.rgb, Uint8Array.from([0, 1, 0]), `f${i} · 16.7 %`)
    expect([sheet.frames, sheet.shown]).toEqual([10, ['f0', 'f4', 'f8']])
    const header = [{ text: '"chair" · 3 of 10 frames shown', bold: true }, { text: 'hit: cosine ≥ 0.50', swatch: true }]
    const s = sheet.compose(header)
    // 3 tiles: 2 columns × 2 rows of 240×180 tiles, 4 px gaps, an 18 px label strip under each, the header band on top
    const headerH = captionHeight(2, 15)
    expect([s.width, s.height]).toEqual([2 * 240 + 3 * 4, headerH + 2 * (180 + 18) + 3 * 4])
    const tile = renderHits(resizeNearest(memory.ids.data, W, H, 240, 180), 240, 180, frame.rgb, Uint8Array.from([0, 1, 0]), { ...HIT_STYLE, outline: 1 }).data
    for (const [col, row] of [[0, 0], [1, 0], [0, 1]]) {
      const [x0, y0] = [4 + col * 244, headerH + 4 + row * (180 + 18 + 4)]
      for (const [x, y] of [[0, 0], [120, 90], [60, 60], [239, 179]]) {
        expect(px({ data: s.data, width: s.width }, x0 + x, y0 + y), `tile ${col},${row} pixel ${x},${y}`).toEqual(Array.from(tile.subarray((y * 240 + x) * 3, (y * 240 + x) * 3 + 3)))
      }
    }
    const file = join(temp(), 'contact-sheet.png')
    expect(await sheet.write(file, header)).toBe(true)
    const img = decodePng(readFileSync(file))
    expect([img.width, img.height, img.channels]).toEqual([s.width, s.height, 3])
    expect(bright(img, 0, 0, img.width, headerH)).toBeGreaterThan(50) // header text
    for (const [col, row] of [[0, 0], [1, 0], [0, 1]]) {
      const [x0, y0] = [4 + col * 244, headerH + 4 + row * (180 + 18 + 4) + 180]
      expect(bright(img, x0, y0, x0 + 240, y0 + 18), `label of tile ${col},${row}`).toBeGreaterThan(20)
    }
    expect(bright(img, 4 + 244, headerH + 4 + 202 + 180, 4 + 244 + 240, headerH + 4 + 202 + 198)).toBe(0) // no fourth tile, no label
    expect(await new ContactSheet().write(join(temp(), 'none.png'), header)).toBe(false)
  })
})

describe('3D map snapshots', () => {
  it('show hits tinted and outlined from above, the best score per pixel in jet, and a colour bar from max (top) to min', () => {
    // a 2 m × 1 m floor of points every 2 cm: x < 1 is row 1 (score 0.9, selected), x ≥ 1 row 2 (0.1)
    const pts: number[] = []
    const refs: number[] = []
    for (let i = 0; i <= 100; i++) for (let j = 0; j <= 50; j++) {
      pts.push(i * 0.02, j * 0.02, 0)
      refs.push(i * 0.02 < 1 ? 1 : 2)
    }
    const n = refs.length
    const map: SemanticMap3D = {
      positions: Float32Array.from(pts), colors: new Uint8Array(n * 3).fill(180), refs: Uint32Array.from(refs), pool: { data: new Float32Array(3), shape: [3, 1] }, space: 'test',
    }
    const s = composeSnapshot(map, Float32Array.from([0, 0.9, 0.1]), Uint8Array.from([0, 1, 1]), 0.5, [{ text: 'chair', bold: true }], HIT_STYLE, 201)
    const { hits, heat, top, panelW, panelH, bar } = s.layout
    expect([panelW, panelH]).toEqual([201, 101])
    expect(s.range).toEqual([0.1, 0.9].map(Math.fround))
    const at = (x: number, y: number) => px({ data: s.data, width: s.width }, x, y)
    expect(at(hits + 50, top + 50)).toEqual(tinted([180, 180, 180])) // hit, inside
    expect(at(hits + 150, top + 50)).toEqual(dimmed([180, 180, 180])) // not a hit
    expect(at(hits + 99, top + 50)).toEqual([...HIT_STYLE.tint]) // the hit's contour at x = 1 m
    expect(at(heat + 50, top + 50)).toEqual(Array.from(JET_LUT.subarray(255 * 3, 256 * 3))) // best score: top of jet
    expect(at(heat + 150, top + 50)).toEqual(Array.from(JET_LUT.subarray(0, 3))) // lowest: bottom of jet
    expect(at(bar.x + 2, bar.y)).toEqual(Array.from(JET_LUT.subarray(255 * 3, 256 * 3)))
    expect(at(bar.x + 2, bar.y + bar.h - 1)).toEqual(Array.from(JET_LUT.subarray(0, 3)))
    expect(s.svg.toString()).toContain('0.50') // the threshold tick's label
  })
})
