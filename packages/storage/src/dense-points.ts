import { join } from 'node:path'
import { decodeNpy, decodePly, defineStage, encodePly, fail, type OptionsSchema, type SemanticMap3D } from '@plaf/core'
import { npyFileBytes, readBytes, readJson, storedFile, writeBatch } from './files.js'
import { VERSION } from './version.js'

/** Options of `dense-points`. */
export interface DensePointsOptions {
  keep: boolean
}

/** `format` of a dense-points `map.json`. */
export const DENSE_POINTS_FORMAT = 'plaf-dense-points'
/** File names inside a dense-points directory. */
export const DENSE_POINTS_FILES = { ply: 'points.ply', features: 'features.npy', manifest: 'map.json' } as const

/** Points per chunk when streaming the N×D features. */
const CHUNK = 4096

/** Contents of a dense-points `map.json`. */
export interface DensePointsManifest {
  format: typeof DENSE_POINTS_FORMAT
  version: 1
  points: number
  feature_dim: number
  space: string
  /** Whether features.npy was written (`keep`) or only measured. */
  kept: boolean
  /** Role → { name, bytes }; features.bytes is the exact size even when not kept. */
  files: Record<string, { name: string; bytes: number }>
  /** features.npy: the semantic part, N×D float32 plus the header. */
  semantic_bytes: number
  /** points.ply + features.npy. */
  total_bytes: number
}

/**
 * Writes the official per-point layout: points.ply (x, y, z float, red, green, blue uchar) and
 * features.npy, N×D float32 with each point's own feature row (its pool row, expanded), streamed
 * in chunks so memory stays at the map plus one chunk. `keep: false` writes no features.npy and
 * records its exact size.
 */
export function writeDensePointsMap(dir: string, map: SemanticMap3D, opts: DensePointsOptions): DensePointsManifest {
  const n = map.refs.length
  const [m, d] = map.pool.shape
  for (let i = 0; i < n; i++) {
    if (map.refs[i] >= m) fail('PLAF_PORT_VALUE_INVALID', `point ${i} references pool row ${map.refs[i]} but the pool has ${m} rows`)
  }
  return writeBatch((batch) => {
    const f = DENSE_POINTS_FILES
    const files: DensePointsManifest['files'] = {}
    if (opts.keep) {
      const chunk = new Float32Array(CHUNK * d)
      files.features = {
        name: f.features,
        bytes: batch.npy(join(dir, f.features), [n, d], '<f4', (write) => {
          for (let start = 0; start < n; start += CHUNK) {
            const end = Math.min(n, start + CHUNK)
            for (let i = start, o = 0; i < end; i++) chunk.set(map.pool.data.subarray(map.refs[i] * d, map.refs[i] * d + d), (o++) * d)
            write(chunk.subarray(0, (end - start) * d))
          }
        }),
      }
    } else files.features = { name: f.features, bytes: npyFileBytes([n, d], '<f4') }
    const col = <T extends Float32Array | Uint8Array>(src: T, k: number, out: T): T => {
      for (let i = 0; i < n; i++) out[i] = src[3 * i + k]
      return out
    }
    const ply = encodePly({
      vertexCount: n,
      comments: ['PLAF-TS dense-points map v1', `features=${f.features}`, `feature_dim=${d}`],
      properties: [
        { name: 'x', type: 'float', data: col(map.positions, 0, new Float32Array(n)) },
        { name: 'y', type: 'float', data: col(map.positions, 1, new Float32Array(n)) },
        { name: 'z', type: 'float', data: col(map.positions, 2, new Float32Array(n)) },
        { name: 'red', type: 'uchar', data: col(map.colors, 0, new Uint8Array(n)) },
        { name: 'green', type: 'uchar', data: col(map.colors, 1, new Uint8Array(n)) },
        { name: 'blue', type: 'uchar', data: col(map.colors, 2, new Uint8Array(n)) },
      ],
    })
    files.ply = { name: f.ply, bytes: batch.file(join(dir, f.ply), ply) }
    const manifest: DensePointsManifest = {
      format: DENSE_POINTS_FORMAT, version: 1, points: n, feature_dim: d, space: map.space, kept: opts.keep, files,
      semantic_bytes: files.features.bytes, total_bytes: files.features.bytes + files.ply.bytes,
    }
    batch.file(join(dir, f.manifest), JSON.stringify(manifest, null, 2) + '\n')
    return manifest
  })
}

