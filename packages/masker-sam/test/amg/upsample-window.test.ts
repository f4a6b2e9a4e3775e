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
      const strips = [1, 5, 8, 16].map((strip) => new RunClassifier(new LogitUpsampler(n, n, plan), strip))
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
            const tag = `plan ${k} strip ${rc.strip} seed ${seed} t ${t} offset ${off}`
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
})
