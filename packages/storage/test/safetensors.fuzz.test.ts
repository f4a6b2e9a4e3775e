import fc from 'fast-check'
import { describe, it } from 'vitest'
import { PlafError } from '@plaf/core'
import { FUZZ_RUNS, fuzzParams, mutate } from '@plaf/core/testing'
import { mutationArb } from '../../../test/support/fuzz-edits.js'
import { decodeSafetensors, encodeSafetensors } from '../src/safetensors.js'

// Mutated safetensors files (issue 25 fuzzing): the reader decodes them or refuses them with
// PLAF_INPUT_INVALID naming the file; never a RangeError from a length the file claims, a
// TypeError from a header of the wrong shape, an out-of-memory abort or a hang.
// the `number` edit also writes JSON values where the header has numbers
const mutations = mutationArb(['0', '-1', '1e9', '4294967296', '99999999999999', '1.5', 'null', '[]', '{}', '"F16"', '18446744073709551615'])

const bases = [
  encodeSafetensors({ features: { dtype: 'F32', shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6]) }, ids: { dtype: 'U16', shape: [3], data: Uint16Array.from([7, 8, 9]) } }, { codec: 'fuzz' }),
  encodeSafetensors({ empty: { dtype: 'F16', shape: [0, 4], data: new Uint16Array(0) } }),
]

describe(`fuzzing the safetensors reader (${FUZZ_RUNS} mutated files; PLAF_FUZZ_RUNS for more)`, () => {
  it('decodes or refuses with PLAF_INPUT_INVALID naming the file', () => {
    // half the cases edit the JSON header only (its length is the first 8 bytes)
    const arb = fc.tuple(fc.constantFrom(...bases), fc.array(mutations, { minLength: 1, maxLength: 4 }), fc.boolean())
      .map(([b, muts, header]) => mutate(b, muts, header ? 8 + Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true)) : b.length))
    fc.assert(fc.property(arb, (bytes) => {
      try {
        decodeSafetensors(bytes, 'fuzz.safetensors')
      } catch (e) {
        if (!(e instanceof PlafError)) throw new Error(`not a PlafError on ${bytes.length} bytes: ${(e as Error)?.stack ?? String(e)}`)
        for (const d of e.diagnostics) {
          if (d.code !== 'PLAF_INPUT_INVALID' || d.file !== 'fuzz.safetensors') throw new Error(`unexpected diagnostic ${JSON.stringify(d)}`)
        }
      }
    }), fuzzParams())
  })
})
