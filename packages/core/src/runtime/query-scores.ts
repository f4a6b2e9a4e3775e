import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError, diagnostic } from '../diagnostics.js'

/** File name of a querier's scores, in its output directory. */
export const QUERY_SCORES_FILE = 'scores.json'

/** One query's 2D figures in `scores.json`, summed over the frames scored. */
export interface QueryScores2D {
  /** Masks scored (feature rows with a non-zero feature) and those at or above the threshold. */
  masks: number
  masks_above_threshold: number
  /** Pixels of every frame scored (H×W each) and those whose mask is at or above the threshold. */
  pixels: number
  pixels_above_threshold: number
  /** The highest-scoring mask over all frames, or null when no frame had a mask. */
  best: { frame: string; row: number; score: number } | null
}

/** One query's 3D figures in `scores.json`. */
export interface QueryScores3D {
  /** Points of the map and those whose pool row scores at or above the threshold. */
  points: number
  points_above_threshold: number
  pool_rows: number
  /** The best-scoring pool rows, best first (at least the best one when the pool has a non-zero row). */
  top_pool_rows: { row: number; score: number }[]
}

/**
 * `scores.json`: what a querier writes in its output directory when it finishes, and what
 * {@link openRun}'s `query` reads back. Scores are in the units of `mode` (raw cosines when absent);
 * a querier may write more fields.
 */
export interface QueryScores {
  /**
   * Score at or above which a mask or point counts as selected, or `auto` (the querier chose one
   * per frame and query, e.g. Otsu's; it may record them in its own files).
   */
  threshold: number | 'auto'
  /** How scores were computed (e.g. `cosine`, `softmax`, `relevancy`); absent means raw cosine. */
  mode?: string
  /** Frames whose 2D memory was scored. */
  frames: number
  /** The querier's own timings in ms (e.g. encode_queries), by name. */
  timings_ms: Record<string, number>
  /** One entry per query text, in the order given. */
  queries: { text: string; frames_2d: QueryScores2D | null; map: QueryScores3D | null }[]
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v)

/** What is wrong with a parsed scores.json for these texts, or null. */
function problem(v: unknown, texts: readonly string[]): string | null {
  if (!isObj(v)) return 'it is not a JSON object'
  if (!(isNum(v.threshold) || v.threshold === 'auto') || !isNum(v.frames)) return 'threshold must be a number or "auto" and frames a number'
  if (v.mode !== undefined && typeof v.mode !== 'string') return 'mode must be a string'
  if (!isObj(v.timings_ms)) return 'timings_ms must be an object'
  if (!Array.isArray(v.queries) || v.queries.length !== texts.length) return `it must list ${texts.length} queries`
  for (const [i, q] of v.queries.entries()) {
    if (!isObj(q) || q.text !== texts[i]) return `queries[${i}] must be the query ${JSON.stringify(texts[i])}`
    const f = q.frames_2d
    if (f !== null && !(isObj(f) && ['masks', 'masks_above_threshold', 'pixels', 'pixels_above_threshold'].every((k) => isNum(f[k])))) {
      return `queries[${i}].frames_2d must be null or hold masks, masks_above_threshold, pixels and pixels_above_threshold`
    }
    const m = q.map
    if (m !== null && !(isObj(m) && ['points', 'points_above_threshold', 'pool_rows'].every((k) => isNum(m[k])) && Array.isArray(m.top_pool_rows))) {
      return `queries[${i}].map must be null or hold points, points_above_threshold, pool_rows and top_pool_rows`
    }
  }
  return null
}

/**
 * Reads and checks the `scores.json` a querier wrote in `dir` for `texts`. A missing or malformed
 * file is the querier's fault: PlafError PLAF_PLUGIN_INVALID naming the plugin and the file.
 */
export function readQueryScores(dir: string, texts: readonly string[], plugin: string): QueryScores {
  const file = join(dir, QUERY_SCORES_FILE)
  if (!existsSync(file)) {
    throw new PlafError(diagnostic('PLAF_PLUGIN_INVALID', `querier "${plugin}" wrote no ${QUERY_SCORES_FILE} in ${dir}`, { file, plugin }))
  }
  let v: unknown
  try {
    v = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    throw new PlafError(diagnostic('PLAF_PLUGIN_INVALID', `querier "${plugin}" wrote ${file}, which is not JSON: ${(e as Error).message}`, { file, plugin, cause: e }))
  }
  const why = problem(v, texts)
  if (why) throw new PlafError(diagnostic('PLAF_PLUGIN_INVALID', `querier "${plugin}" wrote ${file}, but ${why}`, { file, plugin }))
  return v as QueryScores
}
