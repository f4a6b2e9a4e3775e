import type { ResolvedPipeline } from './resolve.js'

/** One variant of a sweep: its name (used as sub-directory) and its `--set` overrides. */
export interface SweepVariant {
  name: string
  overrides: string[]
}

const short = (path: string): string => path.split('.').filter((s) => s !== 'stages' && s !== 'with').join('.')
const slug = (v: unknown): string => String(typeof v === 'object' ? JSON.stringify(v) : v).replace(/[^A-Za-z0-9._-]+/g, '_')

function matches(combo: Record<string, unknown>, pattern: Record<string, unknown>): boolean {
  return Object.entries(pattern).every(([k, v]) => JSON.stringify(combo[k]) === JSON.stringify(v))
}

/** Expands `sweep:` into variants: the cartesian product of `matrix`, minus `exclude`, plus `include`. */
export function expandSweep(sweep: NonNullable<ResolvedPipeline['sweep']>): SweepVariant[] {
  let combos: Record<string, unknown>[] = [{}]
  for (const [path, values] of Object.entries(sweep.matrix)) {
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [path]: v })))
  }
  combos = combos.filter((c) => !(sweep.exclude ?? []).some((x) => matches(c, x)))
  for (const inc of sweep.include ?? []) if (!combos.some((c) => matches(c, inc) && matches(inc, c))) combos.push(inc)
  return combos.map((c) => ({
    name: Object.entries(c).map(([k, v]) => `${short(k)}=${slug(v)}`).join(',') || 'base',
    overrides: Object.entries(c).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`),
  }))
}
