import { float16ToFloat32, float32ToFloat16 } from '../formats/float16.js'
import type { TensorBackend } from './types.js'

/** C = A·B with an i-k-j loop (cache friendly for row-major B). */
export function matmulReference(a: Float32Array, b: Float32Array, m: number, k: number, n: number): Float32Array {
  const c = new Float32Array(m * n)
  for (let i = 0; i < m; i++) {
    const ci = i * n
    for (let p = 0; p < k; p++) {
      const av = a[i * k + p]
      if (av === 0) continue
      const bp = p * n
      for (let j = 0; j < n; j++) c[ci + j] += av * b[bp + j]
    }
  }
  return c
}

/** L2-normalises rows in place (float64 accumulation); zero rows stay zero. */
export function normalizeRowsReference(a: Float32Array, m: number, n: number): Float32Array {
  for (let i = 0; i < m; i++) {
    let s = 0
    for (let j = i * n, e = j + n; j < e; j++) s += a[j] * a[j]
    if (s === 0) continue
    const inv = 1 / Math.sqrt(s)
    for (let j = i * n, e = j + n; j < e; j++) a[j] *= inv
  }
  return a
}

/** Row-wise top-k, descending, lower index first on ties. */
export function topkReference(a: Float32Array, m: number, n: number, k: number): { indices: Int32Array; values: Float32Array } {
  const kk = Math.min(k, n)
  const indices = new Int32Array(m * kk)
  const values = new Float32Array(m * kk)
  const order = new Int32Array(n)
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) order[j] = j
    const row = a.subarray(i * n, i * n + n)
    const sorted = Array.from(order).sort((x, y) => row[y] - row[x] || x - y)
    for (let j = 0; j < kk; j++) {
      indices[i * kk + j] = sorted[j]
      values[i * kk + j] = row[sorted[j]]
    }
  }
  return { indices, values }
}

/** Row-wise argmax (first on ties). */
export function argmaxReference(a: Float32Array, m: number, n: number): Int32Array {
  const out = new Int32Array(m)
  for (let i = 0; i < m; i++) {
    let best = 0
    for (let j = 1; j < n; j++) if (a[i * n + j] > a[i * n + best]) best = j
    out[i] = best
  }
  return out
}

/** The plain typed-array backend: always available, and the oracle for every other backend. */
export function createReferenceBackend(): TensorBackend {
  return {
    name: 'reference',
    device: 'cpu',
    matmul: async (a, b, m, k, n) => matmulReference(a, b, m, k, n),
    normalizeRows: async (a, m, n) => normalizeRowsReference(a, m, n),
    argmax: async (a, m, n) => argmaxReference(a, m, n),
    topk: async (a, m, n, k) => topkReference(a, m, n, k),
    toFloat16: async (a) => float32ToFloat16(a),
    fromFloat16: async (a) => float16ToFloat32(a),
    dispose: async () => {},
  }
}
