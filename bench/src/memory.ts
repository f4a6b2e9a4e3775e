import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

let gcFn: (() => void) | null | undefined

/**
 * A full garbage collection, so a measurement starts without the previous case's garbage.
 * Uses `global.gc` when Node runs with --expose-gc, else turns the flag on at run time.
 */
export function collectGarbage(): boolean {
  if (gcFn === undefined) {
    const g = (globalThis as { gc?: () => void }).gc
    if (g) gcFn = g
    else {
      try {
        setFlagsFromString('--expose-gc')
        gcFn = runInNewContext('gc') as () => void
      } catch {
        gcFn = null
      }
    }
  }
  if (!gcFn) return false
  gcFn()
  return true
}

/** Peak growth over the baseline, in bytes. */
export interface MemoryPeak {
  /** Resident set size (everything: JS heap, ArrayBuffers, native ORT buffers). */
  rss_bytes: number
  /** `process.memoryUsage().arrayBuffers`: typed-array backing stores only (exact, not paged). */
  array_buffers_bytes: number
  /** How many samples the peak is the maximum of. */
  samples: number
}

/**
 * Samples `process.memoryUsage()` against a baseline taken after a full GC: on a timer (which
 * fires while awaited work runs) and whenever `sample()` is called from inside synchronous loops.
 * Memory allocated and freed between two samples is missed; a typed array stays counted until
 * the next GC, which in practice outlives the call being measured.
 */
export class MemoryProbe {
  private readonly baseRss: number
  private readonly baseAb: number
  private peakRss = 0
  private peakAb = 0
  private samples = 0
  private timer: NodeJS.Timeout | null

  private constructor(intervalMs: number) {
    collectGarbage()
    const m = process.memoryUsage()
    this.baseRss = m.rss
    this.baseAb = m.arrayBuffers
    this.timer = setInterval(() => this.sample(), intervalMs)
    this.timer.unref()
  }

  /** Collects garbage, takes the baseline and starts the timer. */
  static start(intervalMs = 5): MemoryProbe {
    return new MemoryProbe(intervalMs)
  }

  /** Takes one sample (cheap enough to call every few milliseconds). */
  sample(): void {
    const m = process.memoryUsage()
    this.samples++
    if (m.rss - this.baseRss > this.peakRss) this.peakRss = m.rss - this.baseRss
    if (m.arrayBuffers - this.baseAb > this.peakAb) this.peakAb = m.arrayBuffers - this.baseAb
  }

  /** Takes a last sample, stops the timer and returns the peaks. */
  stop(): MemoryPeak {
    this.sample()
    if (this.timer) clearInterval(this.timer)
    this.timer = null
    return { rss_bytes: this.peakRss, array_buffers_bytes: this.peakAb, samples: this.samples }
  }
}

/**
 * A throttled sampler for tight loops: calls `probe.sample()` at most every `everyMs`
 * milliseconds, so calling it per row or per mask costs next to nothing.
 */
export function throttledSampler(probe: MemoryProbe, everyMs = 2): () => void {
  let last = 0
  return () => {
    const now = performance.now()
    if (now - last < everyMs) return
    last = now
    probe.sample()
  }
}
