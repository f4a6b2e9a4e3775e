import { join } from 'node:path'
import { encodeNpy, writeFileAtomic, writeJsonAtomic, type QueryScores3D, type SemanticMap3D, type TensorBackend, type TextEmbeddings } from '@plaf/core'
import { gatherFlags, gatherRow } from './kernels/gather.js'
import { regions3D, type Region3D } from './kernels/regions3d.js'
import { argmaxLabels, autoThreshold, RELEVANCY_FLOOR_REASON, type ScoreMode } from './kernels/scoring.js'
import { writeLabelPly, writeMeshScorePly, type ReferenceMesh } from './map-outputs.js'
import { nearestMapPoints, gatherToMesh } from './mesh-transfer.js'
import { applyMode, type TextSets } from './modes.js'
import { writeMapPly } from './outputs.js'
import { thresholdLabel } from './pictures.js'
import { prepareMap, scorePool, type ScoringTime } from './score.js'
import { writeSnapshot } from './snapshot.js'

/** What the 3D part of the `text` querier needs besides the map and the texts. */
export interface MapQuerySettings {
  outDir: string
  queries: string[]
  slugs: string[]
  labels: string[]
  mode: ScoreMode
  temperature: number
  threshold: number | 'auto'
  /** Also write the top-down snapshot PNG per query. */
  snapshots: boolean
  /** Voxel edge (metres) connecting selected points into regions, and regions listed per query. */
  regionVoxel: number
  topRegions: number
  /** A reference mesh to carry scores and labels to, and the cut-off (metres). */
  mesh: ReferenceMesh | null
  meshMaxDistance: number
}

/** One query's 3D entry in scores.json. */
export type MapQueryEntry = QueryScores3D & {
  threshold: number | null
  gather_ms: number
  file: string
  snapshot: string | null
  regions_file: string
  /** The largest region (see `<slug>.regions.json`), or null when nothing is selected. */
  top_region: Region3D | null
  mesh: { file: string; vertices_above_threshold: number } | null
}

/** The 3D part of scores.json besides the per-query entries. */
export interface MapQueryResult {
  perQuery: MapQueryEntry[]
  poolMs: number
  gatherMs: number
  /** Label summary over the map's points (null without labels). */
  labels: { file: string; npy: string; threshold: number | null; points: number[] } | null
  mesh: { file: string; vertices: number; faces: number; max_distance: number; vertices_matched: number; scores: string; labels: string | null } | null
}

const round3 = (ms: number) => Math.round(ms * 1000) / 1000
/**
 * The querier's outputs are recreated by `plaf query` in about a second: written atomically (a reader
 * never sees half a file) but not fsynced, like the per-frame files; only scores.json, written last, is.
 */
const NO_FSYNC = { fsync: false }
const round4 = (v: number) => Math.round(v * 1e4) / 1e4

/** Points per pool row (rows that are not valid weigh 0): Otsu's weights in 3D. */
export function pointsPerRow(refs: Uint32Array, valid: Uint8Array): Float64Array {
  const w = new Float64Array(valid.length)
  for (let i = 0; i < refs.length; i++) if (valid[refs[i]]) w[refs[i]]++
  return w
}

/** `format` of the sidecar beside a label-index `.npy` plaf query writes (`<stem>.json`). */
export const QUERY_LABELS_FORMAT = 'plaf-query-labels'

/**
 * The sidecar of a label-index `.npy` (`mesh/labels.json`, `labels/map-labels.json`): the values
 * are indices into the query's labels (0 background), which a reader of the `.npy` alone cannot tell
 * from class ids (`plaf eval scannet --predictions` refuses such a file by it).
 */
export function queryLabelsSidecar(npy: string, labels: readonly string[], count: number): Record<string, unknown> {
  return {
    format: QUERY_LABELS_FORMAT, file: npy, count, labels: ['background', ...labels],
    values: 'indices into labels (0 = background: no map point close enough, no feature or below the threshold), not dataset class ids',
  }
}

/**
 * Scores the map's pool once for every text (Q queries, L labels, negatives), applies the mode,
 * and writes the 3D outputs: per query `<slug>.ply` (float `score`), `<slug>.regions.json`
 * (connected regions of points at or above the threshold, largest first: "where"), optionally
 * `<slug>.map.png`; `map-scores.npy` (Q×N float32); with labels `labels/map.ply` (ushort `label`,
 * float `label_score`) and `labels/map-labels.npy`; with a mesh the same per mesh vertex under
 * `mesh/`. Per-point scores are a gather of the pool row scores through the refs (`prepareMap`'s
 * WebAssembly gather); the selection per point is a per-row flag gathered the same way.
 */
