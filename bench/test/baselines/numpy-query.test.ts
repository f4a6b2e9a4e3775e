import { describe, expect, it } from 'vitest'
import { parseNumpyQueryOutput } from '../../src/baselines/numpy-query.js'
import { median } from '../../src/timing.js'

describe('parseNumpyQueryOutput', () => {
  const good = {
    runs_ms: [3, 1, 2], runs_out_ms: [2, 2, 2], back_to_back: { runs_ms: [1, 1, 4], runs_out_ms: [1, 2, 3] },
    settle_ms: [10, 10, 11, 10, 30, 10], prepare_ms: 5, numpy: '1.24.2',
  }

  it('reads the settled runs (median_ms is theirs), the back-to-back runs and the settle times', () => {
    const r = parseNumpyQueryOutput(good, 3)
    expect(r.median_ms).toBe(2)
    expect(r.median_ms).toBe(median(good.runs_ms))
    expect(r.back_to_back).toEqual(good.back_to_back)
    expect(r.settle_ms).toHaveLength(6)
    expect(r).toMatchObject({ prepare_ms: 5, numpy: '1.24.2', runs_out_ms: [2, 2, 2] })
  })

  it('refuses output with a missing regime, the wrong number of runs or a bad time, naming the field', () => {
    expect(() => parseNumpyQueryOutput({ ...good, back_to_back: undefined }, 3)).toThrow(/"back_to_back.runs_ms" should be 3 times/)
    expect(() => parseNumpyQueryOutput(good, 2)).toThrow(/"runs_ms" should be 2 times/)
    expect(() => parseNumpyQueryOutput({ ...good, runs_out_ms: [1, -1, 2] }, 3)).toThrow(/"runs_out_ms"/)
    expect(() => parseNumpyQueryOutput({ ...good, settle_ms: [10, 10, 10] }, 3)).toThrow(/"settle_ms" should be 6 times/)
    expect(() => parseNumpyQueryOutput({ ...good, numpy: undefined }, 3)).toThrow(/"numpy" missing/)
  })
})
