import fc from 'fast-check'
import { mutate, type Mutation } from '../../src/testing/mutate.js'

export { FUZZ_RUNS, fuzzParams, mutate } from '../../src/testing/mutate.js'

/** Edits that break binary and text formats alike; `number` writes digits (huge counts, shapes, lengths). */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 12 }) }),
  fc.record({ kind: fc.constant('number' as const), at: fc.nat(), text: fc.constantFrom('0', '-1', '1e9', '4294967296', '99999999999999', '1.5', 'nan', '-', '18446744073709551615') }),
)

/** A base input and 1–4 mutations of it, focused on its first `focus(base)` bytes half of the time. */
export function mutatedArb(bases: readonly Uint8Array[], focus: (b: Uint8Array) => number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...bases), fc.array(mutationArb, { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([b, muts, header]) => mutate(b, muts, header ? focus(b) : b.length))
}
