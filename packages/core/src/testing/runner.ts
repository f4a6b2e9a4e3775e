import type * as Vitest from 'vitest'

// vitest is an optional peer of @plaf/core. It is loaded only inside a vitest run (vitest sets
// VITEST=true in its workers), where this resolves to the runner's own instance; anywhere else
// `@plaf/core/testing` and its helpers (maxAbsDiff, tempDir, mulberry32, …) import without
// loading it, and without it installed (bench code, scripts). Only the suites need it.
const vitest = process.env.VITEST ? ((await import('vitest')) as typeof Vitest) : undefined

/** vitest's `describe`, `it`, `expect`…; throws a clear error outside a vitest run. */
export function runner(): typeof Vitest {
  if (!vitest) throw new Error('the @plaf/core/testing suites run only under vitest (npm install --save-dev vitest, then npx vitest)')
  return vitest
}
