/**
 * SAM's stability score of one mask's logits: the IoU of the masks binarised at
 * `threshold + offset` and at `threshold − offset` (the first lies inside the second, so the IoU
 * is a ratio of counts). Strict `>` on both sides, as SAM. Rounded to float32 like SAM's tensor;
 * NaN when no logit exceeds `threshold − offset` (SAM then drops the mask: NaN ≥ t is false).
 * `logits` holds the mask at `[start, start + length)`.
 */
export function stabilityScore(logits: Float32Array, threshold: number, offset: number, start = 0, length = logits.length - start): number {
  const hi = Math.fround(threshold + offset)
  const lo = Math.fround(threshold - offset)
  let inter = 0
  let union = 0
  for (let i = start, end = start + length; i < end; i++) {
    const v = logits[i]!
    if (v > hi) inter++
    if (v > lo) union++
  }
  return Math.fround(inter / union)
}
