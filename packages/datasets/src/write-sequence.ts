import { existsSync, readdirSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { fail, type Frame, type OptionsSource } from '@plaf/core'
import { writeReplicaSequence } from './replica/write.js'
import { writeRgbdFolder } from './rgbd-folder/write.js'
import { SYNTHETIC_OPTIONS_SCHEMA, resolveOptions, type SyntheticOptions } from './synthetic/options.js'
import { createRenderer, toFramePort } from './synthetic/render.js'
import { generateRoom } from './synthetic/room.js'
import { TUM_CAMERAS } from './tum/reader.js'
import { writeTumSequence } from './tum/write.js'

/** Formats `writeSyntheticSequence` writes besides the ScanNet layout of `writeScene`. */
export const SEQUENCE_FORMATS = ['rgbd-folder', 'replica', 'tum'] as const
/** One of them. */
export type SequenceFormat = (typeof SEQUENCE_FORMATS)[number]

/** What was written. */
export interface WriteSequenceSummary {
  dir: string
  format: SequenceFormat
  frames: number
  invalidPoseFrames: number[]
  elapsedMs: number
  /** Replica: the shared `cam_params.json` (in the folder above the sequence), and whether it was written or already held this camera. */
  cameraFile?: { file: string; written: boolean }
}

/**
 * Renders the synthetic room (`synthetic-room` options) and writes it as an rgbd-folder (own-data
 * format, PNG colour, 16-bit depth in mm, pose files, `-inf` rows for invalid poses) or a Replica
 * sequence (NICE-SLAM layout, cam_params.json beside it) or a TUM RGB-D sequence:
 * `plaf make-scene --format`. The camera written is the one rendered, so the geometry is
 * consistent. TUM publishes no intrinsics file and its reader takes the camera from the folder
 * name, so a TUM sequence is rendered with the freiburg3 camera (pinhole: TUM undistorted those
 * images) at 640×480 into a folder whose name says freiburg3.
 */
export async function writeSyntheticSequence(
  dir: string, format: SequenceFormat, options: Partial<SyntheticOptions> = {}, source: Omit<OptionsSource, 'value'> = {},
): Promise<WriteSequenceSummary> {
  const t0 = performance.now()
  const given = { ...options }
  if (format === 'replica') {
    // Replica stores depth at the colour size, with one camera for both.
    given.depth_width ??= given.color_width ?? 1296
    given.depth_height ??= given.color_height ?? 968
  }
  if (format === 'tum') {
    given.color_width ??= 640
    given.color_height ??= 480
    given.depth_width ??= 640
    given.depth_height ??= 480
  }
  const opts = resolveOptions<SyntheticOptions>(SYNTHETIC_OPTIONS_SCHEMA, given, 'make-scene', { hint: 'options: plaf plugins synthetic-room', ...source })
  if (format === 'tum') checkTum(opts, resolve(dir))
  if (format === 'replica' && (opts.depth_width !== opts.color_width || opts.depth_height !== opts.color_height)) {
    fail('PLAF_INVALID_OPTION', `make-scene: a Replica sequence has depth at the colour size; got colour ${opts.color_width}×${opts.color_height}, depth ${opts.depth_width}×${opts.depth_height}`, {
      path: 'depth_width', expected: `${opts.color_width}×${opts.color_height}`, actual: `${opts.depth_width}×${opts.depth_height}`,
    })
  }
  const target = resolve(dir)
  if (existsSync(target) && readdirSync(target).length) fail('PLAF_INVALID_OPTION', `${target} exists and is not empty; refusing to write a ${format} sequence into it`, { file: target, expected: 'a new or empty directory', actual: 'a non-empty directory' })
  const room = generateRoom(opts)
  const tumK = { ...TUM_CAMERAS.freiburg3, width: 640, height: 480 }
  const scene = format === 'tum' ? { ...room, colorIntrinsics: tumK, depthIntrinsics: tumK } : room
  const renderer = createRenderer(scene)
  async function* frames(): AsyncIterable<Frame> {
    for (let i = 0; i < scene.poses.length; i++) yield toFramePort(scene, renderer.render(i))
  }
  const replica = format === 'replica' ? await writeReplicaSequence(target, frames()) : undefined
  const n = replica ? replica.frames
    : format === 'tum' ? await writeTumSequence(target, frames())
    : (await writeRgbdFolder(target, frames())).frames
  return {
    dir: target, format, frames: n, invalidPoseFrames: [...opts.invalid_pose_frames].sort((a, b) => a - b), elapsedMs: performance.now() - t0,
    ...(replica ? { cameraFile: { file: replica.cameraFile, written: replica.cameraWritten } } : {}),
  }
}

/** A generated TUM sequence is 640×480 colour and depth, in a folder the reader takes freiburg3 from. */
function checkTum(opts: SyntheticOptions, target: string): void {
  const sizes = [opts.color_width, opts.color_height, opts.depth_width, opts.depth_height]
  if (sizes.join() !== '640,480,640,480') {
    fail('PLAF_INVALID_OPTION', `make-scene: a TUM sequence is 640×480 colour and depth (the freiburg3 camera); got colour ${opts.color_width}×${opts.color_height}, depth ${opts.depth_width}×${opts.depth_height}`, {
      path: 'color_width', expected: '640×480 colour and depth', actual: `colour ${opts.color_width}×${opts.color_height}, depth ${opts.depth_width}×${opts.depth_height}`,
    })
  }
  if (!/freiburg3/.test(basename(target))) {
    fail('PLAF_INVALID_OPTION', `make-scene: ${target}: a TUM sequence carries no intrinsics, and the tum reader takes the camera from the folder name; a generated one uses the freiburg3 camera, so its folder name must say freiburg3`, {
      file: target, expected: 'a folder named like rgbd_dataset_freiburg3_synthetic', actual: basename(target),
      hint: `TUM's own folders are named so (rgbd_dataset_freiburg3_…); write it as ${join(dirname(target), `rgbd_dataset_freiburg3_${basename(target)}`)}`,
    })
  }
}
