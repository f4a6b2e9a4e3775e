import { mulberry32 } from '@plaf/core/testing'
import wabtInit from 'wabt'
import { describe, expect, it } from 'vitest'
import { EXACT_WASM, EXACT_WAT, ExactKernel } from '../../src/amg/exact-kernel.js'
import { upsampleLogits, type UpsamplePlan } from '../../src/amg/upsample.js'
import { LogitUpsampler } from '../../src/amg/upsample-window.js'

/** The float32 neighbour of the float32 v towards dir. */
function step(v: number, dir: number): number {
  const f = new Float32Array([v])
  const b = new Int32Array(f.buffer)
  if (v === 0) return dir > 0 ? 1e-45 : -1e-45
  b[0] = b[0]! + ((v > 0) === (dir > 0) ? 1 : -1)
  return f[0]!
}

describe('EXACT_WASM', () => {
  it('is the binary of EXACT_WAT (wabt)', async () => {
    const wabt = await wabtInit()
    const mod = wabt.parseWat('exact.wat', EXACT_WAT)
    mod.validate()
    expect(Buffer.from(mod.toBinary({}).buffer).toString('base64')).toBe(EXACT_WASM)
    mod.destroy()
  })
})

describe('ExactKernel', () => {
  it('gives the counts and the crossings of t of the full upsampled plane on random strips and segments, with cutoffs at output values and one float32 step from them', () => {
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
        for (let trial = 0; trial < 6; trial++) {
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
          // Disjoint segments, left to right, widths 1 … 40 (the whole row now and then).
          const segs: [number, number][] = []
          if (trial === 5) segs.push([0, W])
          else {
            for (let x = Math.floor(r() * 5); x < W; ) {
              const w = 1 + Math.floor(r() * r() * 40)
              segs.push([x, Math.min(W, x + w)])
              x += w + 1 + Math.floor(r() * 30)
            }
          }
          // Cutoffs at output values of the strip, or one float32 step from them.
          const pick = (): number => {
            const [a, b] = segs[Math.floor(r() * segs.length)]!
            const v = full[(ys + Math.floor(r() * (ye - ys))) * W + a + Math.floor(r() * (b - a))]!
            const u = r()
            return u < 0.4 ? v : step(v, u < 0.7 ? 1 : -1)
          }
          const [lo, t, hi] = [pick(), pick(), pick()].sort((a, b) => a - b) as [number, number, number]
          kernel.load(low, 0, lo, t, hi)
          segs.forEach(([a, b], s) => {
            kernel.i32[kernel.segs + 3 * s] = a
            kernel.i32[kernel.segs + 3 * s + 1] = b
          })
          kernel.strip(ys, ye, segs.length)
          let [union, inter] = [0, 0]
          const tag = `plan ${k} groups ${groups} trial ${trial} strip ${ys}–${ye}`
          segs.forEach(([a, b], s) => {
            let p = kernel.i32[kernel.segs + 3 * s + 2]!
            for (let y = ys; y < ye; y++) {
              // The naive crossings of this row: where v > t starts and stops.
              const want: number[] = []
              let above = false
              for (let x = a; x < b; x++) {
                const v = full[y * W + x]!
                if (v > lo) union++
                if (v > hi) inter++
                if (v > t !== above) {
                  want.push(x)
                  above = !above
                }
              }
              if (above) want.push(b)
              const n = kernel.i32[p]!
              expect(Array.from(kernel.i32.subarray(p + 1, p + 1 + n)), `${tag} segment [${a}, ${b}) row ${y}`).toEqual(want)
              p += 1 + n
              checked++
            }
          })
          expect([kernel.union, kernel.inter], tag).toEqual([union, inter])
        }
      }
    }
    expect(checked).toBeGreaterThan(1000)
  })
})
