/**
 * fast-check arbitraries for the fuzz tests of several packages (test-only: `@plaf/core/testing`
 * ships the edits they generate, `mutate` and `mutatePng`, but not fast-check). A package's spec
 * tsconfig lists this file in its `include` to import it.
 */
import fc from 'fast-check'
import { PNG_EXTREMES, type Mutation, type PngEdit } from '@plaf/core/testing'

/** Byte edits that break any file: flip a bit, set a byte, truncate, insert or delete bytes. */
export const byteEditArbs = [
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 12 }) }),
] as const

/** Texts the `number` edit writes by default: huge counts, shapes and lengths, and non-numbers. */
export const NUMBER_TEXTS = ['0', '-1', '1e9', '4294967296', '99999999999999', '1.5', 'nan', '-', '18446744073709551615'] as const

/** Edits that break binary and text formats alike; the `number` edit writes one of `numbers`. */
export function mutationArb(numbers: readonly string[] = NUMBER_TEXTS): fc.Arbitrary<Mutation> {
  return fc.oneof(...byteEditArbs, fc.record({ kind: fc.constant('number' as const), at: fc.nat(), text: fc.constantFrom(...numbers) }))
}

/** PNG edits (`mutatePng`): a big-endian u32 of `PNG_EXTREMES` over a chunk length or IHDR size, or a byte edit. */
export const pngEditArb: fc.Arbitrary<PngEdit> = fc.oneof(fc.record({ kind: fc.constant('u32' as const), at: fc.nat(), value: fc.constantFrom(...PNG_EXTREMES) }), ...byteEditArbs)
