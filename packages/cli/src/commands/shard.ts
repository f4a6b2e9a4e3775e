/**
 * `plaf run --shard i/n`: one of n workers. Frames are cut into chunks of `chunk` consecutive
 * frames (chunk k holds frames k·chunk … (k+1)·chunk − 1 of the input's sequence, after its own
 * frame_step / limits); shard i processes the chunks k with k mod n = i, in order, into a partial
 * map (`plaf merge` fuses the partial maps). With `--scenes list.txt` the work items are the
 * listed scenes instead: shard i runs the scenes at positions j (0-based, in list order) with
 * j mod n = i, each into its own run directory.
 */
import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import {
  diagnostic, encodeNpy, flagOrigin, PlafError, writeFileAtomic, writeJsonAtomic, type Diagnostic, type Frame, type InputPlugin, type InputSource, type NpyArray, type ResolvedPipeline, type StagePlugin,
} from '@plaf/core'
import { KEEP_VOTES, type PointVotes } from '@plaf/lifter'

/** Default frames per chunk of `--shard` (consecutive frames keep their overlap, which association needs). */
export const DEFAULT_SHARD_CHUNK = 25

/** A parsed `--shard i/n`: worker `index` (0-based, as Slurm's array index and Kubernetes' completion index) of `count`. */
export interface ShardSpec {
  index: number
  count: number
  /** Frames per chunk (frame sharding only). */
  chunk: number
}

/** What `shard.json` in a partial run directory records. */
export interface ShardRecord {
  format: 'plaf-shard'
  version: 1
  shard: number
  of: number
  chunk: number
  /** Identity of the unsharded input (the same for every shard of one scene). */
  input_identity: string
  /** Frames of the whole sequence, and the positions in it (0-based) this shard processed. */
  frames_total: number
  frames: number[]
  /**
   * The partial map's per-point votes (relative to the run directory): a (K, 3) uint32 `.npy` of
   * (point, ref, count) rows, point-major, refs into the map's pool; null when the lifter kept no
   * votes (`fusion: none`). `plaf merge` recounts majorities over them.
   */
  votes?: string | null
}

/** File name of the votes sidecar, beside the partial map's map.ply. */
export const VOTES_FILE = 'votes.npy'

/** The votes as the (K, 3) uint32 rows of the sidecar: (point, ref, count), point-major. */
export function encodeVotes(v: PointVotes): Uint8Array {
  const k = v.refs.length
  const rows = new Uint32Array(k * 3)
  for (let i = 0; i + 1 < v.offsets.length; i++) {
    for (let j = v.offsets[i]; j < v.offsets[i + 1]; j++) {
      rows[j * 3] = i
      rows[j * 3 + 1] = v.refs[j]
      rows[j * 3 + 2] = v.counts[j]
    }
  }
  return encodeNpy({ data: rows, shape: [k, 3], dtype: '<u4' })
}

/**
 * Reads the sidecar rows back into per-point lists for `points` points; rows out of point order,
 * a point beyond the map, or a shape other than (K, 3) uint32 is a PLAF_INPUT_INVALID naming the file.
 */
export function decodeVotes(rows: NpyArray, points: number, file: string): PointVotes {
  if (rows.shape.length !== 2 || rows.shape[1] !== 3 || !(rows.data instanceof Uint32Array)) {
    throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `${file}: votes must be a (K, 3) uint32 array of (point, ref, count) rows, got ${rows.dtype} ${JSON.stringify(rows.shape)}`, { file }))
  }
  const k = rows.shape[0]
  const offsets = new Uint32Array(points + 1)
  const refs = new Uint32Array(k)
  const counts = new Uint32Array(k)
  let prev = 0
  for (let j = 0; j < k; j++) {
    const i = rows.data[j * 3]
    if (i < prev || i >= points) throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `${file}: row ${j} is for point ${i}, ${i >= points ? `but the map has ${points} points` : `after point ${prev} (rows must be in point order)`}`, { file }))
    prev = i
    offsets[i + 1]++
    refs[j] = rows.data[j * 3 + 1]
    counts[j] = rows.data[j * 3 + 2]
  }
  for (let i = 0; i < points; i++) offsets[i + 1] += offsets[i]
  return { offsets, refs, counts }
}

