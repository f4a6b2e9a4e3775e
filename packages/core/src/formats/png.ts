import { decode, encode } from 'fast-png'

/** A decoded PNG: 8-bit data as Uint8Array, 16-bit as Uint16Array, row-major, channels interleaved. */
export interface PngImage {
  width: number
  height: number
  channels: 1 | 2 | 3 | 4
  depth: 8 | 16
  data: Uint8Array | Uint16Array
}

/**
 * Encodes a PNG. 16-bit data (index maps, depth in millimetres) must be a Uint16Array and is
 * written as 16-bit greyscale/colour, exactly (fast-png, pure JS: no native build, bit exact).
 */
export function encodePng(img: Omit<PngImage, 'depth'> & { depth?: 8 | 16 }): Uint8Array {
  const depth = img.depth ?? (img.data instanceof Uint16Array ? 16 : 8)
  if (img.data.length !== img.width * img.height * img.channels) {
    throw new RangeError(`PNG data has ${img.data.length} values, ${img.width}×${img.height}×${img.channels} needs ${img.width * img.height * img.channels}`)
  }
  return encode({ width: img.width, height: img.height, data: img.data, depth, channels: img.channels })
}

/** Decodes a PNG, keeping 16-bit samples as Uint16Array. Palette images are expanded to RGB(A). */
export function decodePng(bytes: Uint8Array): PngImage {
  const d = decode(bytes)
  let data = d.data as Uint8Array | Uint16Array
  let channels = d.channels as 1 | 2 | 3 | 4
  if (d.palette) {
    const pal = d.palette as number[][]
    const pc = pal[0]?.length ?? 3
    const out = new Uint8Array(d.width * d.height * pc)
    for (let i = 0; i < d.width * d.height; i++) {
      const c = pal[data[i]]
      for (let k = 0; k < pc; k++) out[i * pc + k] = c[k]
    }
    data = out
    channels = pc as 3 | 4
  }
  return { width: d.width, height: d.height, channels, depth: d.depth === 16 ? 16 : 8, data }
}
