import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { fail, readJsonFile } from '@plaf/core'
import { findLabelsTsv, findScanMesh, readLabelTable, readScannetMesh } from '@plaf/datasets'
import type { ClassSet } from '../classes.js'

/** Per-vertex ground truth of one scan's `_vh_clean_2` mesh, as ids of the class set's id column. */
export interface VertexGroundTruth {
  scene: string
  /** The files the labels came from. */
  files: string[]
  vertexCount: number
  /** Label id per vertex (NYU40 id or raw ScanNet id, per the set's `idColumn`); 0 = unannotated. */
  ids: Uint16Array
  /** Vertex positions (N×3, metres), for transferring a map to the mesh. */
  positions: Float32Array
  /** How the labels were obtained, for the protocol block. */
  source: string
}

/** The scene folder, checked: a missing one is PLAF_FILE_NOT_FOUND located at `--scene`. */
export function checkSceneDir(dir: string, flag = `--scene ${dir}`): void {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    fail('PLAF_FILE_NOT_FOUND', `scene directory ${dir} does not exist`, { file: dir, source: flag, path: 'scene', hint: 'give a ScanNet scan folder (scans/sceneXXXX_YY) or one plaf make-scene wrote' })
  }
}

/**
 * The scan's name as its files spell it, which can differ from the folder's (a scan copied to
 * `/tmp/sc1b` still holds `scene0000_00_*`): the folder's own name when a `<folder>.txt` or
 * `<folder>_vh_clean_2.ply` is there, else the one `<name>_vh_clean_2.ply` or ScanNet meta file
 * `<name>.txt` (`axisAlignment = …`, `colorWidth = …`), else the generated scene's
 * `plaf-scene.json` `scene`, else the folder's name.
 */
export function scanFileStem(dir: string): string {
  const own = basename(dir)
  const names = existsSync(dir) ? readdirSync(dir) : []
  if (names.includes(`${own}.txt`) || names.includes(`${own}_vh_clean_2.ply`)) return own
  const meshes = names.filter((n) => n.endsWith('_vh_clean_2.ply') && !n.endsWith('.labels.ply'))
  if (meshes.length === 1) return meshes[0].slice(0, -'_vh_clean_2.ply'.length)
  const metas = names.filter((n) => /^scene\d{4}_\d{2}\.txt$/.test(n))
  if (metas.length === 1) return metas[0].slice(0, -4)
  if (names.includes('plaf-scene.json')) {
    try {
      const name = (JSON.parse(readFileSync(join(dir, 'plaf-scene.json'), 'utf8')) as { scene?: unknown }).scene
      if (typeof name === 'string' && name) return name
    } catch {
      // an unreadable metadata file: the folder's name
    }
  }
  return own
}

/** `<scene>_vh_clean_2.0.010000.segs.json` and `<scene>.aggregation.json` of a scan folder, when both are there. */
function annotationFiles(dir: string): { segs: string; aggregation: string } | undefined {
  const names = readdirSync(dir)
  const own = scanFileStem(dir)
  const pick = (suffix: string) => (names.includes(own + suffix) ? own + suffix : names.find((n) => n.endsWith(suffix)))
  const segs = pick('_vh_clean_2.0.010000.segs.json')
  const aggregation = pick('.aggregation.json') ?? pick('_vh_clean.aggregation.json')
  return segs && aggregation ? { segs: join(dir, segs), aggregation: join(dir, aggregation) } : undefined
}

/**
 * Rebuilds per-vertex ids from the over-segmentation and the instance aggregation, as ScanNet's
 * `export_train_mesh_for_evaluation.py`: every vertex of a segment in a group gets the group's
 * raw category mapped through the labels TSV (`id` or `nyu40id` column); 0 elsewhere.
 */
