/**
 * Labels of an H×W image cut into square cells of `cell` pixels, row-major cell order; the last
 * row and column of cells are truncated at the image edge.
 */
export function gridLabels(h: number, w: number, cell: number): { labels: Int32Array; count: number } {
  const cols = Math.ceil(w / cell)
  const rows = Math.ceil(h / cell)
  const labels = new Int32Array(h * w)
  for (let y = 0; y < h; y++) {
    const base = Math.floor(y / cell) * cols
    for (let x = 0; x < w; x++) labels[y * w + x] = base + Math.floor(x / cell)
  }
  return { labels, count: rows * cols }
}
