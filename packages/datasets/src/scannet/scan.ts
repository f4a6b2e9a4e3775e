import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { PlafError, decodePly, fail, type PluginNote } from '@plaf/core'
import { parseLabelsTsv, parseMetadata, parseNumberToken, type LabelsTsvRow } from './text.js'

/**
 * ScanNet's per-scan files besides the frames: the `_vh_clean_2.ply` mesh (vertices, colours,
 * triangles), `_vh_clean_2.labels.ply` (the same with a NYU40 `label` per vertex), the labels TSV
 * and the `axisAlignment` of `<scene>.txt`.
 */

/** A ScanNet mesh: float32 xyz, uchar rgb per vertex, triangles; `labels` (NYU40) for the labels PLY. */
export interface ScannetMesh {
  file: string
  /** The encoding the file had (`ascii` is read too, though ScanNet ships binary). */
  format: 'binary_little_endian' | 'binary_big_endian' | 'ascii'
  vertexCount: number
  positions: Float32Array
  colors: Uint8Array
  faces: Uint32Array
  labels?: Uint16Array
}

/** Reads a `_vh_clean_2.ply` or `_vh_clean_2.labels.ply` (binary or ASCII), naming what is missing. */
export function readScannetMesh(file: string, withLabels = false): ScannetMesh {
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${file} is ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing' : 'unreadable'}`, { file, cause: e, expected: 'a ScanNet mesh PLY' })
  }
  let ply
  try {
    ply = decodePly(bytes, file)
  } catch (e) {
    if (e instanceof PlafError) throw e
    return fail('PLAF_INPUT_INVALID', `${file}: not a readable PLY (${(e as Error).message})`, { file, cause: e, expected: 'a PLY mesh' })
  }
  if (ply.vertexCount === 0) fail('PLAF_INPUT_INVALID', `${file} has no vertices`, { file, expected: 'element vertex N with N > 0', actual: 'element vertex 0' })
  const want = ['x', 'y', 'z', 'red', 'green', 'blue', ...(withLabels ? ['label'] : [])]
  const missing = want.filter((p) => !(p in ply.properties))
  if (missing.length) fail('PLAF_INPUT_INVALID', `${file}: vertex has no ${missing.join(', ')} propert${missing.length > 1 ? 'ies' : 'y'}`, { file, expected: `vertex properties ${want.join(' ')}`, actual: Object.keys(ply.properties).join(' ') })
  const n = ply.vertexCount
  const positions = new Float32Array(3 * n)
  const colors = new Uint8Array(3 * n)
  const p = ply.properties
  for (let i = 0; i < n; i++) {
    positions[3 * i] = p.x[i]; positions[3 * i + 1] = p.y[i]; positions[3 * i + 2] = p.z[i]
    colors[3 * i] = p.red[i]; colors[3 * i + 1] = p.green[i]; colors[3 * i + 2] = p.blue[i]
  }
  const faces = ply.faces ?? new Uint32Array(0)
  for (let i = 0; i < faces.length; i++) {
    if (faces[i] >= n) fail('PLAF_INPUT_INVALID', `${file}: triangle ${Math.floor(i / 3)} uses vertex ${faces[i]}, but there are ${n}`, { file, expected: `vertex indices < ${n}`, actual: String(faces[i]) })
  }
  const mesh: ScannetMesh = { file, format: ply.format, vertexCount: n, positions, colors, faces }
  if (withLabels) mesh.labels = Uint16Array.from(p.label)
  return mesh
}

/** The labels TSV as lookup tables. */
export interface LabelTable {
  file: string
  rows: LabelsTsvRow[]
  /** Raw ScanNet id (TSV `id`, the label-filt PNG value) → row. */
  byId: Map<number, LabelsTsvRow>
  /** Raw category (aggregation.json `label`) → row. */
  byCategory: Map<string, LabelsTsvRow>
}

/** Reads `scannetv2-labels.combined.tsv`; a row without a numeric id or nyu40id is an error naming its line. */
export function readLabelTable(file: string): LabelTable {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${file} is missing`, { file, cause: e, expected: 'scannetv2-labels.combined.tsv' })
  }
  const rows = parseLabelsTsv(text, file)
  rows.forEach((r, k) => {
    if (!Number.isInteger(r.id) || !Number.isInteger(r.nyu40id)) {
      fail('PLAF_INPUT_INVALID', `${file}:${k + 2}: id and nyu40id must be integers (got ${r.id}, ${r.nyu40id})`, { file, line: k + 2, expected: 'integer id and nyu40id', actual: `${r.id}, ${r.nyu40id}` })
    }
  })
  return { file, rows, byId: new Map(rows.map((r) => [r.id, r])), byCategory: new Map(rows.map((r) => [r.rawCategory, r])) }
}

/** Raw ids that a label table does not list (0 = unlabelled is never unknown). */
export function unknownLabelIds(ids: Iterable<number>, table: LabelTable): number[] {
  return [...ids].filter((id) => id !== 0 && !table.byId.has(id)).sort((a, b) => a - b)
}

/** The `<scene>.txt` metadata file of a scan folder: `<dir name>.txt`, else the only `scene*.txt`. */
export function findSceneMetadata(dir: string): string | undefined {
  const own = join(dir, `${basename(dir)}.txt`)
  if (existsSync(own)) return own
  const txt = readdirSync(dir).filter((n) => /^scene\d{4}_\d{2}\.txt$/.test(n))
  return txt.length === 1 ? join(dir, txt[0]) : undefined
}

/**
 * The `axisAlignment` of a `<scene>.txt` (16 numbers, row-major 4×4 that rotates the scan into
 * an axis-aligned frame). Errors name the file when the key is absent or malformed: asking for
 * alignment never silently falls back to identity.
 */
export function readAxisAlignment(file: string): Float64Array {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${file} is missing: axis alignment is read from it`, { file, cause: e, expected: '<scene>.txt with axisAlignment = 16 numbers' })
  }
  const raw = parseMetadata(text).axisAlignment
  if (raw === undefined) fail('PLAF_INPUT_INVALID', `${file} has no axisAlignment (test scans have none)`, { file, expected: 'axisAlignment = 16 numbers', actual: 'no axisAlignment line' })
  const tokens = raw.split(/\s+/).filter(Boolean)
  const m = tokens.map((t) => parseNumberToken(t))
  if (m.length !== 16 || m.some((v) => v === undefined || !Number.isFinite(v))) {
    fail('PLAF_INPUT_INVALID', `${file}: axisAlignment must be 16 finite numbers, found "${raw}"`, { file, expected: '16 finite numbers', actual: `${tokens.length} values` })
  }
  return Float64Array.from(m as number[])
}

