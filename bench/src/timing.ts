import { collectGarbage, MemoryProbe, throttledSampler, type MemoryPeak } from './memory.js'

/** Timings and memory of N runs of one implementation. */
export interface RunStats {
  runs_ms: number[]
  median_ms: number
  /** Largest peak over the runs. */
  peak_extra: MemoryPeak
}

/** Median of a non-empty list (mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median of an empty list')
  const s = [...values].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}

/**
 * The least time each timed run waits (untimed) after its forced garbage collection, ms, in
 * windows of this length. V8 finishes a collection on its background threads after `gc()`
 * returns (sweeping; after a case that freed gigabytes, unmapping), onnxruntime's pool threads
 * spin for a while after a session run, and on a 2-core machine that work takes the second core:
 * a run that starts at once finds it busy (a kernel's helper thread started 1.3–1.6 ms late, and
 * the first runs after a heavy case took twice as long). The harness's own collection and the
 * previous case's leftovers must not be billed to the run; so the run waits until a whole window
 * passes in which the process (all its threads) used less than `QUIET_CPU_MS` of CPU, for at
 * most `SETTLE_MAX_MS`.
 */
export const SETTLE_AFTER_GC_MS = 10
/** CPU time (user + system, all threads) below which a settle window counts as quiet, ms. */
export const QUIET_CPU_MS = 1
/** Longest settle before a run, ms (a process with a busy background thread of its own is timed anyway). */
export const SETTLE_MAX_MS = 500

/** Waits until the process is quiet (see `SETTLE_AFTER_GC_MS`); returns the time waited, ms. `cpuMs` (tests) gives the process's CPU time so far, ms. */
export async function settle(opts: { cpuMs?: () => number; maxMs?: number } = {}): Promise<number> {
  const cpuMs = opts.cpuMs ?? (() => {
    const u = process.cpuUsage()
    return (u.user + u.system) / 1000
  })
  const maxMs = opts.maxMs ?? SETTLE_MAX_MS
  const t0 = performance.now()
  for (;;) {
    const before = cpuMs()
    await new Promise((resolve) => setTimeout(resolve, SETTLE_AFTER_GC_MS))
    const waited = performance.now() - t0
    if (cpuMs() - before < QUIET_CPU_MS || waited >= maxMs) return waited
  }
}

/**
 * Runs `fn` `warmup` times untimed (JIT compilation, ORT session creation), then `runs` times;
 * before each timed run the garbage is collected, a memory probe starts and the process is let
 * settle until its background threads are quiet (`settle`; none of it timed). `fn` gets
 * a sampler to call from inside its loops. Returns the stats and the first timed run's result
 * (later results are dropped at once, so big outputs do not pile up).
 */
export async function measure<T>(
  runs: number, fn: (sample: () => void) => T | Promise<T>, opts: { warmup?: number; onRun?: (i: number, ms: number) => void } = {},
): Promise<{ stats: RunStats; first: T }> {
  if (runs < 1) throw new RangeError('measure needs at least one run')
  for (let i = 0; i < (opts.warmup ?? 0); i++) await fn(() => {})
  const times: number[] = []
  let peak: MemoryPeak = { rss_bytes: 0, array_buffers_bytes: 0, samples: 0 }
  let first: T | undefined
  for (let i = 0; i < runs; i++) {
    collectGarbage()
    const probe = MemoryProbe.start()
    await settle()
    const t0 = performance.now()
    const out = await fn(throttledSampler(probe))
    const ms = performance.now() - t0
    const p = probe.stop()
    times.push(ms)
    peak = {
      rss_bytes: Math.max(peak.rss_bytes, p.rss_bytes),
      array_buffers_bytes: Math.max(peak.array_buffers_bytes, p.array_buffers_bytes),
      samples: peak.samples + p.samples,
    }
    if (i === 0) first = out
    opts.onRun?.(i, ms)
  }
  return { stats: { runs_ms: times, median_ms: median(times), peak_extra: peak }, first: first as T }
}

/** Times of runs made back to back. */
export interface BackToBackStats {
  runs_ms: number[]
  median_ms: number
  min_ms: number
}

/**
 * The other regime: `runs` timed calls of `fn` in a row, with no forced collection and no settle
 * between them (after `warmup` untimed calls), as a caller querying in a tight loop sees them:
 * threads that spin-wait after a call (OpenBLAS's, or a kernel's helper) are still awake, and the
 * garbage of one run may be collected inside the next.
 */
export async function measureBackToBack(runs: number, fn: () => unknown, opts: { warmup?: number } = {}): Promise<BackToBackStats> {
  if (runs < 1) throw new RangeError('measureBackToBack needs at least one run')
  for (let i = 0; i < (opts.warmup ?? 0); i++) await fn()
  const times: number[] = []
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now()
    await fn()
    times.push(performance.now() - t0)
  }
  return { runs_ms: times, median_ms: median(times), min_ms: Math.min(...times) }
}
