/** Per-row pixel counts and bounding boxes of an id map, from one pass over it. */
export interface RowBoxes {
  /** Pixels per row id. */
  pixels: Uint32Array
  /** rows×4 [x_min, y_min, x_max, y_max], inclusive pixel coordinates; -1 for rows with no pixel. */
  boxes: Int32Array
}

/** Pixel count and inclusive bounding box of every id of a W-wide id map with `rows` ids. */
export function rowBoxes(ids: Uint16Array | Uint32Array, w: number, rows: number): RowBoxes {
  const pixels = new Uint32Array(rows)
  const boxes = new Int32Array(rows * 4).fill(-1)
  for (let i = 0, y = 0; i < ids.length; y++) {
    for (let x = 0; x < w; x++, i++) {
      const r = ids[i]
      const o = r * 4
      if (pixels[r]++ === 0) {
        boxes[o] = boxes[o + 2] = x
        boxes[o + 1] = boxes[o + 3] = y
        continue
      }
      if (x < boxes[o]) boxes[o] = x
      if (x > boxes[o + 2]) boxes[o + 2] = x
      boxes[o + 3] = y
    }
  }
  return { pixels, boxes }
}
