import type { SemanticMemory2D } from '@plaf/core'
import type { BackprojectedPoints } from '../src/kernels/backproject.js'

/** A generated scene streamed as already back-projected frames (the fusion input). */
export interface PointScene {
  /** Per object, its D-dimensional "true" feature (row-major objects×D); the queries. */
  objects: Float32Array
  d: number
  frames: Array<{ points: BackprojectedPoints; memory: SemanticMemory2D }>
}

/**
 * A room of `objects` boxes on a 6 × 6 m floor, each with a random feature direction. Each frame
 * sees a random 4–7 of them; every seen object becomes one mask (1 in 5 are split in two halves
 * along x, as an over-segmenting masker does) whose feature is the object's plus Gaussian noise
 * of `noise` per dimension, and whose points are a fresh random sample of the object's surface
 * with 5 mm jitter. Mask ids are shuffled per frame. Seeded, deterministic.
 */
export function pointScene(opts: { frames: number; objects?: number; d?: number; noise?: number; pointsPerObject?: number; seed?: number }): PointScene {
  const n = opts.objects ?? 12
  const d = opts.d ?? 32
  const noise = opts.noise ?? 0.08
  const per = opts.pointsPerObject ?? 300
  let seed = opts.seed ?? 7
  const rnd = (): number => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296)
  const gauss = (): number => Math.sqrt(-2 * Math.log(rnd() + 1e-12)) * Math.cos(2 * Math.PI * rnd())
  const objects = new Float32Array(n * d)
  for (let i = 0; i < n * d; i++) objects[i] = gauss() / Math.sqrt(d)
  // Boxes on a 4×3 grid 1.5 m apart, 0.4–0.9 m wide: they never touch.
  const boxes = Array.from({ length: n }, (_, o) => ({ x: (o % 4) * 1.5, y: Math.floor(o / 4) * 1.5, w: 0.4 + 0.5 * rnd(), h: 0.3 + 0.8 * rnd() }))
  const frames: PointScene['frames'] = []
  for (let f = 0; f < opts.frames; f++) {
    const seen = Array.from({ length: n }, (_, o) => o).sort(() => rnd() - 0.5).slice(0, 4 + Math.floor(rnd() * 4))
    const masks: Array<{ object: number; half: number }> = []
    for (const o of seen) {
      if (rnd() < 0.2) masks.push({ object: o, half: 1 }, { object: o, half: 2 })
      else masks.push({ object: o, half: 0 })
    }
    masks.sort(() => rnd() - 0.5)
    const rows = masks.length + 1
    const table = new Float32Array(rows * d)
    const count = masks.reduce((s, m) => s + (m.half ? per / 2 : per), 0)
    const positions = new Float64Array(count * 3)
    const colors = new Uint8Array(count * 3)
    const ids = new Uint16Array(count)
    let i = 0
    masks.forEach((m, k) => {
      for (let c = 0; c < d; c++) table[(k + 1) * d + c] = objects[m.object * d + c] + (noise * gauss()) / Math.sqrt(d)
      const b = boxes[m.object]
      for (let s = 0; s < (m.half ? per / 2 : per); s++, i++) {
        // A point on the box's top or one of its sides, split along x for halves.
        const u = m.half === 0 ? rnd() : (m.half - 1 + rnd()) / 2
        const side = Math.floor(rnd() * 3)
        const jitter = (): number => 0.005 * gauss()
        positions[i * 3] = b.x + u * b.w + jitter()
        positions[i * 3 + 1] = b.y + (side === 1 ? 0 : side === 2 ? b.w : rnd() * b.w) + jitter()
        positions[i * 3 + 2] = (side === 0 ? b.h : rnd() * b.h) + jitter()
        colors.set([40 + m.object * 15, 100, 200], i * 3)
        ids[i] = k + 1
      }
    })
    frames.push({
      points: { positions, colors, ids, count },
      memory: { ids: { data: new Uint16Array(1), shape: [1, 1] }, features: { data: table, shape: [rows, d] }, space: 'scene-space' },
    })
  }
  return { objects, d, frames }
}

/** Per point, the query (object) with the highest cosine to its pool row: scores M×Q, then gather. */
export function argmaxLabels(map: { refs: Uint32Array; pool: { data: Float32Array; shape: [number, number] } }, queries: Float32Array): Int32Array {
  const [m, d] = map.pool.shape
  const q = queries.length / d
  const best = new Int32Array(m)
  for (let r = 0; r < m; r++) {
    let top = -Infinity
    for (let j = 0; j < q; j++) {
      let dot = 0
      let qq = 0
      for (let c = 0; c < d; c++) {
        dot += map.pool.data[r * d + c] * queries[j * d + c]
        qq += queries[j * d + c] ** 2
      }
      if (dot / Math.sqrt(qq) > top) [top, best[r]] = [dot / Math.sqrt(qq), j]
    }
  }
  return Int32Array.from(map.refs, (r) => best[r])
}
