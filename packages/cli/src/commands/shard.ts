/**
 * `plaf run --shard i/n`: one of n workers. Frames are cut into chunks of `chunk` consecutive
 * frames (chunk k holds frames k·chunk … (k+1)·chunk − 1 of the input's sequence, after its own
 * frame_step / limits); shard i processes the chunks k with k mod n = i, in order, into a partial
 * map (`plaf merge` fuses the partial maps). With `--scenes list.txt` the work items are the
 * listed scenes instead: shard i runs the scenes at positions j (0-based, in list order) with
 * j mod n = i, each into its own run directory.
 */
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import {
  diagnostic, encodeNpy, flagOrigin, PlafError, SHARD_RECORD, writeFileAtomic, writeJsonAtomic, type Diagnostic, type Frame, type InputPlugin, type InputSource, type ListedScene, type NpyArray, type ResolvedPipeline, type StagePlugin,
} from '@plaf/core'
import { KEEP_MASKS, type MaskObservations } from '@plaf/lifter'

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
   * The partial map's mask observations (paths relative to the run directory), or null when the
   * run has no backproject lifter / index-reference map. `plaf merge` replays them frame by frame.
   * `masks`: (M, 2) uint32, per mask (in frame order) its frame position in the whole sequence and
   * its sample count; `features`: (M, D) float32, its feature row; `samples`: (S, 3) uint32
   * (mask, point, count) rows, `count` samples of mask `mask` fell in the partial map's point
   * `point`, grouped by frame; `keys`: (N, 3) int32, each point's voxel key round(p / voxel_size).
   */
  masks?: MaskFiles | null
}

/** The files of the mask sidecar, relative to the run directory. */
export interface MaskFiles {
  masks: string
  features: string
  samples: string
  keys: string
}

/** File names of the mask sidecar, beside the partial map's map.ply. */
export const MASK_FILES = { masks: 'masks.npy', features: 'mask-features.npy', samples: 'mask-samples.npy', keys: 'voxel-keys.npy' } as const

/** The sidecar's arrays for a builder's observations; `position(f)` is frame f's place in the whole sequence. */
export function encodeMasks(o: MaskObservations, position: (f: number) => number): Record<keyof MaskFiles, Uint8Array> {
  const m = o.frames.length
  const masks = new Uint32Array(2 * m)
  for (let i = 0; i < m; i++) {
    masks[2 * i] = position(o.frames[i])
    masks[2 * i + 1] = o.sizes[i]
  }
  const d = m ? o.features.length / m : 0
  return {
    masks: encodeNpy({ data: masks, shape: [m, 2], dtype: '<u4' }),
    features: encodeNpy({ data: o.features, shape: [m, d], dtype: '<f4' }),
    samples: encodeNpy({ data: o.pairs, shape: [o.pairs.length / 3, 3], dtype: '<u4' }),
    keys: encodeNpy({ data: o.keys, shape: [o.keys.length / 3, 3], dtype: '<i4' }),
  }
}

/**
 * Reads the sidecar back (files named by `files`, absolute): a missing file, or an array of another
 * shape or type, is a PLAF_FILE_NOT_FOUND / PLAF_INPUT_INVALID naming the file. Frame positions
 * come back as the frames (frameIds are their decimal positions).
 */
export function decodeMasks(files: Record<keyof MaskFiles, string>, read: (file: string) => NpyArray): MaskObservations {
  const want = (k: keyof MaskFiles, cols: number | null, type: 'uint32' | 'float32' | 'int32'): NpyArray => {
    const file = files[k]
    if (!existsSync(file)) throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `${file} is missing (named by shard.json)`, { file, hint: 're-run the shard with plaf run … --shard i/n' }))
    const a = read(file)
    const ctor = { uint32: Uint32Array, float32: Float32Array, int32: Int32Array }[type]
    if (a.shape.length !== 2 || (cols !== null && a.shape[1] !== cols) || !(a.data instanceof ctor)) {
      throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `${file}: expected a (K, ${cols ?? 'D'}) ${type} array, got ${a.dtype} ${JSON.stringify(a.shape)}`, { file }))
    }
    return a
  }
  const masks = want('masks', 2, 'uint32')
  const features = want('features', null, 'float32')
  const samples = want('samples', 3, 'uint32')
  const keys = want('keys', 3, 'int32')
  const m = masks.shape[0]
  if (features.shape[0] !== m) throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `${files.features}: ${features.shape[0]} feature rows for the ${m} masks of ${files.masks}`, { file: files.features }))
  const md = masks.data as Uint32Array
  const frames = new Uint32Array(m)
  const sizes = new Uint32Array(m)
  const ids: string[] = []
  for (let i = 0; i < m; i++) {
    if (i === 0 || md[2 * i] !== md[2 * i - 2]) {
      if (i > 0 && md[2 * i] < md[2 * i - 2]) throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `${files.masks}: mask ${i} is of frame ${md[2 * i]}, after frame ${md[2 * i - 2]} (masks must be in frame order)`, { file: files.masks }))
      ids.push(String(md[2 * i]))
    }
    frames[i] = ids.length - 1
    sizes[i] = md[2 * i + 1]
  }
  const pairs = samples.data as Uint32Array
  for (let k = 0; k < samples.shape[0]; k++) {
    if (pairs[3 * k] >= m) throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `${files.samples}: row ${k} is for mask ${pairs[3 * k]} but ${files.masks} has ${m} masks`, { file: files.samples }))
  }
  return { frameIds: ids, frames, sizes, features: features.data as Float32Array, pairs, keys: keys.data as Int32Array }
}