/** Row-major 4×4 product a·b. */
export function multiply4(a: ArrayLike<number>, b: ArrayLike<number>): Float64Array {
  const out = new Float64Array(16)
  for (let r = 0; r < 4; r++) for (let c = 0; c < 4; c++) {
    let s = 0
    for (let k = 0; k < 4; k++) s += a[4 * r + k] * b[4 * k + c]
    out[4 * r + c] = s
  }
  return out
}

/** The labels TSV of a scan: in its folder or the two above (where ScanNet's download puts it), if any. */
export function findLabelsTsv(dir: string): string | undefined {
  for (const d of [dir, dirname(dir), dirname(dirname(dir))]) {
    const f = join(d, 'scannetv2-labels.combined.tsv')
    if (existsSync(f)) return f
  }
  return undefined
}

/**
 * A check of label images against the labels TSV: each raw id not in the table gets one warning
 * (the first frame and file it appears in), since its pixels map to no class. Undefined without
 * a TSV.
 */
export function labelIdChecker(dir: string, warn: (note: PluginNote) => void): ((labels: Uint16Array, file: string, frame: string) => void) | undefined {
  const tsv = findLabelsTsv(dir)
  if (!tsv) return undefined
  const table = readLabelTable(tsv)
  const checked = new Uint8Array(65536)
  checked[0] = 1
  return (labels, file, frame) => {
    for (let i = 0; i < labels.length; i++) {
      const id = labels[i]
      if (checked[id]) continue
      checked[id] = 1
      if (!table.byId.has(id)) {
        warn({
          code: 'PLAF_INPUT_INVALID', severity: 'warning', file, frame, expected: `a raw id listed in ${tsv}`, actual: String(id),
          message: `frame ${frame}: ${file}: label id ${id} is not in ${tsv}; its pixels map to no class`,
        })
      }
    }
  }
}

/**
 * The mesh file of a scan folder: `<dir name>_vh_clean_2.labels.ply` (with `labelled`) or
 * `<dir name>_vh_clean_2.ply`, else the only file with that suffix there; undefined when none.
 */
export function findScanMesh(dir: string, labelled: boolean): string | undefined {
  const suffix = labelled ? '_vh_clean_2.labels.ply' : '_vh_clean_2.ply'
  const own = join(dir, `${basename(dir)}${suffix}`)
  if (existsSync(own)) return own
  const found = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith(suffix)) : []
  return found.length === 1 ? join(dir, found[0]) : undefined
}

/**
 * The mesh the `scannet` input's `load_mesh` reads: the labels PLY (NYU40 label per vertex) when
 * the folder has one, else `_vh_clean_2.ply`; an error naming both when neither is there.
 */
export function scanMeshFile(dir: string): { file: string; labelled: boolean } {
  const labelled = findScanMesh(dir, true)
  if (labelled) return { file: labelled, labelled: true }
  const plain = findScanMesh(dir, false)
  if (plain) return { file: plain, labelled: false }
  const name = basename(dir)
  return fail('PLAF_INPUT_INVALID', `load_mesh is true but ${dir} has neither ${name}_vh_clean_2.labels.ply nor ${name}_vh_clean_2.ply`, {
    file: dir, path: 'load_mesh', expected: `${name}_vh_clean_2.labels.ply or ${name}_vh_clean_2.ply`, actual: 'no *_vh_clean_2*.ply',
  })
}

/** Reads the mesh `scanMeshFile` names (with its labels when it is the labels PLY). */
export function loadScanMesh(dir: string): ScannetMesh {
  const { file, labelled } = scanMeshFile(dir)
  return readScannetMesh(file, labelled)
}

/** NYU40 ids (the labels PLY's `label`) that no row of the label table maps to (0 = unannotated is never unknown). */
export function unknownNyu40Ids(ids: Iterable<number>, table: LabelTable): number[] {
  const known = new Set(table.rows.map((r) => r.nyu40id))
  return [...ids].filter((id) => id !== 0 && !known.has(id)).sort((a, b) => a - b)
}