/**
 * Reads a kept dense-points directory as a SemanticMap3D whose pool is the N×D feature matrix
 * and whose refs are 0…N−1 (the dense layout has one row per point).
 */
export function readDensePointsMap(dir: string): SemanticMap3D {
  const manPath = join(dir, DENSE_POINTS_FILES.manifest)
  const man = readJson(manPath, 'dense-points manifest') as unknown as DensePointsManifest
  if (man.format !== DENSE_POINTS_FORMAT || man.version !== 1) {
    fail('PLAF_INPUT_INVALID', `${manPath} is not a version 1 ${DENSE_POINTS_FORMAT} manifest`, { file: manPath })
  }
  if (!man.kept) fail('PLAF_INPUT_INVALID', `${dir} holds no features.npy: it was stored with keep: false (measured only)`, { file: manPath, hint: 'store with keep: true to read it back' })
  const plyPath = storedFile(dir, man.files?.ply?.name, manPath)
  const ply = decodePly(readBytes(plyPath, 'points'), plyPath)
  const featPath = storedFile(dir, man.files?.features?.name, manPath)
  const feats = decodeNpy(readBytes(featPath, 'per-point features'), featPath)
  const n = ply.vertexCount
  if (feats.dtype !== '<f4' || feats.shape.length !== 2 || feats.shape[0] !== n) {
    fail('PLAF_INPUT_INVALID', `${featPath} must be ${n}×D float32 (one row per point of ${plyPath}), found ${feats.dtype} (${feats.shape.join(', ')})`, { file: featPath })
  }
  const p = ply.properties
  const positions = new Float32Array(3 * n)
  const colors = new Uint8Array(3 * n)
  const [x, y, z, r, g, b] = [p.x, p.y, p.z, p.red, p.green, p.blue]
  for (let i = 0; i < n; i++) {
    positions[3 * i] = x[i]
    positions[3 * i + 1] = y[i]
    positions[3 * i + 2] = z[i]
    colors[3 * i] = r[i]
    colors[3 * i + 1] = g[i]
    colors[3 * i + 2] = b[i]
  }
  const refs = new Uint32Array(n)
  for (let i = 0; i < n; i++) refs[i] = i
  return { positions, colors, refs, pool: { data: feats.data as Float32Array, shape: [n, feats.shape[1]] }, space: man.space }
}

const options: OptionsSchema<DensePointsOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    keep: {
      type: 'boolean', default: true,
      description: 'Write features.npy (N×D float32); false only computes its exact size (npy header + N·D·4) for the report, writing points.ply and map.json.',
    },
  },
}

/**
 * `dense-points`: the official 3D layout, for comparison: every point keeps its own D-dim float32
 * feature (features.npy, N×D) next to points.ply. Reports bytes so a run can give ratios.
 */
export const densePointsStorage = defineStage<DensePointsOptions, { map: 'SemanticMap3D' }, Record<string, never>>({
  name: 'dense-points',
  kind: 'storage3d',
  version: VERSION,
  package: '@plaf/storage',
  description: 'Baseline: stores the 3D map as the official code does, an N×D float32 per-point feature .npy next to a PLY of positions and colours.',
  options,
  inputs: { map: 'SemanticMap3D' },
  outputs: {},
  async create(opts, ctx) {
    return {
      run({ map }, rc) {
        const man = writeDensePointsMap(ctx.outDir, map, opts)
        rc.metric('bytes', man.total_bytes, 'B')
        rc.metric('dense_bytes', man.semantic_bytes, 'B')
        rc.metric('points', man.points)
        return {}
      },
      read: async () => ({ map: readDensePointsMap(ctx.outDir) }),
    }
  },
})