/** shard.json: core's name for it, where `plaf eval`, `plaf query` and `plaf view` read it (`partialRun`). */
export const SHARD_FILE = SHARD_RECORD

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
function shardSource(source: InputSource, s: ShardSpec, yielded?: (id: string, position: number) => void): InputSource {
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
        if (inShard(j, s)) {
          yielded?.(f.id, j)
          yield f
        }
        j++
      }
    },
    dispose: () => source.dispose?.(),
  }
}

/**
 * What a shard that receives no frame is told, plainly: which shard, how the frames were cut, how
 * many the input has, and the --shard-chunk that gives every shard frames (null when it has frames).
 */
export function emptyShardMessage(total: number, s: ShardSpec): Diagnostic | null {
  if (shardPositions(total, s).length) return null
  const chunks = Math.ceil(total / s.chunk)
  const fit = Math.max(1, Math.floor(total / s.count))
  const cut = `the input has ${total} frame${total === 1 ? '' : 's'}, which make${chunks === 1 ? 's' : ''} ${chunks} chunk${chunks === 1 ? '' : 's'} of ${s.chunk} frames (--shard-chunk ${s.chunk}), and chunk k goes to shard k mod ${s.count}`
  return {
    code: 'PLAF_EMPTY_RESULT', severity: 'warning',
    message: `shard ${s.index}/${s.count} received no frames: ${cut}; its partial map is empty (plaf merge accepts it)`,
    hint: total >= s.count ? `to give every shard frames, use a smaller chunk: --shard-chunk ${fit}${fit > 1 ? ' or less' : ''}` : `the input has fewer frames than there are shards: use at most ${total} shards`,
  }
}

/**
 * The pipeline with its input restricted to the shard's frames; `record()` gives the shard.json
 * content once the run has read them; `onOpen(total)` is told the whole input's frame count when it opens.
 */
export function shardPipeline(p: ResolvedPipeline, s: ShardSpec, onOpen?: (total: number) => void): { pipeline: ResolvedPipeline; record(runDir: string): ShardRecord | null } {
  let whole: InputSource | null = null
  // The backproject lifter keeps every frame's masks; they go beside the index-reference map.
  let masks: MaskObservations | null = null
  // frame id → position in the whole sequence, as the shard's source yields them
  const positions = new Map<string, number>()
  const storage = p.stages.find((st) => st.use === 'index-reference')
  const stages = p.stages.map((st) => {
    if (st.use !== 'backproject' || !storage) return st
    const lifter: StagePlugin = {
      ...st.plugin,
      async create(options, ctx) {
        const inst = await st.plugin.create({ ...options, [KEEP_MASKS]: true }, ctx)
        return {
          ...inst,
          run: inst.run.bind(inst),
          dispose: inst.dispose?.bind(inst),
          async finish(inputs, rc) {
            const out = (await inst.finish?.(inputs, rc)) ?? {}
            masks = (out.map as { masks?: MaskObservations } | undefined)?.masks ?? null
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
      onOpen?.(whole.frameCount)
      return shardSource(whole, s, (id, j) => positions.set(id, j))
    },
  }
  return {
    pipeline: { ...p, input: { ...p.input, plugin }, stages },
    record: (runDir: string): ShardRecord | null => {
      if (!whole) return null
      let files: MaskFiles | null = null
      if (masks && storage) {
        const obs = masks
        const position = (f: number): number => {
          const j = positions.get(obs.frameIds[f])
          if (j === undefined) throw new Error(`shard: frame ${obs.frameIds[f]} was lifted but not read from the shard's source`)
          return j
        }
        const data = encodeMasks(obs, position)
        files = { masks: join(storage.key, MASK_FILES.masks), features: join(storage.key, MASK_FILES.features), samples: join(storage.key, MASK_FILES.samples), keys: join(storage.key, MASK_FILES.keys) }
        for (const k of Object.keys(files) as Array<keyof MaskFiles>) writeFileAtomic(resolve(runDir, files[k]), data[k])
      }
      return {
        format: 'plaf-shard', version: 1, shard: s.index, of: s.count, chunk: s.chunk,
        input_identity: whole.identity, frames_total: whole.frameCount, frames: shardPositions(whole.frameCount, s), masks: files,
      }
    },
  }
}

/** Writes shard.json into a run directory. */
export function writeShardRecord(runDir: string, r: ShardRecord): void {
  writeJsonAtomic(resolve(runDir, SHARD_FILE), r)
}

/** The scenes shard `s` runs (every n-th of the list); each runs into a directory named after the scene (names are unique: readSceneList). */
export function shardScenes(list: ListedScene[], s: Pick<ShardSpec, 'index' | 'count'>): ListedScene[] {
  return list.filter((_, j) => j % s.count === s.index)
}
