import { srgbToLab } from '../../src/kernels/srgb-to-lab.js'
import { vocabulary } from '../../src/vocabulary.js'

/**
 * Test oracle of `shadedAssign` written plainly: for each illumination factor k (1, 0.95, 0.9,
 * 0.85), the softmax over the survey centres of −ΔE²/τ² at the reflectance rgb/k (clamped to
 * 255), summed per term; the mean over the factors.
 */
export function plainShadedAssign(r: number, g: number, b: number, temperature: number, factors = [1, 0.95, 0.9, 0.85]): number[] {
  const { model } = vocabulary()
  const out = new Array<number>(model.d).fill(0)
  for (const k of factors) {
    const lab = new Float64Array(3)
    srgbToLab(Math.min(255, r / k), Math.min(255, g / k), Math.min(255, b / k), lab)
    const e = model.centreNames.map((_, i) => -((lab[0] - model.centres[3 * i]) ** 2 + (lab[1] - model.centres[3 * i + 1]) ** 2 + (lab[2] - model.centres[3 * i + 2]) ** 2) / temperature ** 2)
    const top = Math.max(...e)
    const w = e.map((x) => Math.exp(x - top))
    const total = w.reduce((a, c) => a + c, 0)
    w.forEach((x, i) => (out[model.centreTerm[i]] += x / total / factors.length))
  }
  return out
}
