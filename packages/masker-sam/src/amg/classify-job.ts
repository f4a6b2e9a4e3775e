import { readFileSync } from 'node:fs'
import { KernelArena } from './exact-kernel.js'
import { RunClassifier, type Cutoffs } from './logit-runs.js'
import type { UpsamplePlan } from './upsample.js'
import { LogitUpsampler } from './upsample-window.js'

/** What classifying one logit plane gives: `RunClassifier`'s counts, box and a copy of its runs. */
export interface PlaneResult {
  inter: number
  union: number
  area: number
  box: [x0: number, y0: number, x1: number, y1: number] | null
  /** (y, x0, x1) triples, x1 exclusive; empty when no pixel is above t. */
  runs: Int32Array
}

/**
 * One batch of planes to classify, shared by the main thread and the classifier workers:
 * `count` planes of `stride` floats from float `at` of `data` (each the first `usedH` rows of an
 * lh×lw plane, row stride lw), taken in turn through the atomic counter `next[0]`. Without `data`,
 * the planes are in the memory of the classifiers' `KernelArena` (each thread views its own).
 */
export interface ClassifyJob {
  data?: Float32Array
  at: number
  stride: number
  count: number
  next: Int32Array
  /** Planes of `data` filled so far, when it is being filled while the job runs (plane i is read once ready[0] > i). */
  ready?: Int32Array
  /**
   * Where plane i starts in `data` (floats), when the planes are read where the decoder put them
   * (`data` on a SharedArrayBuffer, planes lh×lw apart, some skipped) instead of at `at + i·stride`.
   * Each thread then copies the plane it takes into its own kernel's memory, as one thread does.
   */
  offsets?: Int32Array
  lh: number
  lw: number
  plan: UpsamplePlan
  cut: Cutoffs
}

/** A plane whose read part holds a NaN or ±Infinity: its index in the job and the value's (row, column). */
export interface NonFinitePlane {
  plane: number
  row: number
  col: number
  value: number
}

/** A RunClassifier per plane geometry, kept across jobs; its kernel in `arena` when given. */
export class ClassifierCache {
  private key = ''
  private rc: RunClassifier | undefined

  constructor(readonly arena?: KernelArena) {}

  get(lh: number, lw: number, plan: UpsamplePlan): RunClassifier {
    const key = JSON.stringify([lh, lw, plan])
    if (!this.rc || key !== this.key) {
      this.rc = new RunClassifier(new LogitUpsampler(lh, lw, plan), 2, 'auto', this.arena)
      this.key = key
    }
    return this.rc
  }
}

/** Classifies one plane at `offset` of `low`: its result (null when nothing is above the lowest cutoff), or where it is not finite. */
export function classifyPlane(rc: RunClassifier, low: Float32Array, offset: number, cut: Cutoffs): PlaneResult | null | { nonFinite: number } {
  const c = rc.classify(low, cut, offset)
  if (rc.nonFinite >= 0) return { nonFinite: rc.nonFinite - offset }
  if (!c) return null
  return { inter: c.inter, union: c.union, area: c.area, box: c.box ? [...c.box] : null, runs: c.runs.slice(0, 3 * c.count) }
}

/**
 * Takes planes of `job` through its counter until none is left, classifying each into
 * `out[plane]`. Returns the first plane found not finite (the caller refuses the batch), or null.
 */
export function drainJob(job: ClassifyJob, rc: RunClassifier, out: (PlaneResult | null)[] | Map<number, PlaneResult | null>, arena?: KernelArena): NonFinitePlane | null {
  let bad: NonFinitePlane | null = null
  const ready = job.ready
  // A view of the arena made now (the memory may have grown since the job was posted).
  let data = job.data ?? new Float32Array(arena!.memory.buffer)
  for (let i = Atomics.add(job.next, 0, 1); i < job.count; i = Atomics.add(job.next, 0, 1)) {
    if (ready) for (let r = Atomics.load(ready, 0); r <= i; r = Atomics.load(ready, 0)) Atomics.wait(ready, 0, r)
    const offset = job.offsets ? job.offsets[i]! : job.at + i * job.stride
    if (!job.offsets && offset + job.stride > data.length) data = new Float32Array(arena!.memory.buffer)
    const r = classifyPlane(rc, data, offset, job.cut)
    if (r && 'nonFinite' in r) {
      const at = r.nonFinite
      if (!bad || i < bad.plane) bad = { plane: i, row: Math.floor(at / job.lw), col: at % job.lw, value: data[offset + at]! }
      continue
    }
    if (out instanceof Map) out.set(i, r)
    else out[i] = r
  }
  return bad
}

/**
 * This thread's CPU time in ms (user + system, from /proc/thread-self/stat on Linux; NaN
 * elsewhere). For the benchmark's CPU accounting of the classifier threads.
 */
export function threadCpuMs(): number {
  try {
    const stat = readFileSync('/proc/thread-self/stat', 'utf8')
    // Fields after the parenthesised name: state is field 3, utime 14, stime 15 (clock ticks, 100 Hz).
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return ((Number(rest[11]) + Number(rest[12])) * 1000) / 100
  } catch {
    return NaN
  }
}
