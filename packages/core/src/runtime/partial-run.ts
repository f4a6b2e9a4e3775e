/**
 * Whether a finished run holds only part of its input's frames: a `plaf run --shard i/n`
 * directory, or a `plaf merge` that left shards out. `plaf eval` refuses such a run as the scene's
 * (eval's `openEvalRun`); `plaf query` and `plaf view` open it with a warning ({@link partialRunWarning}).
 */
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { diagnostic, type Diagnostic } from '../diagnostics.js'
import { readJsonFile } from '../util/read-json.js'

/** The file `plaf run --shard i/n` writes into a partial run directory (the fields read here). */
export const SHARD_RECORD = 'shard.json'

/** What makes a run directory hold only part of its input's frames: a shard, or a merge that left shards out. */
export interface PartialRun {
  /** `shard`: a `plaf run --shard i/n` directory (the whole run is another, merged, directory); `merge`: a `plaf merge` that left shards out. */
  kind: 'shard' | 'merge'
  /** E.g. `shard 1/3 of a sharded run (plaf run --shard 1/3, chunks of 2 frames)` or `a plaf merge of shards 0/3, 1/3 only (shard 2/3 left out)`. */
  what: string
  /** Frames the run's map (or 2D memories) holds, and frames of the whole input. */
  frames: number
  total: number
  /** The file that says so (shard.json, or manifest.json's `merged`). */
  file: string
  /** The merge that makes the whole run, e.g. `merge the run's 3 shards first: plaf merge <the 3 shard dirs> --out <merged dir>`. */
  merge: string
}

/**
 * Whether a run directory holds only some of its input's frames: a `plaf run --shard i/n` partial
 * (its shard.json lists fewer frames than the input has), or a `plaf merge` output whose
 * manifest's `merged.shards` do not cover every frame. Null for a whole run (also a shard that
 * got every frame, e.g. `--shard 0/1`). `manifest` is the run's parsed manifest.json. A
 * shard.json that is not JSON is a PLAF_INPUT_INVALID error naming it.
 */
export function partialRun(dir: string, manifest: any): PartialRun | null {
  const shardFile = join(dir, SHARD_RECORD)
  if (existsSync(shardFile)) {
    const r = readJsonFile(shardFile) as { shard?: unknown; of?: unknown; chunk?: unknown; frames?: unknown; frames_total?: unknown }
    const frames = Array.isArray(r.frames) ? r.frames.length : NaN
    const total = typeof r.frames_total === 'number' ? r.frames_total : NaN
    if (!(frames >= total)) {
      return {
        kind: 'shard',
        what: `shard ${r.shard}/${r.of} of a sharded run (plaf run --shard ${r.shard}/${r.of}${typeof r.chunk === 'number' ? `, chunks of ${r.chunk} frames` : ''})`,
        frames, total, file: shardFile,
        merge: `merge the run's ${r.of} shards first: plaf merge <the ${r.of} shard dirs> --out <merged dir>`,
      }
    }
    return null
  }
  const merged = manifest?.merged as { shards?: Array<{ shard?: unknown; frames?: unknown }> } | undefined
  const total = manifest?.input?.frames
  if (!merged || !Array.isArray(merged.shards) || typeof total !== 'number') return null
  // a partial that was not sharded (frames null) held every frame
  if (merged.shards.some((x) => !Array.isArray(x.frames))) return null
  const held = new Set(merged.shards.flatMap((x) => x.frames as number[]))
  if (held.size >= total) return null
  const names = merged.shards.map((x) => String(x.shard)).join(', ')
  const of = Number(String(merged.shards[0]?.shard ?? '').split('/')[1])
  const missing = of > 0 ? Array.from({ length: of }, (_, i) => `${i}/${of}`).filter((x) => !merged.shards!.some((y) => y.shard === x)) : []
  return {
    kind: 'merge',
    what: `a plaf merge of shards ${names} only${missing.length ? ` (shard${missing.length === 1 ? '' : 's'} ${missing.join(', ')} left out)` : ''}`,
    frames: held.size, total, file: join(dir, 'manifest.json'),
    merge: `merge every shard of the run: plaf merge <the ${of > 0 ? `${of} ` : ''}shard dirs> --out <merged dir>`,
  }
}

/**
 * What `plaf query` and `plaf view` say about a run holding only part of its input
 * ({@link partialRun}): a PLAF_INPUT_INVALID warning, located at shard.json (or the manifest),
 * that the results cover only the frames it holds, with the merge that makes the whole run.
 * `name` is how the message names the run (its directory as given).
 */
export function partialRunWarning(name: string, p: PartialRun): Diagnostic {
  return diagnostic('PLAF_INPUT_INVALID', `${name} is ${p.what}: it holds ${p.frames} of the input's ${p.total} frames; query results cover only those frames`, {
    severity: 'warning', file: p.file, path: 'run', expected: `a run of all ${p.total} frames`, actual: `${p.frames} of ${p.total} frames`,
    hint: `to query the whole input, ${p.merge}, then query or view ${p.kind === 'shard' ? 'the merged run' : 'that run'}`,
  })
}
