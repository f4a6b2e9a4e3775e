import { mulberry32 } from '@plaf/core/testing'
import { describe, expect, it } from 'vitest'
import { upsampleLogits, type UpsamplePlan } from '../../src/amg/upsample.js'
import { LogitUpsampler } from '../../src/amg/upsample-window.js'
import { maskToBox } from '../../src/amg/boxes.js'
import { RunClassifier, runsToBitmap } from '../../src/amg/logit-runs.js'
import { cropToBox } from '../../src/amg/mask-record.js'

/** A low-res plane: background at `bg`, a blob of positive logits, some noise. */
function plane(seed: number, n: number, bg: number): Float32Array {
  const r = mulberry32(seed)
  const [cx, cy, rad] = [r() * n, r() * n, 1 + r() * n * 0.3]
  return Float32Array.from({ length: n * n }, (_, i) => {
    const d = Math.hypot((i % n) - cx, Math.floor(i / n) - cy)
    return Math.fround(d < rad ? (rad - d) * 3 + r() : bg + r() * 2 - 1)
  })
}

describe('windowed logit upsampling', () => {
  const plans: UpsamplePlan[] = [
    { kind: 'resize-pad', padSize: 1024, validH: 765, validW: 1024, outH: 968, outW: 1296 },
    { kind: 'resize-pad', padSize: 1024, validH: 1024, validW: 512, outH: 200, outW: 100 },
    { kind: 'direct', outH: 150, outW: 230 },
  ]
  for (const [k, plan] of plans.entries()) {
    it(`is bit-identical to the full plane inside the window and ≤ floor outside (plan ${k}: ${plan.kind} → ${plan.outH}×${plan.outW})`, () => {
      const up = new LogitUpsampler(64, 64, plan)
      for (let seed = 1; seed <= 6; seed++) {
        for (const bg of [-2, -30, -1000]) {
          const low = plane(seed * 7 + k, 64, bg)
          const full = upsampleLogits(low, 64, 64, plan)
          const floor = -1
          const win = up.run(low, floor)
          if (!win) {
            // Nothing near the floor (the blob may sit in the padding, which the crop drops).
            expect(Math.max(...full), `seed ${seed} bg ${bg}`).toBeLessThanOrEqual(floor)
            continue
          }
          const w = win.x1 - win.x0
          let outsideMax = -Infinity
          for (let y = 0; y < plan.outH; y++) {
            for (let x = 0; x < plan.outW; x++) {
              const v = full[y * plan.outW + x]!
              if (x >= win.x0 && x < win.x1 && y >= win.y0 && y < win.y1) {
                if (win.values[(y - win.y0) * w + (x - win.x0)] !== v) throw new Error(`seed ${seed} bg ${bg}: (${x}, ${y}) differs`)
              } else outsideMax = Math.max(outsideMax, v)
            }
          }
          expect(outsideMax, `seed ${seed} bg ${bg}`).toBeLessThanOrEqual(floor)
          expect(w * (win.y1 - win.y0), 'the window is smaller than the plane').toBeLessThan(plan.outH * plan.outW)
        }
      }
    })
  }

  it('classifyRuns: the stability counts, the mask runs and the box equal those of the full plane (columns inside, outside and straddling)', () => {
    const cases: [UpsamplePlan, number][] = [
      [{ kind: 'resize-pad', padSize: 1024, validH: 765, validW: 1024, outH: 968, outW: 1296 }, 64],
      [{ kind: 'resize-pad', padSize: 1024, validH: 1024, validW: 512, outH: 200, outW: 100 }, 64],
      [{ kind: 'direct', outH: 150, outW: 230 }, 64],
      [{ kind: 'resize-pad', padSize: 1024, validH: 768, validW: 1024, outH: 480, outW: 640 }, 256],
    ]
    let checked = 0
    for (const [k, [plan, n]] of cases.entries()) {
      // The WebAssembly kernel (default) and the JavaScript path of the exact pixels.
      const strips = [1, 2, 5, 16].flatMap((groups) => [new RunClassifier(new LogitUpsampler(n, n, plan), groups), new RunClassifier(new LogitUpsampler(n, n, plan), groups, 'js')])
      expect(strips[0]!.kernel).not.toBeNull()
      expect(strips[1]!.kernel).toBeNull()
      for (let seed = 1; seed <= 3; seed++) {
        for (const [t, off] of [[0, 1], [0.5, 0.25], [0, 0]] as const) {
          const low = plane(seed * 11 + k, n, -20)
          const full = upsampleLogits(low, n, n, plan)
          const cut = { t: Math.fround(t), hi: Math.fround(t + off), lo: Math.fround(t - off) }
          const W = plan.outW
          const mask = new Uint8Array(plan.outH * W)
          let [inter, union, inside] = [0, 0, 0]
          for (let i = 0; i < full.length; i++) {
            const v = full[i]!
            if (v > cut.hi) inter++
            if (v > cut.lo) union++
            if (v > cut.t) mask[i] = 1
            inside += mask[i]!
          }
          const drawn = new Uint8Array(plan.outH * W)
          for (const rc of strips) {
            const c = rc.classify(low, cut)
            const tag = `plan ${k} groups ${rc.groups} ${rc.kernel ? 'wasm' : 'js'} seed ${seed} t ${t} offset ${off}`
            if (!c) {
              expect(union, tag).toBe(0)
              continue
            }
            // Runs: rows ascending, left to right, never touching, exactly the pixels above t.
            drawn.fill(0)
            let prev = [-1, -1]
            for (let r = 0; r < c.count; r++) {
              const [y, a, b] = [c.runs[3 * r]!, c.runs[3 * r + 1]!, c.runs[3 * r + 2]!]
              if (!(a < b && (y > prev[0]! || a > prev[1]!))) throw new Error(`${tag}: run ${r} (${y}, ${a}, ${b}) is empty, out of order or touches the previous one`)
              prev = [y, b]
              drawn.fill(1, y * W + a, y * W + b)
            }
            for (let i = 0; i < mask.length; i++) if (drawn[i] !== mask[i]) throw new Error(`${tag}: mask differs at (${i % W}, ${Math.floor(i / W)})`)
            expect([c.inter, c.union, c.area], tag).toEqual([inter, union, inside])
            if (inside > 0) {
              expect(c.box, tag).toEqual(Array.from(maskToBox(mask, plan.outH, W)))
              const bitmap = runsToBitmap(c.runs, c.count, c.box!)
              expect(Buffer.from(bitmap).equals(cropToBox(mask, W, c.box!).bitmap), tag).toBe(true)
              checked++
            } else expect(c.box, tag).toBeNull()
          }
        }
      }
    }
    expect(checked).toBeGreaterThan(100)
  })

  it('returns null when no logit comes near the floor; a plane above it everywhere gives the whole output', () => {
    const plan: UpsamplePlan = { kind: 'direct', outH: 40, outW: 50 }
    const up = new LogitUpsampler(8, 8, plan)
    expect(up.run(new Float32Array(64).fill(-5), -1)).toBeNull()
    const all = up.run(new Float32Array(64).fill(2), -1)!
    expect([all.x0, all.y0, all.x1, all.y1]).toEqual([0, 0, 50, 40])
    // A plane at an offset in a larger buffer.
    const two = new Float32Array(128).fill(-5)
    two[64 + 4 * 8 + 5] = 3 // cell (5, 4)
    const w = up.run(two, -1, 64)!
    expect([w.x0 > 0, w.x1 < 50, w.y0 > 0, w.y1 < 40]).toEqual([true, true, true, true])
  })

  /** What the full plane gives: counts at the cutoffs, the mask and its box, for comparison with RunClassifier. */
  function fullResult(full: Float32Array, W: number, cut: { t: number; hi: number; lo: number }): { inter: number; union: number; area: number; mask: Uint8Array } {
    const mask = new Uint8Array(full.length)
    let [inter, union, area] = [0, 0, 0]
    for (let i = 0; i < full.length; i++) {
      const v = full[i]!
      if (v > cut.hi) inter++
      if (v > cut.lo) union++
      if (v > cut.t) {
        mask[i] = 1
        area++
      }
    }
    void W
    return { inter, union, area, mask }
  }

  it('property: the bounded classification equals full evaluation on random planes, with many logits exactly at a cutoff or one float32 step from it', () => {
    const plans: UpsamplePlan[] = [
      { kind: 'resize-pad', padSize: 1024, validH: 765, validW: 1024, outH: 968, outW: 1296 },
      { kind: 'resize-pad', padSize: 1024, validH: 1024, validW: 683, outH: 300, outW: 200 },
      { kind: 'resize-pad', padSize: 1024, validH: 576, validW: 1024, outH: 90, outW: 160 },
      { kind: 'direct', outH: 120, outW: 97 },
    ]
    const next = (v: number, dir: number): number => {
      // The float32 neighbour of v (v a float32) towards dir.
      const f = new Float32Array([v])
      const b = new Int32Array(f.buffer)
      if (v === 0) return dir > 0 ? 1e-45 : -1e-45
      b[0] = b[0]! + ((v > 0) === (dir > 0) ? 1 : -1)
      return f[0]!
    }
    let compared = 0
    for (const [k, plan] of plans.entries()) {
      const n = 32
      const rcs = [1, 2, 3].flatMap((g) => [new RunClassifier(new LogitUpsampler(n, n, plan), g), new RunClassifier(new LogitUpsampler(n, n, plan), g, 'js')])
      for (let seed = 1; seed <= 12; seed++) {
        const r = mulberry32(1000 * k + seed)
        const t = Math.fround([0, 0.5, -2][seed % 3]!)
        const off = Math.fround([1, 0.25, 0][seed % 4 === 3 ? 2 : seed % 2]!)
        const cut = { t, hi: Math.fround(t + off), lo: Math.fround(t - off) }
        const levels = [cut.lo, cut.t, cut.hi]
        // Regions of constant value (so whole pixel blocks sit exactly at a cutoff), smooth ramps, noise, and large magnitudes.
        const scale = [1, 8, 1e4][seed % 3]!
        const low = new Float32Array(n * n)
        const [cx, cy, rad] = [r() * n, r() * n, 3 + r() * n * 0.4]
        for (let i = 0; i < n * n; i++) {
          const [x, y] = [i % n, Math.floor(i / n)]
          const u = r()
          let v: number
          if (u < 0.25) v = levels[Math.floor(r() * 3)]!
          else if (u < 0.35) v = next(levels[Math.floor(r() * 3)]!, r() < 0.5 ? -1 : 1)
          else if (u < 0.45) v = (r() - 0.5) * scale * 4
          else v = ((rad - Math.hypot(x - cx, y - cy)) / rad) * 3 * scale
          // Blocks of equal values: copy the left or upper neighbour now and then.
          if (x > 0 && r() < 0.3) v = low[i - 1]!
          else if (y > 0 && r() < 0.3) v = low[i - n]!
          low[i] = Math.fround(v)
        }
        const full = upsampleLogits(low, n, n, plan)
        const want = fullResult(full, plan.outW, cut)
        for (const rc of rcs) {
          const tag = `plan ${k} seed ${seed} groups ${rc.groups} ${rc.kernel ? 'wasm' : 'js'} cut ${JSON.stringify(cut)}`
          const c = rc.classify(low, cut)
          expect(rc.nonFinite, tag).toBe(-1)
          if (!c) {
            expect(want.union, tag).toBe(0)
            continue
          }
          expect([c.inter, c.union, c.area], tag).toEqual([want.inter, want.union, want.area])
          const drawn = new Uint8Array(full.length)
          for (let q = 0; q < c.count; q++) drawn.fill(1, c.runs[3 * q]! * plan.outW + c.runs[3 * q + 1]!, c.runs[3 * q]! * plan.outW + c.runs[3 * q + 2]!)
          expect(Buffer.from(drawn).equals(Buffer.from(want.mask)), tag).toBe(true)
          if (want.area > 0) expect(c.box, tag).toEqual(Array.from(maskToBox(want.mask, plan.outH, plan.outW)))
          compared++
        }
      }
    }
    expect(compared).toBeGreaterThan(100)
  })

  it('refuses NaN and ±Infinity in the rows and columns the upsampling reads (first one in row-major order), whatever the plane around them', () => {
    const plan: UpsamplePlan = { kind: 'resize-pad', padSize: 1024, validH: 765, validW: 1024, outH: 968, outW: 1296 }
    const rc = new RunClassifier(new LogitUpsampler(64, 64, plan))
    const cut = { t: 0, hi: 1, lo: -1 }
    const r = mulberry32(5)
    for (const bad of [NaN, Infinity, -Infinity]) {
      for (const fill of [-20, 0, 20, -1, 1]) {
        const low = new Float32Array(2 * 64 * 64).fill(fill)
        const at = 64 * 64 + Math.floor(r() * rc.up.usedH) * 64 + Math.floor(r() * 64)
        low[at] = bad
        // A later one too: the first is reported.
        low[64 * 64 + (rc.up.usedH - 1) * 64 + 63] = NaN
        expect(rc.classify(low, cut, 64 * 64), `${bad} in a plane of ${fill}`).toBeNull()
        expect(rc.nonFinite, `${bad} in a plane of ${fill}`).toBe(at)
      }
      // In the padding rows the upsampling never reads: no refusal, and the next plane is classified normally.
      const low = new Float32Array(64 * 64).fill(5)
      low[(rc.up.usedH + 1) * 64 + 3] = bad
      expect(rc.classify(low, cut)).not.toBeNull()
      expect(rc.nonFinite).toBe(-1)
    }
  })

  it('a plane larger than any before re-sizes the margin (results still equal full evaluation)', () => {
    const plan: UpsamplePlan = { kind: 'direct', outH: 70, outW: 90 }
    const rc = new RunClassifier(new LogitUpsampler(16, 16, plan))
    const cut = { t: 0, hi: 1, lo: -1 }
    for (const scale of [1, 1e3, 1e6, 1e30, 3e38]) {
      const r = mulberry32(Math.log10(scale) | 0)
      const low = Float32Array.from({ length: 256 }, (_, i) => (i % 16 < 8 ? scale : -scale) * (r() < 0.8 ? 1 : r()) + (r() < 0.1 ? 1 : 0))
      const full = upsampleLogits(low, 16, 16, plan)
      const want = fullResult(full, 90, cut)
      const c = rc.classify(low, cut)!
      expect([c.inter, c.union, c.area], `scale ${scale}`).toEqual([want.inter, want.union, want.area])
    }
  })

  it('one plane of huge logits does not widen the exact work of the planes after it', () => {
    const plan: UpsamplePlan = { kind: 'resize-pad', padSize: 1024, validH: 765, validW: 1024, outH: 968, outW: 1296 }
    const rc = new RunClassifier(new LogitUpsampler(64, 64, plan))
    const cut = { t: 0, hi: 1, lo: -1 }
    const normal = plane(3, 64, -20)
    // Huge values between small ones: the plane's margin is wide, so nearly all of it is exact.
    const huge = normal.map((v, i) => (i % 7 === 0 ? 1e12 : v))
    const exactOf = (low: Float32Array): number => {
      rc.classify(low, cut)
      return rc.exactPixels
    }
    const before = exactOf(normal)
    expect(before).toBeGreaterThan(0)
    // Its margin (1e-6 of its magnitude) covers every value: it is upsampled whole, exactly.
    const all = exactOf(huge)
    expect(all).toBeGreaterThan(before)
    exactOf(normal)
    expect(exactOf(normal)).toBe(before)
  })
})
