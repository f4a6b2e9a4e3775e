import { beforeEach } from 'vitest'

// Tests that time the code (a bound, or a printed figure on a full-size frame) are skipped in
// mutation runs: instrumented code is several times slower, so a time bound would fail without a
// mutant (Stryker refuses to start) or "kill" every mutant it covers, and the full-size benchmarks
// would run again for every mutant they cover. The behaviour they check is covered by other tests.
const TIMED = [
  'decodes a 1M-point cloud quickly',
  'prints the time of a 968×1296 frame',
  'prints the time to lift 10 frames',
  'segments a 1296×968 frame (ScanNet colour size) in reasonable time',
]

beforeEach((ctx) => {
  if (TIMED.some((name) => ctx.task.name.startsWith(name))) ctx.skip()
})
