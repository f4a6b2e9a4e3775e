/**
 * A stage call's own main-thread time: the milliseconds the JavaScript thread spent running the
 * call's code, its synchronous part and every callback of the call's async context (promise
 * continuations after each `await`, timers and I/O callbacks it started), measured with
 * `async_hooks` before/after callbacks. Work of other stage calls that ran while this one awaited
 * (another frame's stage, with `runtime.frames_in_flight` > 1) is not counted, nor is waiting:
 * I/O, worker threads and native thread pools (onnxruntime's inference) run off the main thread
 * and are in the call's wall time only.
 *
 * Time is attributed to the innermost context running: a callback of call A that runs inside
 * call B's callback (a synchronous emit into another context) counts for A while it runs.
 */
import { AsyncLocalStorage, createHook } from 'node:async_hooks'
import { performance } from 'node:perf_hooks'

/** The running sum of one call's own main-thread time. */
export interface OwnClock {
  ms: number
}

const store = new AsyncLocalStorage<OwnClock>()
/** The clock of the code running now (undefined: code of no measured call), since `since`. */
let running: OwnClock | undefined
let since = 0
const stack: (OwnClock | undefined)[] = []

/** Stops the clock running, starts `next` from now. */
function switchTo(next: OwnClock | undefined): void {
  const now = performance.now()
  if (running) running.ms += now - since
  running = next
  since = now
}

const hook = createHook({
  before() {
    stack.push(running)
    switchTo(store.getStore())
  },
  after() {
    switchTo(stack.pop())
  },
})
let users = 0

/** Turns the measuring on (counted: each `start` needs its `stop`); the hooks cost a little per callback. */
export function startOwnTime(): void {
  if (users++ === 0) hook.enable()
}

/** Turns it off when the last user stops. */
export function stopOwnTime(): void {
  if (users > 0 && --users === 0) {
    hook.disable()
    stack.length = 0
    running = undefined
  }
}

/**
 * Calls `fn` in a new measured context and returns its result and the clock, which grows until
 * every callback of the call has run (read it after awaiting the result). Outside `startOwnTime`
 * only the synchronous part is measured.
 */
export function ownTimed<T>(fn: () => T): { result: T; clock: OwnClock } {
  const clock: OwnClock = { ms: 0 }
  const result = store.run(clock, () => {
    stack.push(running)
    switchTo(clock)
    try {
      return fn()
    } finally {
      switchTo(stack.pop())
    }
  })
  return { result, clock }
}
