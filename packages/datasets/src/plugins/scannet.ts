import { dirname, isAbsolute, resolve } from 'node:path'
import { defineInput, type PluginNote } from '@plaf/core'
import { withColorAtDepthSize } from '../frames/color-to-depth.js'
import { SELECTION_SCHEMA } from '../frames/select.js'
import type { DatasetSource } from '../frames/source.js'
import { failSensCut, indexSens } from '../sens/header.js'
import { findSensFile, openSensFile } from '../sens/reader.js'
import { checkScannetScene } from '../scannet/check.js'
import { findLabelsTsv, loadScanMesh, readLabelTable, scanMeshFile, type LabelTable, type ScannetMesh } from '../scannet/scan.js'
import { openScannetScene, type ScannetReadOptions, type ScannetSource } from '../scannet/reader.js'
import { DATASETS_VERSION } from '../version.js'
import { checkByOpening } from './check-by-opening.js'

/** Options of the `scannet` input (the `with:` block). */
export interface ScannetOptions {
  scene: string
  frame_step: number
  frame_range: [number, number] | null
  max_frames: number | null
  load_labels: boolean | null
  axis_align: boolean
  resize: 'none' | 'color-to-depth'
  load_mesh: boolean
  /** A .sens cut short: true (default) reads the complete frames before the cut, the cut a counted skip; false stops with an error. */
  skip_damaged: boolean
}

/** What `load_mesh: true` adds to the `scannet` source, for evaluation against the scan's mesh. */
export interface ScanMeshParts {
  /** The labels PLY (NYU40 `labels` per vertex) when the scan has one, else `_vh_clean_2.ply`. */
  mesh?: ScannetMesh
  /** `scannetv2-labels.combined.tsv` (scan folder or the two above), when found. */
  labelTable?: LabelTable
}

/**
 * `scannet`: reads a scene in the ScanNet export layout (SensReader output: color/, depth/,
 * pose/, intrinsic/, plus label-filt/). Frames with a non-finite or non-rigid pose are skipped
 * with one PLAF_FRAME_SKIPPED warning each; `source.skipped` counts them.
 */
export const scannetInput = defineInput<ScannetOptions>({
  name: 'scannet',
  kind: 'input',
  version: DATASETS_VERSION,
  package: '@plaf/datasets',
  description: 'ScanNet scene: the export layout (color/, depth/, pose/, intrinsic/, label-filt/) or the raw .sens (v4).',
  options: {
    type: 'object', additionalProperties: false, required: ['scene'],
    properties: {
      scene: { type: 'string', format: 'path', minLength: 1, description: 'Scene directory (holding color/, depth/, pose/, intrinsic/), or the raw <scene>.sens (or a directory holding it and no color/); a relative path resolves against the file that sets it.' },
      ...SELECTION_SCHEMA,
      load_labels: { type: ['boolean', 'null'], default: null, description: 'Read label-filt/<i>.png as ground-truth labels; null = when the folder exists.' },
      axis_align: { type: 'boolean', default: false, description: 'Left-multiply every pose by the axisAlignment of <scene>.txt (world to axis-aligned world, as ScanNet200 preprocessing does); an error when the scan has none.' },
      load_mesh: { type: 'boolean', default: false, description: 'Also read the scan mesh (<scene>_vh_clean_2.labels.ply with NYU40 labels, else _vh_clean_2.ply) and the labels TSV into source.mesh and source.labelTable for evaluation; an error when the scan has no mesh.' },
      skip_damaged: { type: 'boolean', default: true, description: 'For a raw .sens cut short (fewer complete frames than its header claims, e.g. an interrupted download): true (default) reads the complete frames before the cut and reports the cut as a skipped frame with its byte offsets (PLAF_FRAME_SKIPPED warning, listed in report.json); false stops with an error naming the frame, byte offsets and what is missing.' },
      resize: { type: 'string', enum: ['none', 'color-to-depth'], default: 'none', description: 'none: colour at its own size; color-to-depth: colour (and labels, nearest) resized to the depth size, colour intrinsics scaled with the pixel-centre rule (PLAF reference preprocessing).' },
    },
  },
  outputs: { frame: 'Frame' },
  provides: ['depth', 'pose'],
  check(options, ctx): PluginNote[] {
    const scene = resolve(ctx.baseDir, options.scene)
    const sens = findSensFile(scene)
    const notes = sens ? checkByOpening(() => {
      const idx = indexSens(sens)
      if (idx.cut && !options.skip_damaged) failSensCut({ ...idx, cut: idx.cut })
    }, 'scene') : checkScannetScene({ ...options, scene })
    return notes.length || !options.load_mesh ? notes : checkByOpening(() => scanMeshFile(sens ? dirname(sens) : scene), 'load_mesh')
  },
  async create(options, ctx): Promise<(ScannetSource | DatasetSource) & ScanMeshParts> {
    const read: ScannetReadOptions = { ...options, scene: isAbsolute(options.scene) ? options.scene : resolve(ctx.baseDir, options.scene) }
    const sens = findSensFile(read.scene)
    const src = sens ? openSensFile({ ...read, scene: sens, skip_damaged: options.skip_damaged }, (note) => ctx.warn(note)) : openScannetScene(read, (note) => ctx.warn(note))
    // intrinsics scaled to resized images (SensorData.py's export): an info note, once per camera
    if (!sens) for (const note of (src as ScannetSource).scaledIntrinsics ?? []) ctx.warn(note)
    const out = options.resize === 'color-to-depth' ? withColorAtDepthSize(src) : src
    if (!options.load_mesh) return out
    const dir = sens ? dirname(sens) : read.scene
    const tsv = findLabelsTsv(dir)
    return { ...out, mesh: loadScanMesh(dir), ...(tsv ? { labelTable: readLabelTable(tsv) } : {}) }
  },
})