export async function queryMap(s: MapQuerySettings, map: SemanticMap3D, embeddings: TextEmbeddings, sets: TextSets, tensor: TensorBackend): Promise<MapQueryResult> {
  // the querier's own time (ScoringTime): not other work that runs while the product is awaited
  const time: ScoringTime = { ownMs: 0 }
  // pool norms, the pool copy for the product kernel and the checked refs for the gather kernel, once (the norms
  // would otherwise be computed by scorePool). One product per run, all texts at once: a helper thread would start
  // (tens of ms) after the product is done, so the kernel runs on this thread alone.
  const prepared = prepareMap(map, { threads: 1 })
  const cos = await scorePool(map, embeddings, tensor, prepared, time)
  const t0 = performance.now()
  const modes = applyMode(cos, sets, s.mode, s.temperature)
  const poolMs = prepared.ms + time.ownMs + performance.now() - t0
  const m = cos.shape[1]
  const n = map.refs.length
  const q = sets.queries
  const valid = cos.valid
  const weights = pointsPerRow(map.refs, valid)
  const invalid = m - valid.reduce((a, b) => a + b, 0)
  const top = m > 0 && q > 0 ? await tensor.topk(modes.queries, q, m, Math.min(m, 10 + invalid)) : null
  const k = top ? top.indices.length / q : 0
  const nearest = s.mesh ? nearestMapPoints(map.positions, s.mesh.vertices, { maxDistance: s.meshMaxDistance }) : null
  const meshScores = s.mesh ? new Float32Array(q * s.mesh.vertices.length / 3) : null
  // Q×N in the gather kernel's memory (written to map-scores.npy at the end, before anything else
  // uses the kernel), or a plain array when Q×N is more than the kernel's memory holds
  const inKernel = prepared.gather.fits(q)
  const all = inKernel ? prepared.gather.reserve(q) : new Float32Array(q * n)
  const perQuery: MapQueryEntry[] = []
  let gatherMs = 0
  for (let i = 0; i < q; i++) {
    const t1 = performance.now()
    const rowScores = modes.queries.subarray(i * m, i * m + m)
    const auto = s.threshold === 'auto' ? autoThreshold(s.mode, rowScores, weights) : null
    const threshold = auto ? auto.threshold : (s.threshold as number)
    const points = all.subarray(i * n, i * n + n)
    if (inKernel) prepared.gather.gatherInto(rowScores, i)
    else gatherRow(rowScores, map.refs, points)
    // a row is selected when valid and at or above the threshold; its points follow it
    const rowSelected = new Uint8Array(m)
    let above = 0
    if (threshold !== null) {
      for (let r = 0; r < m; r++) {
        if (valid[r] && rowScores[r] >= threshold) {
          rowSelected[r] = 1
          above += weights[r]
        }
      }
    }
    const selected = new Uint8Array(n)
    if (above > 0) gatherFlags(rowSelected, map.refs, selected)
    const g = performance.now() - t1
    gatherMs += g
    const slug = s.slugs[i]
    const text = s.queries[i]
    writeMapPly(join(s.outDir, `${slug}.ply`), map, rowScores, valid, text)
    // Positions rounded to 0.1 mm in the files: finer digits say nothing about a map of 2–5 cm voxels.
    const regions = regions3D(map.positions, selected, s.regionVoxel, s.topRegions).map((r) => ({ points: r.points, bbox: r.bbox.map(round4) as Region3D['bbox'], centroid: r.centroid.map(round4) as Region3D['centroid'] }))
    writeJsonAtomic(join(s.outDir, `${slug}.regions.json`), {
      text, mode: s.mode, threshold, threshold_rule: auto ? `auto: Otsu over pool rows weighted by their points${auto.floored ? `, ${RELEVANCY_FLOOR_REASON}` : ''}` : 'given',
      points: n, points_above_threshold: above, voxel_size: s.regionVoxel, top_regions: s.topRegions,
      rule: 'points whose pool row scores at or above the threshold, joined when their voxels (edge voxel_size, keys round(p / voxel_size)) touch (26-neighbourhood); the top_regions largest, largest first',
      coordinates: 'the map\'s world frame, metres; bbox = [x_min, y_min, z_min, x_max, y_max, z_max]',
      regions: regions.map((r, rank) => ({ rank: rank + 1, ...r })),
    }, NO_FSYNC)
    const best: Array<{ row: number; score: number }> = []
    for (let j = 0; j < k && best.length < 10; j++) {
      const row = top!.indices[i * k + j]
      if (valid[row]) best.push({ row, score: top!.values[i * k + j] })
    }
    let snapshot: string | null = null
    if (s.snapshots) {
      snapshot = `${slug}.map.png`
      const share = n ? ` (${((100 * above) / n).toFixed(1)} %)` : ''
      await writeSnapshot(join(s.outDir, snapshot), map, rowScores, valid, threshold, [
        { text: `"${text}" · 3D map, top-down (z up), orthographic · left: hits, right: best ${s.mode} per pixel`, bold: true },
        { text: `hit: ${thresholdLabel(s.mode, threshold, s.threshold === 'auto')} · ${above.toLocaleString('en-US')} of ${n.toLocaleString('en-US')} points${share}`, swatch: true },
      ])
    }
    let mesh: MapQueryEntry['mesh'] = null
    if (s.mesh && nearest && meshScores) {
      const v = nearest.index.length
      const ms = meshScores.subarray(i * v, i * v + v)
      ms.set(gatherToMesh(nearest.index, points, n))
      let hits = 0
      for (let j = 0; j < v; j++) if (nearest.index[j] >= 0 && selected[nearest.index[j]]) hits++
      const file = `mesh/${slug}.ply`
      writeMeshScorePly(join(s.outDir, file), s.mesh, ms, nearest.distance, [`plaf query ${JSON.stringify(text)} on ${s.mesh.file.replace(/[\r\n]/g, ' ')}`, `max_distance ${s.meshMaxDistance}`])
      mesh = { file, vertices_above_threshold: hits }
    }
    perQuery.push({
      points: n, pool_rows: m, points_above_threshold: above, top_pool_rows: best, threshold, gather_ms: round3(g), file: `${slug}.ply`,
      snapshot, regions_file: `${slug}.regions.json`, top_region: regions[0] ?? null, mesh,
    })
  }
  if (q > 0) writeFileAtomic(join(s.outDir, 'map-scores.npy'), encodeNpy({ data: all, shape: [q, n], dtype: '<f4' }), NO_FSYNC)
  let labels: MapQueryResult['labels'] = null
  let meshLabels: string | null = null
  if (sets.labels > 0) {
    const l = sets.labels
    const rowsBest = argmaxLabels(modes.labels, l, m, valid, -Infinity).best
    const threshold = s.threshold === 'auto' ? autoThreshold(s.mode, rowsBest, weights).threshold : s.threshold
    const rows = argmaxLabels(modes.labels, l, m, valid, threshold ?? -Infinity)
    const label = new Uint16Array(n)
    const score = new Float32Array(n)
    const counts = new Array<number>(l + 1).fill(0)
    for (let p = 0; p < n; p++) {
      const r = map.refs[p]
      label[p] = rows.labels[r]
      score[p] = valid[r] ? rows.best[r] : NaN
      counts[label[p]]++
    }
    const comments = [`plaf query labels ${JSON.stringify(['background', ...s.labels])}`, `mode ${s.mode} threshold ${threshold ?? 'none'}`]
    writeLabelPly(join(s.outDir, 'labels', 'map.ply'), map.positions, label, score, l, comments)
    writeFileAtomic(join(s.outDir, 'labels', 'map-labels.npy'), encodeNpy({ data: label, shape: [n], dtype: '<u2' }), NO_FSYNC)
    writeJsonAtomic(join(s.outDir, 'labels', 'map-labels.json'), queryLabelsSidecar('map-labels.npy', s.labels, n), NO_FSYNC)
    labels = { file: 'labels/map.ply', npy: 'labels/map-labels.npy', threshold, points: counts }
    if (s.mesh && nearest) {
      meshLabels = 'mesh/labels.ply'
      const ml = gatherToMesh(nearest.index, label, n, 0)
      writeLabelPly(join(s.outDir, meshLabels), s.mesh.vertices, ml, gatherToMesh(nearest.index, score, n), l, comments, { distance: nearest.distance, faces: s.mesh.faces })
      writeFileAtomic(join(s.outDir, 'mesh', 'labels.npy'), encodeNpy({ data: ml, shape: [ml.length], dtype: '<u2' }), NO_FSYNC)
      // the .npy cannot say what its values are: this sidecar does (plaf eval scannet refuses the pair)
      writeJsonAtomic(join(s.outDir, 'mesh', 'labels.json'), queryLabelsSidecar('labels.npy', s.labels, ml.length), NO_FSYNC)
    }
  }
  let mesh: MapQueryResult['mesh'] = null
  if (s.mesh && nearest && meshScores) {
    const v = nearest.index.length
    writeFileAtomic(join(s.outDir, 'mesh', 'scores.npy'), encodeNpy({ data: meshScores, shape: [q, v], dtype: '<f4' }), NO_FSYNC)
    mesh = {
      file: s.mesh.file, vertices: v, faces: (s.mesh.faces?.length ?? 0) / 3, max_distance: s.meshMaxDistance, vertices_matched: nearest.matched,
      scores: 'mesh/scores.npy', labels: meshLabels,
    }
  }
  return { perQuery, poolMs, gatherMs, labels, mesh }
}
