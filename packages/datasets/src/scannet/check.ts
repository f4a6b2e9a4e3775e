import { existsSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { PluginNote } from '@plaf/core'
import { checkByOpening } from '../plugins/check-by-opening.js'
import { findLabelDir, listSceneFrames } from './layout.js'
import { findSceneMetadata } from './scan.js'
import { readSceneTxtCamera, sceneFrameCount } from './scene-txt.js'

const PARTS = ['color', 'depth', 'pose', 'intrinsic'] as const
const LAYOUT = 'color/, depth/, pose/, intrinsic/'
const MAKE_SCENE = 'a scene in this layout can be written with plaf make-scene <dir>'

/**
 * The `scannet` input's cheap check (no image is decoded, no pose parsed): the scene directory
 * exists and holds the export layout, naming exactly what is missing: a folder, an intrinsics
 * file, or the depth/pose files of frames that `frame_step` selects. `scene` must be absolute.
 */
export function checkScannetScene(o: { scene: string; frame_step: number; load_labels: boolean | null }): PluginNote[] {
  const dir = o.scene
  const at = { path: 'scene', actual: dir }
  if (!existsSync(dir)) {
    return [{ code: 'PLAF_FILE_NOT_FOUND', message: `scene directory ${dir} does not exist`, ...at, expected: `a directory holding ${LAYOUT}`, hint: MAKE_SCENE }]
  }
  if (!statSync(dir).isDirectory()) return [{ code: 'PLAF_INPUT_INVALID', message: `${dir} is not a directory`, ...at, expected: `a directory holding ${LAYOUT}` }]
  const missing = PARTS.filter((p) => !existsSync(join(dir, p))).map((p) => `${p}/`)
  if (missing.length) {
    return [{
      code: 'PLAF_INPUT_INVALID', message: `${dir} has no ${missing.join(', ')} ${missing.length > 1 ? 'folders' : 'folder'}; expected the ScanNet export layout (${LAYOUT})`,
      ...at, expected: LAYOUT, actual: `missing ${missing.join(', ')}`, hint: MAKE_SCENE,
    }]
  }
  const notes: PluginNote[] = []
  const intrinsics = ['intrinsic_color.txt', 'intrinsic_depth.txt'].filter((f) => !existsSync(join(dir, 'intrinsic', f)))
  if (intrinsics.length) {
    notes.push({ code: 'PLAF_INPUT_INVALID', message: `${dir} has no ${intrinsics.map((f) => `intrinsic/${f}`).join(', ')}`, ...at, expected: 'intrinsic/intrinsic_color.txt and intrinsic/intrinsic_depth.txt' })
  }
  let count: ReturnType<typeof sceneFrameCount>
  const metaFile = findSceneMetadata(dir)
  if (metaFile) notes.push(...checkByOpening(() => { count = sceneFrameCount(readSceneTxtCamera(metaFile)) }, 'scene'))
  const listed = listSceneFrames(dir, count)
  if (!listed.color.size) notes.push({ code: 'PLAF_INPUT_INVALID', message: `${join(dir, 'color')} holds no <i>.jpg frames`, ...at, expected: 'color/<i>.jpg' })
  // Frames are the union of colour, depth and pose stems and of the frames <scene>.txt counts (as
  // the reader lists them); only those frame_step selects are read (max_frames counts after
  // invalid poses, so all selected are checked).
  for (const [folder, names, ext] of [['color', listed.color, 'jpg'], ['depth', listed.depth, 'png'], ['pose', listed.pose, 'txt']] as const) {
    const lacking = listed.stems.filter((s, k) => k % o.frame_step === 0 && !names.has(s))
    if (lacking.length) {
      notes.push({
        code: 'PLAF_INPUT_INVALID', ...at, expected: `color/<i>.jpg, depth/<i>.png and pose/<i>.txt for every frame`,
        message: `${dir}: ${lacking.length} frame(s) have no ${folder}/<i>.${ext} (first: ${folder}/${lacking[0]}.${ext})`,
      })
    }
  }
  if (o.load_labels === true && !findLabelDir(dir)) {
    notes.push({ code: 'PLAF_INPUT_INVALID', message: `load_labels is true but ${dir} has no label-filt/ folder`, path: 'load_labels', actual: 'true', expected: 'a label-filt/ folder, or load_labels null or false' })
  }
  return notes
}