export const SHARD_FILE = 'shard.json'

function flagError(flag: string, raw: string, message: string, expected: string): PlafError {
  const { source, column } = flagOrigin(`${flag} ${raw}`)
  return new PlafError(diagnostic('PLAF_INVALID_OPTION', message, { source, column, path: flag.replace(/^--/, ''), expected, actual: raw }))
}

/** Parses `--shard i/n` (and `--shard-chunk c`); a malformed value is a PLAF_INVALID_OPTION located at the flag. */
export function parseShard(raw: string, chunkRaw?: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(raw)
  const expected = 'i/n with integers 0 ≤ i < n (e.g. 0/4; i is 0-based like SLURM_ARRAY_TASK_ID and JOB_COMPLETION_INDEX)'
  if (!m) throw flagError('--shard', raw, `--shard must be i/n, got "${raw}"`, expected)
  const index = Number(m[1])
  const count = Number(m[2])
  if (count < 1) throw flagError('--shard', raw, `--shard ${raw}: the number of shards must be at least 1`, expected)
  if (index >= count) throw flagError('--shard', raw, `--shard ${raw}: shard index ${index} is not below the number of shards ${count} (indices are 0-based)`, expected)
  let chunk = DEFAULT_SHARD_CHUNK
  if (chunkRaw !== undefined) {
    chunk = Number(chunkRaw)
    if (!Number.isInteger(chunk) || chunk < 1) throw flagError('--shard-chunk', chunkRaw, `--shard-chunk must be a positive integer, got "${chunkRaw}"`, 'frames per chunk, an integer ≥ 1')
  }
  return { index, count, chunk }
}

/** Whether position j of the sequence belongs to the shard. */
export const inShard = (j: number, s: ShardSpec): boolean => Math.floor(j / s.chunk) % s.count === s.index

/** Positions of a sequence of `total` frames that the shard processes. */
export function shardPositions(total: number, s: ShardSpec): number[] {
  const out: number[] = []
  for (let j = 0; j < total; j++) if (inShard(j, s)) out.push(j)
  return out
}

/** A source yielding only the shard's frames; `frames(from)` counts within the shard's frames (for --resume). */
function shardSource(source: InputSource, s: ShardSpec): InputSource {
  const positions = shardPositions(source.frameCount, s)
  return {
    // The whole input's identity: stage cache keys are (identity, frame id), so a shard reuses the
    // entries an unsharded run (or another sharding) computed for the same frames.
    identity: source.identity,
    describe: `${source.describe} (shard ${s.index}/${s.count}, chunks of ${s.chunk} frames: ${positions.length} of ${source.frameCount} frames)`,
    frameCount: positions.length,
    async *frames(from = 0): AsyncIterable<Frame> {
      if (from >= positions.length) return
      let j = positions[from]
      for await (const f of source.frames(j)) {
        if (inShard(j, s)) yield f
        j++
      }
    },
    dispose: () => source.dispose?.(),
  }
}

/**
 * The pipeline with its input restricted to the shard's frames; `record()` gives the shard.json
 * content once the run has read them.
 */
