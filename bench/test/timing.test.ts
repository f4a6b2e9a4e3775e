import { describe, expect, it } from 'vitest'
import { collectGarbage, MemoryProbe } from '../src/memory.js'
import { measure, measureBackToBack, median, settle, SETTLE_AFTER_GC_MS } from '../src/timing.js'

describe('median', () => {
  it('takes the middle value, or the mean of the middle two', () => {
    expect(median([5, 1, 3])).toBe(3)
    expect(median([4, 1, 3, 10])).toBe(3.5)
    expect(() => median([])).toThrow(RangeError)
  })
})

describe('MemoryProbe', () => {
  it('can force a garbage collection', () => {
    expect(collectGarbage()).toBe(true)
  })

  it('sees a typed array allocated after the baseline in arrayBuffers', () => {
    const probe = MemoryProbe.start()
    const big = new Float64Array(4_000_000).fill(1)
    probe.sample()
    const peak = probe.stop()
    expect(big[0]).toBe(1)
    expect(peak.array_buffers_bytes).toBeGreaterThanOrEqual(32_000_000)
    expect(peak.samples).toBeGreaterThanOrEqual(2)
  })
})

describe('measure', () => {
  it('runs the warm-ups untimed, then N timed runs; keeps the first timed result', async () => {
    let calls = 0
    const seen: number[] = []
    const { stats, first } = await measure(3, () => ++calls, { warmup: 2, onRun: (i) => seen.push(i) })
    expect(first).toBe(3)
    expect(calls).toBe(5)
    expect(seen).toEqual([0, 1, 2])
    expect(stats.runs_ms).toHaveLength(3)
    expect(stats.median_ms).toBe(median(stats.runs_ms))
    await expect(measure(0, () => 1)).rejects.toThrow(RangeError)
  })

  it('lets the forced collection settle before each timed run (not before warm-ups)', async () => {
    const at: number[] = []
    await measure(3, () => at.push(performance.now()), { warmup: 1 })
    expect(at).toHaveLength(4)
    for (let i = 1; i < at.length; i++) expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(SETTLE_AFTER_GC_MS - 1)
  })

  it('settles until a whole window is quiet, and no longer than its limit', async () => {
    // busy (5 ms of CPU a window) for three windows, then quiet
    let windows = 0
    let cpu = 0
    const busyThenQuiet = () => {
      windows++
      if (windows % 2 === 0 && windows <= 6) cpu += 5
      return cpu
    }
    expect(await settle({ cpuMs: busyThenQuiet })).toBeGreaterThanOrEqual(4 * SETTLE_AFTER_GC_MS - 4)
    expect(windows).toBe(8)
    let always = 0
    const waited = await settle({ cpuMs: () => (always += 5), maxMs: 60 })
    expect(waited).toBeGreaterThanOrEqual(59)
    expect(waited).toBeLessThan(400) // it stopped (timers run late on a loaded machine)
  })
})

describe('measureBackToBack', () => {
  it('times N calls in a row after the warm-ups, with no settle between them', async () => {
    const at: number[] = []
    const r = await measureBackToBack(4, () => at.push(performance.now()), { warmup: 2 })
    expect(at).toHaveLength(6)
    expect(r.runs_ms).toHaveLength(4)
    expect(r.median_ms).toBe(median(r.runs_ms))
    expect(r.min_ms).toBe(Math.min(...r.runs_ms))
    // no 10 ms settle between the calls (a loaded machine may still delay one)
    expect(at[5] - at[2]).toBeLessThan(3 * SETTLE_AFTER_GC_MS)
    await expect(measureBackToBack(0, () => 1)).rejects.toThrow(RangeError)
  })
})
