import { mulberry32 } from '@plaf/core/testing'
import wabtInit from 'wabt'
import { describe, expect, it } from 'vitest'
import { EXACT_WASM, EXACT_WAT, ExactKernel, floor32 } from '../../src/amg/exact-kernel.js'
import { upsampleLogits, type UpsamplePlan } from '../../src/amg/upsample.js'
import { LogitUpsampler } from '../../src/amg/upsample-window.js'
import { RunClassifier } from '../../src/amg/logit-runs.js'

/** The float32 neighbour of the float32 v towards dir. */
function step(v: number, dir: number): number {
  const f = new Float32Array([v])
  const b = new Int32Array(f.buffer)
  if (v === 0) return dir > 0 ? 2 ** -149 : -(2 ** -149)
  b[0] = b[0]! + ((v > 0) === (dir > 0) ? 1 : -1)
  return f[0]!
}

describe('EXACT_WASM', () => {
  it('is the binary of EXACT_WAT (wabt)', async () => {
    const wabt = await wabtInit()
    // Shared memory: the threads feature (wabt's validate still refuses shared memories, so the engine validates).
    const mod = wabt.parseWat('exact.wat', EXACT_WAT, { threads: true })
    const bytes = mod.toBinary({}).buffer
    expect((globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate(bytes)).toBe(true)
    expect(Buffer.from(bytes).toString('base64')).toBe(EXACT_WASM)
    mod.destroy()
  })
})

describe('ExactKernel', () => {
  it('gives the runs, counts, area and box of the full upsampled plane on random strips and segments (exact ones and known levels), with cutoffs at output values and one float32 step from them', () => {
    const cases: [UpsamplePlan, number, number][] = [
      [{ kind: 'resize-pad', padSize: 1024, validH: 765, validW: 1024, outH: 968, outW: 1296 }, 64, 64],
      [{ kind: 'resize-pad', padSize: 1024, validH: 1024, validW: 683, outH: 300, outW: 200 }, 32, 32],
      [{ kind: 'resize-pad', padSize: 1024, validH: 576, validW: 1024, outH: 90, outW: 160 }, 48, 40],
      [{ kind: 'direct', outH: 120, outW: 97 }, 32, 24],
      [{ kind: 'direct', outH: 33, outW: 250 }, 20, 30],
    ]
    let checked = 0
    for (const [k, [plan, lh, lw]] of cases.entries()) {
      const up = new LogitUpsampler(lh, lw, plan)
      const r = mulberry32(77 + k)
      for (const groups of [1, 2, 3]) {
        const kernel = new ExactKernel(up, groups)
        for (let trial = 0; trial < 8; trial++) {
          const scale = [1, 8, 1e4][trial % 3]!
          const low = Float32Array.from({ length: lh * lw }, () => Math.fround((r() - 0.5) * scale))
          const full = upsampleLogits(low, lh, lw, plan)
          const W = plan.outW
          // A strip as RunClassifier takes it: `groups` runs of output rows with the same low-res source rows.
          const ys = Math.floor(r() * plan.outH)
          let ye = ys
          for (let g = 0; g < groups && ye < plan.outH; g++) {
            const a = up.y.srcLo[ye]!
            const b = up.y.srcHi[ye]!
            while (ye < plan.outH && up.y.srcLo[ye] === a && up.y.srcHi[ye] === b) ye++
          }
          // Segments covering the row: exact (−1) or of a known level (0–3), widths 1 … 40; one segment of the whole row now and then.
          const segs: [number, number, number][] = []
          if (trial === 5) segs.push([0, W, -1])
          else {
            for (let x = 0; x < W; ) {
              const w = Math.min(W - x, 1 + Math.floor(r() * r() * 40))
              segs.push([x, x + w, r() < 0.6 ? -1 : Math.floor(r() * 4)])
              x += w
            }
          }
          // Cutoffs at output values of the strip, or one float32 step from them.
          const pick = (): number => {
            const v = full[(ys + Math.floor(r() * (ye - ys))) * W + Math.floor(r() * W)]!
            const u = r()
            return u < 0.4 ? v : step(v, u < 0.7 ? 1 : -1)
          }
          const [lo, t, hi] = [pick(), pick(), pick()].sort((a, b) => a - b) as [number, number, number]
          kernel.load(low, 0, lo, t, hi)
          segs.forEach(([a, b, L], s) => kernel.i32.set([a, b, L], kernel.segs + 4 * s))
          kernel.strip(ys, ye, segs.length)
          // What each pixel is: a known segment's level, else the full plane's value against the cutoffs.
          let [union, inter, area] = [0, 0, 0]
          const want: number[] = []
          let box: number[] | null = null
          for (let y = ys; y < ye; y++) {
            let start = -1
            const above = (x: number): boolean => {
              const [, , L] = segs.find(([a, b]) => a <= x && x < b)!
              const v = full[y * W + x]!
              const [l, m, h] = L >= 0 ? [L >= 1, L >= 2, L === 3] : [v > lo, v > t, v > hi]
              if (l) union++
              if (h) inter++
              return m
            }
            for (let x = 0; x <= W; x++) {
              const on = x < W && above(x)
              if (on && start < 0) start = x
              if (!on && start >= 0) {
                want.push(y, start, x)
                area += x - start
                box = box ? [Math.min(box[0]!, start), box[1]!, Math.max(box[2]!, x - 1), y] : [start, y, x - 1, y]
                start = -1
              }
            }
          }
          const tag = `plan ${k} groups ${groups} trial ${trial} strip ${ys}–${ye}`
          expect([kernel.union, kernel.inter, kernel.area], tag).toEqual([union, inter, area])
          expect(Array.from(new Int32Array(kernel.i32.buffer, kernel.runsAt, 3 * kernel.count)), tag).toEqual(want)
          if (box) expect(kernel.box(), tag).toEqual(box)
          checked += kernel.count
        }
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })
})

describe('floor32', () => {
  it('is the largest float32 at or below x', () => {
    const r = mulberry32(5)
    const xs = [0, -0, 1e-46, -1e-46, 1, -1, 0.1, -0.1, 3.5e38, -3.5e38, 1e300, 2 ** -149, -(2 ** -149)]
    for (let i = 0; i < 2000; i++) xs.push((r() - 0.5) * 10 ** Math.floor(r() * 20 - 10))
    for (const x of xs) {
      const f = floor32(x)
      expect(Math.fround(f), String(x)).toBe(f)
      expect(f <= x, String(x)).toBe(true)
      expect(step(f, 1) > x, String(x)).toBe(true)
    }
  })
})

describe('ExactKernel.levels', () => {
  /** The level runs by their definition: maximal runs of one level code per row, and the largest |value|. */
  function naive(low: Float32Array, lh: number, lw: number, uh: number, uw: number, th: number[]): { rowBegin: number[]; starts: number[]; levels: number[]; big: number } {
    const [lm, lp, tm, tp, hm, hp] = th as [number, number, number, number, number, number]
    const rowBegin: number[] = []
    const starts: number[] = []
    const levels: number[] = []
    let big = 0
    for (let y = 0; y < uh; y++) {
      rowBegin.push(starts.length)
      let prev = 4
      for (let x = 0; x < uw; x++) {
        const v = low[y * lw + x]!
        big = Math.max(big, Math.abs(v))
        const c = v > lp ? (v > tp ? (v > hp ? 3 : v > hm ? -1 : 2) : v > tm ? -1 : 1) : v > lm ? -1 : 0
        if (c !== prev) {
          starts.push(x)
          levels.push(c)
          prev = c
        }
      }
    }
    rowBegin.push(starts.length)
    return { rowBegin, starts, levels, big }
  }

  it('equals the runs of the float64 comparisons, with values at, just below and just above each threshold', () => {
    const r = mulberry32(9)
    for (const [plan, lh, lw] of [
      [{ kind: 'resize-pad', padSize: 1024, validH: 765, validW: 1024, outH: 968, outW: 1296 }, 64, 64],
      [{ kind: 'direct', outH: 120, outW: 97 }, 23, 37],
    ] as [UpsamplePlan, number, number][]) {
      const up = new LogitUpsampler(lh, lw, plan)
      const kernel = new ExactKernel(up, 2)
      for (let trial = 0; trial < 20; trial++) {
        const t = [0, 0.5, -3][trial % 3]!
        const margin = 1e-3 * (1 + r()) + 1e-6 * 2 ** Math.floor(r() * 30)
        const th = [t - 1 - margin, t - 1 + margin, t - margin, t + margin, t + 1 - margin, t + 1 + margin]
        const low = new Float32Array(lh * lw)
        let x = 0
        while (x < low.length) {
          // Runs of one kind, so the SIMD steps see long runs too.
          const len = 1 + Math.floor(r() * r() * 40)
          const T = th[Math.floor(r() * 6)]!
          const kind = Math.floor(r() * 4)
          for (let k = 0; k < len && x < low.length; k++, x++) {
            const f = floor32(T)
            low[x] = kind === 0 ? f : kind === 1 ? step(f, 1) : kind === 2 ? step(f, -1) : Math.fround(t + (r() - 0.5) * 6)
          }
        }
        kernel.load(low, 0, 0, 0, 0)
        const big = kernel.levels(...(th as [number, number, number, number, number, number]))
        const want = naive(low, lh, lw, up.usedH, up.usedW, th)
        const n = want.starts.length
        expect(big).toBe(want.big)
        expect(Array.from(new Int32Array(kernel.i32.buffer, kernel.rowBeginAt, up.usedH + 1))).toEqual(want.rowBegin)
        expect(Array.from(new Int32Array(kernel.i32.buffer, kernel.startsAt, n))).toEqual(want.starts)
        expect(Array.from(new Int8Array(kernel.i32.buffer, kernel.levelsAt, n))).toEqual(want.levels)
      }
    }
  })

  it('returns −1 or Infinity (refused) for NaN and ±Infinity anywhere in the read part, inside or outside a run', () => {
    const plan: UpsamplePlan = { kind: 'direct', outH: 64, outW: 64 }
    const up = new LogitUpsampler(32, 32, plan)
    const kernel = new ExactKernel(up, 2)
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const bg of [-20, 0.5, 20]) {
        for (const at of [0, 5, 17, 31, 32 * 7 + 13, 32 * 32 - 1]) {
          const low = new Float32Array(32 * 32).fill(bg)
          low[at] = bad
          kernel.load(low, 0, 0, 0, 0)
          const big = kernel.levels(-1.01, -0.99, -0.01, 0.01, 0.99, 1.01)
          expect(big < 0 || big === Infinity, `${bad} at ${at} in ${bg}`).toBe(true)
        }
      }
    }
  })
})

describe('RunClassifier with the kernel', () => {
  it('grows the kernel memory for masks of many runs (views made anew), with the same runs as the full plane', () => {
    const plan: UpsamplePlan = { kind: 'direct', outH: 160, outW: 256 }
    const rc = new RunClassifier(new LogitUpsampler(40, 64, plan))
    const before = rc.kernel!.i32.buffer.byteLength
    const cut = { t: 0, hi: 1, lo: -1 }
    for (let seed = 1; seed <= 4; seed++) {
      const r = mulberry32(seed)
      // Stripes: the sign alternates every column or two, so rows hold dozens of runs.
      const low = Float32Array.from({ length: 40 * 64 }, (_, i) => Math.fround(((i % 64) % (2 + (seed % 2)) === 0 ? 5 : -5) + (r() - 0.5)))
      const full = upsampleLogits(low, 40, 64, plan)
      const c = rc.classify(low, cut)!
      const want: number[] = []
      for (let y = 0; y < plan.outH; y++) {
        for (let x = 0, start = -1; x <= plan.outW; x++) {
          const on = x < plan.outW && full[y * plan.outW + x]! > 0
          if (on && start < 0) start = x
          if (!on && start >= 0) {
            want.push(y, start, x)
            start = -1
          }
        }
      }
      expect(c.count, `seed ${seed}`).toBeGreaterThan(8 * plan.outH)
      expect(Array.from(c.runs.subarray(0, 3 * c.count)), `seed ${seed}`).toEqual(want)
    }
    expect(rc.kernel!.i32.buffer.byteLength).toBeGreaterThan(before)
  })
})
