import { PlafError } from '@plaf/core'
import { EXIT, printDiagnostics, type Io } from './io.js'

/** Runs a command body: exit 0, or 1 with the diagnostics printed (as JSON with `json`) when it throws a PlafError. */
export async function userErrors(io: Io, json: boolean | undefined, body: () => Promise<void>): Promise<number> {
  try {
    await body()
    return EXIT.ok
  } catch (e) {
    if (e instanceof PlafError) {
      printDiagnostics(io, e.diagnostics, json)
      return EXIT.user
    }
    throw e
  }
}
