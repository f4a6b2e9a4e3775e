import { PlafError, diagnostic } from '../diagnostics.js'
import type { Origin } from '../pipeline/provenance.js'
import type { Frame } from '../ports.js'

const sameFrame = (id: string, asked: string): boolean => id === asked || (/^\d+$/.test(id) && /^\d+$/.test(asked) && BigInt(id) === BigInt(asked))

/**
 * The frame ids matching `asked` (see RunQueryOptions.frames): among the frames the 2D codec stored
 * as the run's report lists them, or (a report without per-frame metrics) from a walk over the
 * input. An unmatched id is PLAF_INVALID_OVERRIDE located at `where`.
 */
export async function pickFrames(stored: string[], source: { frames(): AsyncIterable<Frame> }, asked: readonly string[], where: string | Origin | undefined): Promise<Set<string>> {
  const ids = [...stored]
  if (!ids.length) for await (const f of source.frames()) ids.push(f.id)
  const out = new Set<string>()
  const missing = asked.filter((a) => {
    const hit = ids.filter((id) => sameFrame(id, a))
    for (const id of hit) out.add(id)
    return !hit.length
  })
  if (missing.length) {
    const loc = typeof where === 'string' || where === undefined ? { source: where } : { file: where.file, line: where.line, column: where.column }
    throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', `frames: the run stored no frame ${missing.join(', ')}`, {
      path: 'frames', expected: `frame ids the run stored (${ids.length}: ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? ', …' : ''})`, actual: missing.join(', '), ...loc,
    }))
  }
  return out
}
