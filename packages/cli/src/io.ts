import { PlafError, fsErrorDiagnostic, type Diagnostic } from '@plaf/core'
import { formatDiagnostic, formatDiagnostics } from './render.js'

/** Where a command writes; tests pass their own. */
export interface Io {
  out(text: string): void
  err(text: string): void
  /** Progress output stream (stderr by default). */
  progressStream?: NodeJS.WriteStream
}

/** Streams whose reader has gone (EPIPE: `plaf query … | head`): later writes to them are dropped. */
const closed = new WeakSet<NodeJS.WritableStream>()
const watched = new WeakSet<NodeJS.WritableStream>()

/**
 * Writes a line to a process stream. A reader that closes the pipe early is the user's choice, not
 * a failure: the command finishes its work (its files are still written) and prints nothing more,
 * instead of dying on an unhandled EPIPE error. Other stream errors are rethrown.
 */
export function writeLine(stream: NodeJS.WritableStream, t: string): void {
  if (!watched.has(stream)) {
    watched.add(stream)
    stream.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE') throw e
      closed.add(stream)
    })
  }
  if (!closed.has(stream)) stream.write(t.endsWith('\n') ? t : t + '\n')
}

/** The process's own streams. */
export const processIo: Io = {
  out: (t) => writeLine(process.stdout, t),
  err: (t) => writeLine(process.stderr, t),
}

/** Exit codes: 0 ok, 1 user error (bad pipeline, bad input), 2 internal error (a bug of plaf or of a plugin). */
export const EXIT = { ok: 0, user: 1, internal: 2 } as const

/** Prints diagnostics (text or JSON) to stderr. */
export function printDiagnostics(io: Io, list: Diagnostic[], json = false): void {
  if (!list.length) return
  if (json) io.err(JSON.stringify(list.map(({ cause: _c, ...d }) => d), null, 2))
  else io.err(formatDiagnostics(list))
}

/** The `at …` lines of an error's stack, at most `max` (enough to show the plugin's file:line and its caller). */
function stackFrames(err: Error, max = 12): string {
  const frames = (err.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l))
  return [...frames.slice(0, max), ...(frames.length > max ? [`    … ${frames.length - max} more`] : [])].join('\n') || '    (no stack)'
}

/** Maps a thrown value to an exit code, printing it. */
export function reportError(io: Io, e: unknown): number {
  if (e instanceof PlafError) {
    io.err(e.diagnostics.map(formatDiagnostic).join('\n\n'))
    // a stage that threw something other than a PlafError: a bug (of that plugin), so its stack and exit 2
    const bug = e.diagnostics.find((d) => d.code === 'PLAF_STAGE_FAILED' && d.cause instanceof Error && !(d.cause instanceof PlafError))
    if (bug) {
      io.err(`stack of the error (${bug.plugin ? `plugin ${bug.plugin}` : 'a plugin'}):\n${stackFrames(bug.cause as Error)}`)
      return EXIT.internal
    }
    return e.diagnostics.some((d) => d.code === 'PLAF_INTERNAL') ? EXIT.internal : EXIT.user
  }
  // a full disk, a read-only or forbidden location, a file in the way: the user's to fix, not a bug
  const fsError = fsErrorDiagnostic(e)
  if (fsError) {
    io.err(formatDiagnostic(fsError))
    return EXIT.user
  }
  const err = e as Error
  io.err(`internal error: ${err?.stack ?? String(e)}\nThis is a bug in plaf; please report it with the command you ran.`)
  return EXIT.internal
}
