/** Reads index-reference directories (v1 and v2) back: `open3D`. */
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import { decodeNpy, decodePly, fail, type SemanticMap3D } from '@plaf/core'
import { readBytes, readJson, storedFile } from './files.js'
import { INDEX_REFERENCE_FILES, INDEX_REFERENCE_FORMAT, type IndexReferenceManifest } from './index-reference-format.js'
import { readPool, type PoolFiles } from './pool-files.js'

/** A stored map read back: the map, its per-point observation counts when written, and its manifest. */
export interface Opened3D {
  map: SemanticMap3D
  counts: Uint32Array | null
  manifest: IndexReferenceManifest
}

const PLY_ALIASES: Record<string, string> = { float32: 'float', uint8: 'uchar', uint16: 'ushort', uint32: 'uint', int32: 'int' }

/**
 * Opens an index-reference directory (version 1 or 2): the map with its pool widened to float32,
 * the per-point counts when stored, and the manifest. Every problem names the file.
 */
export function open3D(dir: string): Opened3D {
  const manifestPath = join(dir, INDEX_REFERENCE_FILES.manifest)
  const man = readJson(manifestPath, 'index-reference manifest') as unknown as IndexReferenceManifest
  if (man.format !== INDEX_REFERENCE_FORMAT || (man.version !== 1 && man.version !== 2)) {
    fail('PLAF_INPUT_INVALID', `${manifestPath} is not a version 1 or 2 ${INDEX_REFERENCE_FORMAT} manifest`, { file: manifestPath, expected: `format ${INDEX_REFERENCE_FORMAT}, version 1 | 2`, actual: `format ${String(man.format)}, version ${String(man.version)}` })
  }
  const v1 = man.version === 1
  // Wide refs and counts: `int32` since map.ply is Open3D-readable; `uint` in maps written before.
  const refTypes = v1 || man.ref_dtype === 'uint32' ? ['int', 'uint'] : ['ushort']
  const plyPath = storedFile(dir, man.files?.ply?.name ?? INDEX_REFERENCE_FILES.ply, manifestPath)
  const ply = decodePly(readBytes(plyPath, 'map'), plyPath)
  const want: Record<string, string[]> = { x: ['float'], y: ['float'], z: ['float'], red: ['uchar'], green: ['uchar'], blue: ['uchar'], ref: refTypes }
  if (!v1 && man.counts) want.count = ['int', 'uint']
  for (const [name, types] of Object.entries(want)) {
    const t = ply.types[name]
    if (!t || !types.includes(PLY_ALIASES[t] ?? t)) fail('PLAF_INPUT_INVALID', `${plyPath} needs vertex property ${types.map((type) => `"${type} ${name}"`).join(' or ')}, found ${t ? `"${t} ${name}"` : 'none'}`, { file: plyPath })
  }
  const poolFiles: PoolFiles = { pool: man.files?.pool ?? { name: INDEX_REFERENCE_FILES.pool, bytes: 0 }, ...(man.files?.scales ? { scales: man.files.scales } : {}) }
  const pool = readPool(dir, poolFiles, v1 ? (man.feature_dtype ?? 'float32') : man.feature_dtype, v1 ? 'npy' : man.pool_format)
  const [m, d] = pool.shape
  const n = ply.vertexCount
  const p = ply.properties
  const positions = new Float32Array(3 * n)
  const colors = new Uint8Array(3 * n)
  for (let i = 0; i < n; i++) {
    positions[3 * i] = p.x[i]
    positions[3 * i + 1] = p.y[i]
    positions[3 * i + 2] = p.z[i]
    colors[3 * i] = p.red[i]
    colors[3 * i + 1] = p.green[i]
    colors[3 * i + 2] = p.blue[i]
  }
  const rawRefs = p.ref as Uint16Array | Uint32Array | Int32Array
  for (let i = 0; i < n; i++) {
    if (rawRefs[i] < 0) fail('PLAF_INPUT_INVALID', `${plyPath}: point ${i} has the negative ref ${rawRefs[i]}`, { file: plyPath })
  }
  const refs = Uint32Array.from(rawRefs)
  for (let i = 0; i < n; i++) {
    if (refs[i] >= m) fail('PLAF_INPUT_INVALID', `${plyPath}: point ${i} references pool row ${refs[i]} but ${join(dir, poolFiles.pool.name)} has ${m} rows`, { file: plyPath })
  }
  if (!v1 && man.refs_codec === 'deflate') {
    const rp = storedFile(dir, man.files.refs?.name ?? `${INDEX_REFERENCE_FILES.refs}.zlib`, manifestPath)
    let stored: Uint16Array | Uint32Array | null = null
    try {
      stored = decodeNpy(inflateSync(readBytes(rp, 'deflated refs')), rp).data as Uint16Array | Uint32Array
    } catch (e) {
      if (e instanceof Error && 'code' in e && String((e as { code: unknown }).code).startsWith('PLAF_')) throw e
      fail('PLAF_INPUT_INVALID', `${rp} is not a zlib stream of a .npy: ${(e as Error).message}`, { file: rp })
    }
    const same = stored!.length === n && stored!.every((r, i) => r === refs[i])
    if (!same) fail('PLAF_INPUT_INVALID', `${rp} disagrees with the ref column of ${plyPath}`, { file: rp })
  }
  const rawCounts = !v1 && man.counts ? (p.count as Uint32Array | Int32Array) : null
  if (rawCounts) {
    for (let i = 0; i < n; i++) {
      if (rawCounts[i] < 0) fail('PLAF_INPUT_INVALID', `${plyPath}: point ${i} has the negative observation count ${rawCounts[i]}`, { file: plyPath })
    }
  }
  const counts = rawCounts ? Uint32Array.from(rawCounts) : null
  return { map: { positions, colors, refs, pool: { data: pool.data, shape: [m, d] }, space: man.space }, counts, manifest: man }
}

/** Reads an index-reference directory back into a SemanticMap3D (pool widened to float32). */
export function readIndexReferenceMap(dir: string): SemanticMap3D {
  return open3D(dir).map
}
