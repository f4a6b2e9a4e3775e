/**
 * Which ONNX sessions a run opened, for its manifest: `openOnnxSession` adds a record to the log of
 * the run it was called from (an `AsyncLocalStorage` context, so two runs in one process keep
 * their own lists and a session opened outside any run is recorded nowhere).
 */
import { AsyncLocalStorage } from 'node:async_hooks'
import type { OnnxDevice, OnnxProvider } from './ort-providers.js'

/** One opened session as the run manifest's `sessions` list shows it. */
export interface SessionRecord {
  /** Model path, or the name given for an in-memory model. */
  model: string
  /** The device the pipeline asked for (`runtime.device`). */
  device: OnnxDevice
  /** The execution provider the session runs on. */
  provider: OnnxProvider
  /** Providers tried or planned before it, each with why it was skipped. */
  skipped: { provider: string; reason: string }[]
  /** ONNX Runtime's thread settings: intra-op threads per operator, inter-op threads between them. */
  threads: { intra_op: number; inter_op: number }
}

const logs = new AsyncLocalStorage<SessionRecord[]>()

/** Runs `fn` with `into` as the session log: sessions opened inside it are appended there. */
export function withSessionLog<T>(into: SessionRecord[], fn: () => Promise<T>): Promise<T> {
  return logs.run(into, fn)
}

/** Adds a session to the current run's log (no-op outside `withSessionLog`). */
export function logSession(record: SessionRecord): void {
  logs.getStore()?.push(record)
}

/** `provider: reason` strings (as `OnnxSession.providerReasons` has them) split into records. */
export function skippedProviders(reasons: readonly string[]): SessionRecord['skipped'] {
  return reasons.map((r) => {
    const at = r.indexOf(': ')
    return at > 0 ? { provider: r.slice(0, at), reason: r.slice(at + 2) } : { provider: 'unknown', reason: r }
  })
}
