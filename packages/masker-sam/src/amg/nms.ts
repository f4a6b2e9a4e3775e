/**
 * Greedy non-maximum suppression with torchvision's semantics (`torchvision.ops.nms`, and
 * `batched_nms` with a single category, which is what SAM uses): boxes are visited by score,
 * highest first, ties in index order (torchvision sorts stably); a box is dropped when its IoU
 * with an already kept box is strictly greater than `iouThreshold`. Area is `(x1−x0)·(y1−y0)`
 * (no +1), IoU is computed in float32 as torchvision does for float boxes, and 0/0 (two
 * degenerate boxes) is NaN, which never suppresses. Returns the kept indices, best first.
 *
 * `boxes` is `n × 4` xyxy; `scores` has n entries. O(n²) in the worst case, fine for the few
 * thousand masks of one image.
 */
export function nms(boxes: ArrayLike<number>, scores: ArrayLike<number>, iouThreshold: number): Int32Array {
  const n = scores.length
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  // Float32 scores, as torch holds them; stable sort on descending score.
  const s = Float32Array.from(scores as ArrayLike<number>)
  const sorted = Array.from(order).sort((a, b) => (s[b]! - s[a]!) || a - b)
  const area = new Float32Array(n)
  const b = Float32Array.from(boxes as ArrayLike<number>)
  for (let i = 0; i < n; i++) area[i] = Math.fround((b[4 * i + 2]! - b[4 * i]!) * (b[4 * i + 3]! - b[4 * i + 1]!))
  const suppressed = new Uint8Array(n)
  const keep: number[] = []
  for (let oi = 0; oi < n; oi++) {
    const i = sorted[oi]!
    if (suppressed[i]) continue
    keep.push(i)
    const ix0 = b[4 * i]!
    const iy0 = b[4 * i + 1]!
    const ix1 = b[4 * i + 2]!
    const iy1 = b[4 * i + 3]!
    for (let oj = oi + 1; oj < n; oj++) {
      const j = sorted[oj]!
      if (suppressed[j]) continue
      const w = Math.max(0, Math.min(ix1, b[4 * j + 2]!) - Math.max(ix0, b[4 * j]!))
      const h = Math.max(0, Math.min(iy1, b[4 * j + 3]!) - Math.max(iy0, b[4 * j + 1]!))
      const inter = Math.fround(w * h)
      const iou = Math.fround(inter / Math.fround(Math.fround(area[i]! + area[j]!) - inter))
      if (iou > iouThreshold) suppressed[j] = 1
    }
  }
  return Int32Array.from(keep)
}
