/** Reads index-reference directories (v1 and v2) back: `open3D`. */
import { closeSync, existsSync, openSync, readSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { inflateSync } from 'node:zlib'
import { decodeNpy, decodePly, fail, npyItemSize, parseNpyHeader, type NpyDtype, type SemanticMap3D } from '@plaf/core'
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

/** Longest .npy header numpy writes (version 1: 10 bytes + a 16-bit length; 2.0: 12 + 32-bit, never near this). */
const NPY_HEADER_READ = 10 + 0xffff

/** The header of a .npy file without reading its data (dense-points.npy can be gigabytes). */
function npyHeaderOf(path: string, size: number): ReturnType<typeof parseNpyHeader> {
  const fd = openSync(path, 'r')
  try {
    const head = new Uint8Array(Math.min(size, NPY_HEADER_READ))
    readSync(fd, head, 0, head.length, 0)
    return parseNpyHeader(head, path)
  } finally {
    closeSync(fd)
  }
}

const NPY_POOL_DTYPE = { float32: '<f4', float16: '<f2', int8: '|i1' } as const

/**
 * Checks every file map.json lists before anything is decoded: it is there, its size is the one
 * map.json recorded (a truncated or replaced file is named, with both sizes), and each `.npy`
 * has the dtype and shape the manifest implies (refs: points × ref_dtype; pool: pool_rows ×
 * feature_dim of feature_dtype; pool scales: pool_rows float32; dense-points: points ×
 * feature_dim float32), header and data adding up to the file size. Only headers are read here.
 */
function checkListedFiles(dir: string, man: IndexReferenceManifest, manifestPath: string): void {
  const files = man.files
  if (files === undefined && man.version === 1) return
  if (files === null || typeof files !== 'object' || Array.isArray(files)) fail('PLAF_INPUT_INVALID', `${manifestPath}: "files" must be an object of { name, bytes } per file`, { file: manifestPath })
  const expectNpy: Record<string, { dtype: NpyDtype; shape: number[] }> = {
    refs: { dtype: man.ref_dtype === 'uint32' ? '<u4' : '<u2', shape: [man.points] },
    ...(man.pool_format !== 'safetensors' && man.feature_dtype in NPY_POOL_DTYPE ? { pool: { dtype: NPY_POOL_DTYPE[man.feature_dtype], shape: [man.pool_rows, man.feature_dim] } } : {}),
    scales: { dtype: '<f4', shape: [man.pool_rows] },
    dense: { dtype: '<f4', shape: [man.points, man.feature_dim] },
  }
  for (const [role, entry] of Object.entries(files)) {
    const path = storedFile(dir, entry?.name, manifestPath)
    if (!existsSync(path)) fail('PLAF_FILE_NOT_FOUND', `${path} does not exist, but ${manifestPath} lists it (${role})`, { file: path })
    const size = statSync(path).size
    const recorded = entry.bytes
    if (man.version !== 1 && (typeof recorded !== 'number' || !Number.isSafeInteger(recorded) || recorded < 0)) {
      fail('PLAF_INPUT_INVALID', `${manifestPath}: files.${role}.bytes must be a byte count, got ${JSON.stringify(recorded)}`, { file: manifestPath })
    }
    if (typeof recorded === 'number' && size !== recorded) {
      fail('PLAF_INPUT_INVALID', `${path} is ${size.toLocaleString('en-US')} bytes but ${manifestPath} records ${recorded.toLocaleString('en-US')}: the file was ${size < recorded ? 'truncated' : 'changed'} after the map was written`, {
        file: path, expected: `${recorded} bytes`, actual: `${size} bytes`,
      })
    }
    const want = expectNpy[role]
    if (man.version === 1 || !want || !entry.name.endsWith('.npy')) continue
    const h = npyHeaderOf(path, size)
    if (h.dtype !== want.dtype || h.shape.length !== want.shape.length || h.shape.some((v, i) => v !== want.shape[i])) {
      fail('PLAF_INPUT_INVALID', `${path} must hold a ${want.dtype} array of shape (${want.shape.join(', ')}) (from ${manifestPath}), found ${h.dtype} (${h.shape.join(', ')})`, {
        file: path, expected: `${want.dtype} (${want.shape.join(', ')})`, actual: `${h.dtype} (${h.shape.join(', ')})`,
      })
    }
    const full = h.dataOffset + want.shape.reduce((a, b) => a * b, 1) * npyItemSize(want.dtype)
    if (size !== full) fail('PLAF_INPUT_INVALID', `${path} is ${size.toLocaleString('en-US')} bytes, its header (${want.dtype}, shape (${want.shape.join(', ')})) needs ${full.toLocaleString('en-US')}`, { file: path, expected: `${full} bytes`, actual: `${size} bytes` })
  }
  if (man.version !== 1 && !files.refs) fail('PLAF_INPUT_INVALID', `${manifestPath} lists no refs file (files.refs): a version 2 map always has one`, { file: manifestPath })
}

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
  for (const [key, value] of [['points', man.points], ['pool_rows', man.pool_rows], ['feature_dim', man.feature_dim]] as const) {
    if (!v1 && (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)) fail('PLAF_INPUT_INVALID', `${manifestPath}: "${key}" must be a non-negative integer, got ${JSON.stringify(value)}`, { file: manifestPath })
  }
  checkListedFiles(dir, man, manifestPath)
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
  if (!v1) {
    const disagree = ([['points', man.points, n, plyPath], ['pool_rows', man.pool_rows, m, join(dir, poolFiles.pool.name)], ['feature_dim', man.feature_dim, d, join(dir, poolFiles.pool.name)]] as const).find(([, said, found]) => said !== found)
    if (disagree) fail('PLAF_INPUT_INVALID', `${disagree[3]} has ${disagree[2]} ${disagree[0] === 'points' ? 'vertices' : disagree[0] === 'pool_rows' ? 'rows' : 'columns'}, ${manifestPath} says ${disagree[0]} ${disagree[1]}`, { file: disagree[3], expected: String(disagree[1]), actual: String(disagree[2]) })
  }
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
  // refs.npy is what numpy and Open3D users read (Open3D drops the PLY's ref column): it must be
  // the PLY's refs exactly. Reading it costs N × 2 (or 4) bytes next to a PLY of N × 17+, so it
  // is compared in full, not only by shape.
  if (!v1 && man.refs_codec !== 'deflate') {
    const rp = storedFile(dir, man.files.refs!.name, manifestPath)
    const stored = decodeNpy(readBytes(rp, 'refs'), rp).data as Uint16Array | Uint32Array
    let first = stored.length === n ? -1 : Math.min(stored.length, n)
    for (let i = 0; first < 0 && i < n; i++) if (stored[i] !== refs[i]) first = i
    if (first >= 0) fail('PLAF_INPUT_INVALID', `${rp} disagrees with the ref column of ${plyPath}${first < Math.min(stored.length, n) ? `: point ${first} has ref ${stored[first]} there, ${refs[first]} in the PLY` : `: ${stored.length} refs for ${n} points`}`, { file: rp })
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
