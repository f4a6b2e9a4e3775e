import { basename, join } from 'node:path'
import { fail, type Registry } from '@plaf/core'
import { nearestMapPoints } from '@plaf/query'
import { findLabelsTsv, findScanMesh, openScannetScene, readLabelTable, readScannetMesh } from '@plaf/datasets'
import { classLookup, type ClassSet } from '../classes.js'
import { VoxelVotes } from '../kernels/voxel-votes.js'
import { mapIds } from '../metrics/confusion.js'
import { readVertexPredictions, scenePredictionFile } from './predictions.js'
import { readRunMap, type RunMap } from './run-map.js'
import { checkSceneDir } from './vertex-gt.js'

/** Edge of the voxels of protocol `voxel5cm`, metres. */
export const VOXEL_SIZE = 0.05

/**
 * Ground-truth voxels of a scan: every depth pixel with a measurement is back-projected with
 * the depth intrinsics and the frame's pose (frames with an invalid pose are skipped by the
 * reader), takes the `label-filt` id at the matching colour pixel (pixel-centre scaling
 * c' = (c + 0.5)·s − 0.5, rounded), mapped through the labels TSV to the class set, and votes in
 * its 5 cm voxel. Returns the voxels' winning labels and centres.
 */
export async function liftLabelVoxels(dir: string, set: ClassSet, log?: (line: string) => void, axisAlign = false): Promise<{ labels: Int32Array; centres: Float32Array; frames: number }> {
  const tsv = findLabelsTsv(dir)
  if (!tsv) fail('PLAF_INPUT_INVALID', `${dir} has no scannetv2-labels.combined.tsv (in it or the two folders above): label-filt holds raw ids that it maps to ${set.idColumn}`, { file: dir, path: 'protocol' })
  const table = readLabelTable(tsv)
  const lookup = classLookup(set)
  const rawToClass = new Int32Array(65536).fill(-1)
  for (const row of table.rows) {
    const id = set.idColumn === 'id' ? row.id : row.nyu40id
    if (row.id >= 0 && row.id < 65536 && id >= 0 && id < lookup.length) rawToClass[row.id] = lookup[id]
  }
  const source = openScannetScene({ scene: dir, load_labels: true, frame_step: 1, frame_range: null, max_frames: null, axis_align: axisAlign }, () => {})
  const votes = new VoxelVotes(VOXEL_SIZE, set.ids.length)
  let frames = 0
  try {
    for await (const f of source.frames()) {
      if (!f.depth || !f.depthIntrinsics || !f.pose || !f.labels) continue
      if (++frames % 50 === 0) log?.(`${frames} frames lifted (${votes.voxels.toLocaleString('en-US')} voxels)`)
      const [h, w] = f.depth.shape
      const [lh, lw] = f.labels.shape
      const { fx, fy, cx, cy } = f.depthIntrinsics
      const p = f.pose, d = f.depth.data, lab = f.labels.data
      const sx = lw / w, sy = lh / h
      for (let v = 0; v < h; v++) {
        const vc = Math.min(lh - 1, Math.max(0, Math.round((v + 0.5) * sy - 0.5)))
        for (let u = 0; u < w; u++) {
          const z = d[v * w + u]
          if (!(z > 0)) continue
          const x = ((u - cx) / fx) * z, y = ((v - cy) / fy) * z
          const uc = Math.min(lw - 1, Math.max(0, Math.round((u + 0.5) * sx - 0.5)))
          votes.add(
            p[0] * x + p[1] * y + p[2] * z + p[3],
            p[4] * x + p[5] * y + p[6] * z + p[7],
            p[8] * x + p[9] * y + p[10] * z + p[11],
            rawToClass[lab[vc * lw + uc]],
          )
        }
      }
    }
  } finally {
    await source.dispose?.()
  }
  if (!frames) fail('PLAF_INPUT_INVALID', `${dir}: no frame with depth, a valid pose and a label-filt image to lift`, { file: join(dir, 'label-filt'), path: 'protocol' })
  return { ...votes.result(), frames }
}

/**
 * Protocol `voxel5cm` for one scene: ground-truth voxels from `liftLabelVoxels`; predicted
 * points (a run's map points, or the mesh vertices of a prediction file) vote in the same 5 cm
 * grid; each ground-truth voxel takes the label of the nearest predicted voxel within its
 * 26-neighbourhood (centre distance ≤ √3 voxels), else no prediction (a miss).
 */
export async function voxelEvaluation(
  dir: string, set: ClassSet, source: { kind: 'run' | 'predictions'; path: string }, several: boolean, registry: Registry | undefined,
  classesOf: (run: RunMap) => Promise<Int32Array>, log?: (line: string) => void,
  /** The run's axis alignment (its map is then in aligned coordinates), or null. */
  alignmentOf: (run: RunMap) => Float64Array | null = () => null,
): Promise<{ gt: Int32Array; pred: Int32Array; unpredicted: number; prediction: string; run?: RunMap }> {
  checkSceneDir(dir)
  const k = set.ids.length
  const votes = new VoxelVotes(VOXEL_SIZE, k)
  let prediction: string
  let run: RunMap | undefined
  let positions: Float32Array, labels: Int32Array
  let aligned = false
  if (source.kind === 'run') {
    run = await readRunMap(several ? join(source.path, basename(dir)) : source.path, registry!)
    positions = run.map.positions
    labels = await classesOf(run)
    // lift the ground truth in the frame the map is in
    aligned = alignmentOf(run) !== null
    prediction = `${run.runDir}: map of ${run.manifest.storage3d} (${positions.length / 3} points)${aligned ? ', axis-aligned like the run' : ''}`
  } else {
    const meshFile = findScanMesh(dir, false) ?? findScanMesh(dir, true)
    if (!meshFile) fail('PLAF_INPUT_INVALID', `${dir} has no _vh_clean_2 mesh: per-vertex predictions are placed at its vertices`, { file: dir })
    const mesh = readScannetMesh(meshFile, false)
    const file = several ? scenePredictionFile(source.path, basename(dir)) : source.path
    const p = readVertexPredictions(file, mesh.vertexCount)
    positions = mesh.positions
    labels = mapIds(p.ids, classLookup(set), k)
    prediction = `${file} (${p.format}) at the vertices of ${basename(meshFile)}`
  }
  const gt = await liftLabelVoxels(dir, set, log, aligned)
  for (let i = 0; i < labels.length; i++) votes.add(positions[3 * i], positions[3 * i + 1], positions[3 * i + 2], labels[i])
  const predicted = votes.result()
  const nn = nearestMapPoints(predicted.centres, gt.centres, { maxDistance: VOXEL_SIZE * Math.sqrt(3) * 1.0001 }).index
  const pred = new Int32Array(gt.labels.length)
  let unpredicted = 0
  for (let i = 0; i < pred.length; i++) {
    pred[i] = nn[i] >= 0 ? predicted.labels[nn[i]] : -1
    if (nn[i] < 0 && gt.labels[i] >= 0) unpredicted++
  }
  return { gt: gt.labels, pred, unpredicted, prediction: `${prediction}; ${gt.frames} frames lifted`, run }
}