function idsFromAnnotation(files: { segs: string; aggregation: string }, tsv: string, column: 'id' | 'nyu40id', vertexCount: number): Uint16Array {
  const segs = readJsonFile(files.segs)
  const agg = readJsonFile(files.aggregation)
  if (!Array.isArray(segs?.segIndices)) fail('PLAF_INPUT_INVALID', `${files.segs} has no segIndices array`, { file: files.segs, path: 'segIndices' })
  if (!Array.isArray(agg?.segGroups)) fail('PLAF_INPUT_INVALID', `${files.aggregation} has no segGroups array`, { file: files.aggregation, path: 'segGroups' })
  const seg: number[] = segs.segIndices
  if (seg.length !== vertexCount) {
    fail('PLAF_INPUT_INVALID', `${files.segs} has ${seg.length} segIndices, but the mesh has ${vertexCount} vertices`, { file: files.segs, expected: String(vertexCount), actual: String(seg.length) })
  }
  const table = readLabelTable(tsv)
  const bySegment = new Map<number, number>()
  for (const [g, group] of (agg.segGroups as { label?: string; segments?: number[] }[]).entries()) {
    const row = group.label === undefined ? undefined : table.byCategory.get(group.label)
    if (!row) fail('PLAF_INPUT_INVALID', `${files.aggregation}: segGroups[${g}] label "${group.label}" is not a raw_category of ${tsv}`, { file: files.aggregation, path: `segGroups.${g}.label`, actual: String(group.label) })
    for (const s of group.segments ?? []) bySegment.set(s, row[column])
  }
  const ids = new Uint16Array(vertexCount)
  for (let v = 0; v < vertexCount; v++) ids[v] = bySegment.get(seg[v]) ?? 0
  return ids
}

/**
 * The ground truth of a scan's `_vh_clean_2` vertices for a class set: NYU40 ids from
 * `<scene>_vh_clean_2.labels.ply` (ScanNet20, NYU40), or raw ids rebuilt from the segments,
 * the aggregation and the labels TSV (ScanNet200, which the labels PLY cannot give; NYU40 sets
 * use this route too when there is no labels PLY). Errors name the files that are missing.
 */
export function vertexGroundTruth(dir: string, set: ClassSet): VertexGroundTruth {
  checkSceneDir(dir)
  const scene = scanFileStem(dir)
  const labelled = findScanMesh(dir, true)
  if (set.idColumn === 'nyu40id' && labelled) {
    const mesh = readScannetMesh(labelled, true)
    return { scene, files: [labelled], vertexCount: mesh.vertexCount, ids: mesh.labels!, positions: mesh.positions, source: `NYU40 label per vertex of ${basename(labelled)}` }
  }
  const ann = annotationFiles(dir)
  const tsv = findLabelsTsv(dir)
  const meshFile = labelled ?? findScanMesh(dir, false)
  if (!ann || !tsv || !meshFile) {
    const need = set.idColumn === 'id'
      ? `${scene}_vh_clean_2.0.010000.segs.json, ${scene}.aggregation.json, scannetv2-labels.combined.tsv and the mesh (raw ScanNet ids per vertex; the labels PLY holds NYU40 ids only)`
      : `${scene}_vh_clean_2.labels.ply, or ${scene}_vh_clean_2.0.010000.segs.json + ${scene}.aggregation.json + scannetv2-labels.combined.tsv + the mesh`
    return fail('PLAF_INPUT_INVALID', `${dir} has no ${set.name} ground truth: ${set.name} needs ${need}`, {
      file: dir, path: 'classes', expected: need,
      actual: [!meshFile && 'no mesh', !ann && 'no segs/aggregation', !tsv && 'no labels TSV'].filter(Boolean).join(', ') || 'no labels PLY',
    })
  }
  const mesh = readScannetMesh(meshFile, false)
  const ids = idsFromAnnotation(ann, tsv, set.idColumn, mesh.vertexCount)
  return {
    scene, files: [meshFile, ann.segs, ann.aggregation, tsv], vertexCount: mesh.vertexCount, ids, positions: mesh.positions,
    source: `segments + aggregation mapped through the labels TSV (${set.idColumn} column)`,
  }
}