export function shardPipeline(p: ResolvedPipeline, s: ShardSpec): { pipeline: ResolvedPipeline; record(runDir: string): ShardRecord | null } {
  let whole: InputSource | null = null
  // The backproject lifter keeps every point's votes; they go beside the index-reference map.
  let votes: PointVotes | null = null
  const storage = p.stages.find((st) => st.use === 'index-reference')
  const stages = p.stages.map((st) => {
    if (st.use !== 'backproject' || !storage) return st
    const lifter: StagePlugin = {
      ...st.plugin,
      async create(options, ctx) {
        const inst = await st.plugin.create({ ...options, [KEEP_VOTES]: true }, ctx)
        return {
          ...inst,
          run: inst.run.bind(inst),
          dispose: inst.dispose?.bind(inst),
          async finish(inputs, rc) {
            const out = (await inst.finish?.(inputs, rc)) ?? {}
            votes = (out.map as { votes?: PointVotes } | undefined)?.votes ?? null
            return out
          },
        }
      },
    }
    return { ...st, plugin: lifter }
  })
  const plugin: InputPlugin = {
    ...p.input.plugin,
    async create(options, ctx) {
      whole = await p.input.plugin.create(options, ctx)
      return shardSource(whole, s)
    },
  }
  return {
    pipeline: { ...p, input: { ...p.input, plugin }, stages },
    record: (runDir: string): ShardRecord | null => {
      if (!whole) return null
      let file: string | null = null
      if (votes && storage) {
        file = join(storage.key, VOTES_FILE)
        writeFileAtomic(resolve(runDir, file), encodeVotes(votes))
      }
      return {
        format: 'plaf-shard', version: 1, shard: s.index, of: s.count, chunk: s.chunk,
        input_identity: whole.identity, frames_total: whole.frameCount, frames: shardPositions(whole.frameCount, s), votes: file,
      }
    },
  }
}

/** Writes shard.json into a run directory. */
export function writeShardRecord(runDir: string, r: ShardRecord): void {
  writeJsonAtomic(resolve(runDir, SHARD_FILE), r)
}

/** One scene of a `--scenes` list, with the line it came from. */
export interface ListedScene {
  path: string
  line: number
}

/**
 * Reads a scene list: one scene path a line (relative to the list file), blank lines and `#`
 * comments ignored. A missing list, an empty one, a listed path that does not exist, or one listed
 * twice is a PLAF_INPUT_INVALID naming the file and line.
 */
export function readSceneList(file: string): ListedScene[] {
  const abs = resolve(file)
  if (!existsSync(abs)) throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `scene list ${abs} does not exist`, { file: abs }))
  const out: ListedScene[] = []
  const bad: Diagnostic[] = []
  const seen = new Map<string, number>()
  readFileSync(abs, 'utf8').split(/\r?\n/).forEach((text, i) => {
    const t = text.replace(/(^|\s)#.*$/, '').trim()
    if (!t) return
    const path = isAbsolute(t) ? t : resolve(dirname(abs), t)
    const line = i + 1
    if (!existsSync(path)) bad.push(diagnostic('PLAF_INPUT_INVALID', `scene ${t} does not exist (${path})`, { file: abs, line, column: text.indexOf(t) + 1, actual: t }))
    else if (seen.has(path)) bad.push(diagnostic('PLAF_INPUT_INVALID', `scene ${t} is listed twice (first on line ${seen.get(path)})`, { file: abs, line, column: text.indexOf(t) + 1, actual: t }))
    seen.set(path, seen.get(path) ?? line)
    out.push({ path, line })
  })
  if (bad.length) throw new PlafError(bad)
  if (!out.length) throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `scene list ${abs} lists no scene`, { file: abs, hint: 'one scene directory a line; # starts a comment' }))
  return out
}

/** The scenes shard `s` runs, and the run directory name of each (the scene's folder name, made unique). */
export function shardScenes(list: ListedScene[], s: Pick<ShardSpec, 'index' | 'count'>): Array<ListedScene & { name: string }> {
  const names = new Map<string, number>()
  const named = list.map((sc) => {
    const base = basename(sc.path)
    const k = names.get(base) ?? 0
    names.set(base, k + 1)
    return { ...sc, name: k ? `${base}-${k + 1}` : base }
  })
  return named.filter((_, j) => j % s.count === s.index)
}
