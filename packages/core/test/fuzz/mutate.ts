import fc from 'fast-check'
import { mutationArb } from '../../../../test/support/fuzz-edits.js'
import { mutate } from '../../src/testing/mutate.js'

export { FUZZ_RUNS, fuzzParams, mutate } from '../../src/testing/mutate.js'
export { mutationArb }

/** A base input and 1–4 mutations of it, focused on its first `focus(base)` bytes half of the time. */
export function mutatedArb(bases: readonly Uint8Array[], focus: (b: Uint8Array) => number): fc.Arbitrary<Uint8Array> {
  return fc.tuple(fc.constantFrom(...bases), fc.array(mutationArb(), { minLength: 1, maxLength: 4 }), fc.boolean())
    .map(([b, muts, header]) => mutate(b, muts, header ? focus(b) : b.length))
}
