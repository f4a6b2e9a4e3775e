import { validateOptions, type Frame, type PluginNote } from '@plaf/core'
import { createTestContext } from '@plaf/core/testing'
import { rgbdFolderInput, type RgbdFolderOptions } from '../../src/plugins/rgbd-folder.js'
import { syntheticRoomInput } from '../../src/plugins/synthetic-room.js'
import type { DatasetSource } from '../../src/frames/source.js'
import { writeRgbdFolder, type WriteRgbdFolderOptions } from '../../src/rgbd-folder/write.js'
import type { SyntheticOptions } from '../../src/synthetic/options.js'

/** A small synthetic room: 160×120 colour, 80×60 depth, 5 frames, frame 2's pose invalid. */
export const ROOM: Partial<SyntheticOptions> = {
  color_width: 160, color_height: 120, depth_width: 80, depth_height: 60, frames: 5, room_size: [5, 4, 2.6], seed: 11, invalid_pose_frames: [2],
}

/** The frames synthetic-room renders for ROOM (the ground truth a written folder must read back to). */
export async function roomFrames(options: Partial<SyntheticOptions> = ROOM): Promise<Frame[]> {
  const src = await syntheticRoomInput.create(validateOptions(syntheticRoomInput, options).value as unknown as SyntheticOptions, createTestContext())
  const out: Frame[] = []
  for await (const f of src.frames()) out.push(f)
  return out
}

async function* each(frames: Frame[]): AsyncIterable<Frame> {
  yield* frames
}

/** Writes frames as an rgbd-folder. */
export function writeFolder(dir: string, frames: Frame[], options: Partial<WriteRgbdFolderOptions> = {}) {
  return writeRgbdFolder(dir, each(frames), options)
}

/** Opens an rgbd-folder through the plugin (options validated, defaults filled in). */
export async function openFolder(options: Partial<RgbdFolderOptions>): Promise<{ src: DatasetSource; notes: PluginNote[] }> {
  const r = validateOptions(rgbdFolderInput, options)
  if (r.errors.length) throw new Error(JSON.stringify(r.errors))
  const ctx = createTestContext()
  const src = (await rgbdFolderInput.create(r.value as unknown as RgbdFolderOptions, ctx)) as DatasetSource
  return { src, notes: ctx.notes }
}

/** Every frame a source yields. */
export async function readAll(src: DatasetSource): Promise<Frame[]> {
  const out: Frame[] = []
  for await (const f of src.frames()) out.push(f)
  return out
}
