import type { Io } from './io.js'

/** The signals that ask a long command to stop: Ctrl-C, and what Slurm and Kubernetes send. */
const STOP_SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const
type StopSignal = keyof typeof STOP_SIGNALS

/**
 * Turns the first SIGINT (Ctrl-C) or SIGTERM (Slurm's preemption, time limit or `scancel`,
 * `--signal`; Kubernetes deleting or evicting a pod; `kill`) into `abort.abort()` after a line on
 * stderr saying what stops when (`what`: "the current frame"); a second one of either quits at
 * once with 128 + its number (130, 143), as a shell reports a process the signal killed. Returns
 * the function that removes every listener it added (call it when the command ends).
 */
export function abortOnStopSignals(io: Io, abort: AbortController, what: string): () => void {
  const quit = (s: NodeJS.Signals) => process.exit(128 + STOP_SIGNALS[s as StopSignal])
  const first = (s: NodeJS.Signals) => {
    for (const t of Object.keys(STOP_SIGNALS) as StopSignal[]) {
      process.removeListener(t, first)
      process.once(t, quit)
    }
    const again = s === 'SIGINT' ? 'Ctrl-C again' : `a second ${s} or Ctrl-C`
    io.err(`\n${s === 'SIGINT' ? 'interrupt' : s}: stopping after ${what} (${again} to quit at once)`)
    abort.abort()
  }
  for (const s of Object.keys(STOP_SIGNALS) as StopSignal[]) process.once(s, first)
  return () => {
    for (const s of Object.keys(STOP_SIGNALS) as StopSignal[]) {
      process.removeListener(s, first)
      process.removeListener(s, quit)
    }
  }
}
