import { closeSync, openSync, readFileSync, statSync } from 'node:fs'
import { decodePly, encodePly, fail, writeFileAtomic, type DiagnosticCode, type PlyData, type PlyProperty } from '@plaf/core'
import { heatColors } from './kernels/render.js'

/** A reference mesh read for `mesh:` / `--mesh`: x, y, z per vertex and its triangles, if any. */
export interface ReferenceMesh {
  file: string
  /** V×3 vertex positions. */
  vertices: Float32Array
  faces?: Uint32Array
}

/** What is wrong with a reference mesh path before its content is read (see {@link meshFileProblem}). */
export interface MeshFileProblem {
  code: Extract<DiagnosticCode, 'PLAF_FILE_NOT_FOUND' | 'PLAF_INPUT_INVALID'>
  message: string
  cause?: unknown
}

/**
 * The cheap check of a reference mesh path (absolute), shared by the `text` querier's validate-time
 * `check` (`mesh:`), `plaf query --mesh` and {@link readReferenceMesh}: PLAF_FILE_NOT_FOUND when
 * nothing is there, PLAF_INPUT_INVALID when it is a directory (or not a regular file) or cannot be
 * opened for reading. Undefined when the file is there and readable; its content is not read.
 */
export function meshFileProblem(file: string): MeshFileProblem | undefined {
  let st
  try {
    st = statSync(file)
  } catch (e) {
    return { code: 'PLAF_FILE_NOT_FOUND', message: `reference mesh ${file} does not exist`, cause: e }
  }
  if (!st.isFile()) return { code: 'PLAF_INPUT_INVALID', message: `reference mesh ${file} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}, not a PLY file` }
  try {
    closeSync(openSync(file, 'r'))
  } catch (e) {
    return { code: 'PLAF_INPUT_INVALID', message: `reference mesh ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, cause: e }
  }
  return undefined
}

/**
 * Reads a reference mesh (or point cloud) PLY: binary or ascii, with float `x`, `y`, `z` vertex
 * properties and at least one vertex. Throws PlafError naming the file: PLAF_FILE_NOT_FOUND when
 * it is missing, PLAF_INPUT_INVALID when it is a directory or unreadable ({@link meshFileProblem}),
 * not a PLY, or has no vertices or no x, y, z.
 */
export function readReferenceMesh(file: string): ReferenceMesh {
  const problem = meshFileProblem(file)
  if (problem) fail(problem.code, problem.message, { file })
  const ply: PlyData = decodePly(readFileSync(file), file)
  if (ply.vertexCount === 0) fail('PLAF_INPUT_INVALID', `reference mesh ${file} has no vertices`, { file, expected: 'at least one vertex', actual: '0' })
  const missing = ['x', 'y', 'z'].filter((k) => !ply.properties[k])
  if (missing.length) {
    fail('PLAF_INPUT_INVALID', `reference mesh ${file} has no vertex property ${missing.join(', ')}`, {
      file, expected: 'vertex properties x, y, z', actual: Object.keys(ply.properties).join(', ') || 'none',
    })
  }
  const v = ply.vertexCount
  const vertices = new Float32Array(3 * v)
  const { x, y, z } = ply.properties
  for (let i = 0; i < v; i++) {
    vertices[3 * i] = x[i]
    vertices[3 * i + 1] = y[i]
    vertices[3 * i + 2] = z[i]
  }
  return { file, vertices, faces: ply.faces }
}

/**
 * Colours for label values 0..L: 0 (background, no label) mid grey, then hues spaced by the
 * golden angle at full saturation, so neighbouring labels differ. L+1 RGB triples.
 */
export function labelColors(l: number): Uint8Array {
  const out = new Uint8Array(3 * (l + 1)).fill(128)
  for (let k = 1; k <= l; k++) {
    const h = ((k - 1) * 137.508) % 360
    const f = (n: number) => {
      const c = (n + h / 60) % 6
      return Math.round(255 * (1 - 0.8 * Math.max(0, Math.min(c, 4 - c, 1))))
    }
    out.set([f(5), f(3), f(1)], 3 * k)
  }
  return out
}

/** Vertex positions as the three float x, y, z PLY properties. */
function xyz(positions: Float32Array): PlyProperty[] {
  const n = positions.length / 3
  const c = [new Float32Array(n), new Float32Array(n), new Float32Array(n)]
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) c[k][i] = positions[3 * i + k]
  return [{ name: 'x', type: 'float', data: c[0] }, { name: 'y', type: 'float', data: c[1] }, { name: 'z', type: 'float', data: c[2] }]
}

/** RGB triples as uchar red, green, blue. */
function rgb(colors: Uint8Array): PlyProperty[] {
  const n = colors.length / 3
  const c = [new Uint8Array(n), new Uint8Array(n), new Uint8Array(n)]
  for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) c[k][i] = colors[3 * i + k]
  return [{ name: 'red', type: 'uchar', data: c[0] }, { name: 'green', type: 'uchar', data: c[1] }, { name: 'blue', type: 'uchar', data: c[2] }]
}

/**
 * Writes a labelled point cloud or mesh as binary little-endian PLY: float x, y, z; uchar red,
 * green, blue (`labelColors`); `label` as ushort, spelled `uint16` in the header (the same type; Open3D
 * 0.16's tensor reader skips the `ushort` spelling), 0 = background or no label; float `label_score`
 * (the best label's score, NaN where there is none); optional float `distance` (mesh vertices: to
 * the map point the values came from, NaN when none) and the mesh's faces.
 */
export function writeLabelPly(
  path: string, positions: Float32Array, labels: Uint16Array, labelScores: Float32Array, count: number, comments: string[],
  extra: { distance?: Float32Array; faces?: Uint32Array } = {},
): void {
  const palette = labelColors(count)
  const colors = new Uint8Array(labels.length * 3)
  for (let i = 0; i < labels.length; i++) colors.set(palette.subarray(3 * labels[i], 3 * labels[i] + 3), 3 * i)
  const properties: PlyProperty[] = [...xyz(positions), ...rgb(colors), { name: 'label', type: 'uint16', data: labels }, { name: 'label_score', type: 'float', data: labelScores }]
  if (extra.distance) properties.push({ name: 'distance', type: 'float', data: extra.distance })
  writeFileAtomic(path, encodePly({ vertexCount: labels.length, comments, properties, faces: extra.faces }), { fsync: false })
}

/**
 * Writes one query's scores on a reference mesh as binary little-endian PLY: float x, y, z; uchar
 * red, green, blue (jet heat colour of the score, min-max over the matched vertices; grey where
 * the score is NaN); float `score` (NaN: no map point within the cut-off); float `distance`;
 * the mesh's faces.
 */
export function writeMeshScorePly(path: string, mesh: ReferenceMesh, scores: Float32Array, distance: Float32Array, comments: string[]): void {
  const v = scores.length
  const valid = new Uint8Array(v)
  for (let j = 0; j < v; j++) valid[j] = Number.isNaN(scores[j]) ? 0 : 1
  const heat = heatColors(scores, valid)
  for (let j = 0; j < v; j++) if (!valid[j]) heat.fill(128, 3 * j, 3 * j + 3)
  const properties: PlyProperty[] = [...xyz(mesh.vertices), ...rgb(heat), { name: 'score', type: 'float', data: scores }, { name: 'distance', type: 'float', data: distance }]
  writeFileAtomic(path, encodePly({ vertexCount: v, comments, properties, faces: mesh.faces }), { fsync: false })
}
