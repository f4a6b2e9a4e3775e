/** L2-normalises `v[at..at+n-1]` in place; a zero vector stays zero. */
export function l2Normalize(v: Float32Array, at: number, n: number): void {
  let s = 0
  for (let i = at; i < at + n; i++) s += v[i] * v[i]
  if (s === 0) return
  const inv = 1 / Math.sqrt(s)
  for (let i = at; i < at + n; i++) v[i] *= inv
}
