/**
 * Byte-level mutations for property-based fuzz tests (the arbitraries that generate them live in
 * the tests, with fast-check). `FUZZ_RUNS`: cases per property, a few hundred in CI, more with
 * `PLAF_FUZZ_RUNS=<n>`. The seed is fixed (1) so CI is reproducible; `PLAF_FUZZ_SEED=<n>` picks
 * another (or replays the one a failure printed), `PLAF_FUZZ_SEED=random` a new one each run.
 */
export const FUZZ_RUNS = Number(process.env.PLAF_FUZZ_RUNS ?? 300)
/** fast-check parameters for a fuzz property: `FUZZ_RUNS` cases and the seed (see above). */
export const fuzzParams = (): { numRuns: number; seed?: number } => {
  const seed = process.env.PLAF_FUZZ_SEED ?? '1'
  return { numRuns: FUZZ_RUNS, ...(seed === 'random' ? {} : { seed: Number(seed) }) }
}

/** One edit of a byte string; positions are taken modulo the length (or the focus window). */
export type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; byte: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; n: number }
  | { kind: 'number'; at: number; text: string }

const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0) & 0xff)

/** Applies mutations in order; `focus` limits positions to the first `focus` bytes (a header). */
export function mutate(base: Uint8Array, muts: readonly Mutation[], focus = base.length): Uint8Array {
  let b = base
  for (const m of muts) {
    const span = Math.max(1, Math.min(focus, b.length))
    const at = m.at % span
    switch (m.kind) {
      case 'flip':
        if (b.length) b = Uint8Array.from(b, (v, i) => (i === at ? v ^ (1 << m.bit) : v))
        break
      case 'set':
        if (b.length) b = Uint8Array.from(b, (v, i) => (i === at ? m.byte : v))
        break
      case 'truncate':
        b = b.slice(0, at)
        break
      case 'insert':
        b = Uint8Array.from([...b.subarray(0, at), ...m.bytes, ...b.subarray(at)])
        break
      case 'delete':
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + m.n)])
        break
      case 'number':
        b = Uint8Array.from([...b.subarray(0, at), ...latin1(m.text), ...b.subarray(at + m.text.length)])
        break
    }
  }
  return b
}
