/**
 * The pipelined frame loop (`runtime.frames_in_flight` > 1): up to N frames are read and not yet
 * completed at any time, so the source reads and decodes the next frame while a model runs on the
 * current one, and on each frame a stage starts as soon as the stages it reads from are done (the
 * masker beside the backbone: both read only the frame).
 *
 * Results are those of the sequential loop, byte for byte:
 * - each stage sees the frames in order, one call at a time (stage instances keep state: an
 *   aggregator, a writer), so its outputs, metrics and files are what one frame at a time gives;
 * - frames complete in order; a frame's cache writes and notes are held until it completes and then
 *   made in pipeline order, so the cache, progress.json and the report's notes are the same too;
 * - memory is bounded by N frames: frame i + N is read only after frame i completed, and a
 *   completed frame's values are dropped.
 *
 * A stage call that throws stops the run: no later frame starts another stage call, the earlier
 * frames still in flight finish and complete (as they had before it in the sequential loop), and
 * the error names its frame. A stop (signal, or a progress callback that throws) drops the frames in
 * flight without completing them. Either way the loop waits for the calls running to settle before
 * it throws, and frames never completed leave no cache entry, so `--resume` recomputes them.
 */
import type { Diagnostic } from '../diagnostics.js'
import type { Frame } from '../ports.js'
import { completeFrame, frameValues, interrupted, runStage, type Deferred, type FrameLoop, type FrameValues } from './frames.js'

/** One frame in flight: its values, one task per stage, and what waits for it to complete. */
interface Job {
  seq: number
  frame: Frame
  fv: FrameValues
  /** Per stage: resolves true when the call ran, false when it was skipped (never rejects). */
  tasks: Promise<boolean>[]
  deferred: Deferred[]
  /** Per stage: what the call threw. */
  errors: (unknown | undefined)[]
  settled: Promise<unknown>
  /** What reading this frame threw (the frames before it still complete first). */
  readError?: unknown
  /** Notes the input made while reading this frame, recorded when the frame before it completes. */
  readNotes: Diagnostic[]
}

/** For each frame stage, the indices of the earlier frame stages whose frame-scoped outputs it reads. */
function dependencies(loop: FrameLoop): number[][] {
  const index = new Map(loop.stages.map((o, i) => [o.stage.key, i]))
  return loop.stages.map(({ stage }) => [...new Set(Object.values(stage.wiring).map((src) => index.get(src.stage)).filter((i): i is number => i !== undefined))])
}

/** Runs the frame loop with `loop.framesInFlight` frames in flight; see the module comment. */
export async function runPipelined(loop: FrameLoop): Promise<void> {
  const limit = Math.max(1, loop.framesInFlight ?? 2)
  const deps = dependencies(loop)
  // the previous frame's task of each stage: a stage's calls run one at a time, in frame order
  const tails: Promise<unknown>[] = loop.stages.map(() => Promise.resolve())
  // frames from this sequence number on start no further stage call
  let stopAt = Infinity

  const start = (frame: Frame, seq: number): Job => {
    const job: Job = { seq, frame, fv: frameValues(loop, frame), tasks: [], deferred: [], errors: [], settled: Promise.resolve(), readNotes: [] }
    loop.stages.forEach((open, s) => {
      const defer: Deferred = { notes: [], writes: [] }
      job.deferred.push(defer)
      const task = Promise.all([tails[s], ...deps[s].map((d) => job.tasks[d])]).then(async ([, ...upstream]) => {
        if (seq >= stopAt || upstream.some((ok) => !ok)) return false
        try {
          await runStage(loop, open, frame, job.fv, defer)
          return true
        } catch (e) {
          job.errors[s] = e
          stopAt = Math.min(stopAt, seq)
          return false
        }
      })
      tails[s] = task
      job.tasks.push(task)
    })
    job.settled = Promise.all(job.tasks)
    return job
  }

  // a completed frame's held side effects in pipeline order; of a failed one, those of the stages
  // before the failed stage (what the sequential loop would have done)
  const release = (job: Job, upTo = job.deferred.length): void => {
    for (const d of job.readNotes) loop.notes?.emit(d)
    job.readNotes = []
    for (const d of job.deferred.slice(0, upTo)) {
      for (const w of d.writes) w()
      for (const n of d.notes) n()
    }
  }
  const aborted = (): boolean => loop.signal?.aborted === true

  const frames = loop.source.frames()[Symbol.asyncIterator]()
  const window: Job[] = []
  let seq = 0
  let exhausted = false
  // notes held while reading past the last frame: recorded after it completed
  const trailing: Diagnostic[] = []
  try {
    for (;;) {
      while (!exhausted && window.length < limit && stopAt === Infinity && !aborted()) {
        // the sequential loop records what the input says while reading a frame after the frame
        // before it completed: hold it until then (only while other frames are in flight)
        const ahead = window.length > 0
        if (ahead) loop.notes?.hold()
        try {
          const next = await frames.next()
          if (next.done) exhausted = true
          else window.push(start(next.value, seq++))
        } catch (e) {
          exhausted = true
          window.push({ seq: seq++, readError: e, readNotes: [] } as unknown as Job)
        }
        const held = ahead ? (loop.notes?.take() ?? []) : []
        // a frame read, or a read that failed: its own notes; the end of the frames: the last frame's
        if (!exhausted || window.at(-1)?.readError !== undefined) window.at(-1)!.readNotes.push(...held)
        else trailing.push(...held)
      }
      const job = window.shift()
      if (!job) {
        if (exhausted) {
          for (const d of trailing) loop.notes?.emit(d)
          break
        }
        // stopped with nothing in flight: like the sequential loop, an interrupt only if a frame is left
        if ((await frames.next()).done) break
        throw interrupted(loop)
      }
      if (job.readError !== undefined) {
        release(job, 0)
        throw job.readError
      }
      if (aborted()) throw interrupted(loop)
      await job.settled
      const failed = job.errors.findIndex((e) => e !== undefined)
      if (failed >= 0) {
        release(job, failed)
        throw job.errors[failed]
      }
      release(job)
      completeFrame(loop, job.frame)
    }
  } finally {
    stopAt = -Infinity
    await Promise.all(window.map((j) => j.settled ?? Promise.resolve()))
    await frames.return?.()
  }
}
