import { describe, expect, it } from 'vitest'
import { frameThreshold } from '../../src/frame-query.js'
import { autoThreshold, otsuThreshold, RELEVANCY_BREAK_EVEN } from '../../src/kernels/scoring.js'

// Relevancy scores where every row's negative phrase wins (all below 0.5), in two clusters: Otsu
// splits them at about 0.2, which would select rows the negatives beat.
const losing = new Float32Array([0.1, 0.11, 0.12, 0.1, 0.3, 0.31, 0.29, 0.3])
// Scores above the break-even in two clusters: Otsu's split lies above 0.5 and stands.
const above05 = new Float32Array([0.55, 0.6, 0.58, 0.9, 0.92, 0.95])

describe('auto threshold in relevancy mode', () => {
  it('never goes below the break-even 0.5 (the floor is reported); other modes keep Otsu', () => {
    const otsu = otsuThreshold(losing)!
    expect(otsu).toBeLessThan(0.5)
    expect(autoThreshold('relevancy', losing)).toEqual({ threshold: RELEVANCY_BREAK_EVEN, floored: true })
    expect(autoThreshold('cosine', losing)).toEqual({ threshold: otsu, floored: false })
    expect(autoThreshold('softmax', losing)).toEqual({ threshold: otsu, floored: false })
    const above = autoThreshold('relevancy', above05)
    expect(above.floored).toBe(false)
    expect(above.threshold).toBe(otsuThreshold(above05))
    expect(above.threshold!).toBeGreaterThan(0.5)
    // not separable: still null (nothing selected), not the floor
    expect(autoThreshold('relevancy', new Float32Array([0.2, 0.2]))).toEqual({ threshold: null, floored: false })
  })

  it('applies per frame in 2D as in 3D', () => {
    const w = new Float64Array(losing.length).fill(1)
    expect(frameThreshold('auto', losing, w, 'relevancy')).toBe(0.5)
    expect(frameThreshold('auto', losing, w, 'cosine')).toBe(otsuThreshold(losing, w))
    expect(frameThreshold(0.3, losing, w, 'relevancy')).toBe(0.3) // a given threshold is the user's
  })
})
