import { PlafError, diagnostic } from '../diagnostics.js'

/** Where a guarded call runs, for its messages. */
export interface CallSite {
  stage: string
  plugin: string
  frame?: string
}

/** `runtime.stage_timeout`'s default, in milliseconds (30 minutes). */
export const DEFAULT_STAGE_TIMEOUT_MS = 1_800_000

const pending = new Set<() => void>()
const onBeforeExit = (): void => {
  // the event loop ran dry while stage calls were pending: their promises can never settle
  for (const stalled of [...pending]) stalled()
}

/**
 * Awaits a stage call with a deadline. After `timeoutMs` it fails with PLAF_STAGE_TIMEOUT; if the
 * event loop runs dry first (the plugin's promise can never settle: nothing is left to run), it
 * fails at once with PLAF_STAGE_STALLED instead of Node's silent exit 13. The timer does not keep
 * the process alive by itself. A call that settles in time is returned unchanged. Messages name
 * no stage: the runtime's wrapError prefixes `stage <key> (<plugin>) frame <id>:`.
 */
export function guardCall<T>(value: T | Promise<T>, timeoutMs: number, site: CallSite): Promise<T> {
  if (!(value instanceof Promise)) return Promise.resolve(value)
  return new Promise<T>((resolve, reject) => {
    const settle = (): boolean => {
      if (!pending.delete(stalled)) return false
      clearTimeout(timer)
      if (pending.size === 0) process.off('beforeExit', onBeforeExit)
      return true
    }
    const stalled = (): void => {
      if (settle()) reject(new PlafError(diagnostic('PLAF_STAGE_STALLED', `never returned: its promise is still pending with nothing left to run (a plugin bug: a promise nobody resolves)`, { ...site, hint: 'the plugin awaits something that never happens; its author needs to know' })))
    }
    if (pending.size === 0) process.on('beforeExit', onBeforeExit)
    pending.add(stalled)
    // settle() reads `timer` only from callbacks, which run after this line
    const timer: NodeJS.Timeout = setTimeout(() => {
      if (settle()) reject(new PlafError(diagnostic('PLAF_STAGE_TIMEOUT', `did not return within ${timeoutMs / 1000} s (runtime.stage_timeout)`, { ...site, hint: 'raise runtime.stage_timeout for slow models on this machine, or look at what the stage waits for' })))
    }, timeoutMs)
    timer.unref()
    value.then((v) => void (settle() && resolve(v)), (e: unknown) => void (settle() && reject(e)))
  })
}
