import type { PluginNote } from '@plaf/core'
import { frameId } from '../synthetic/render.js'
import { poseFault } from './pose.js'

/** A frame a reader skipped, and why (as `plaf data inspect --json` and the run report list it). */
export interface FrameSkip {
  /** Integer frame index (the reader's `Frame.index`). */
  frame: number
  /** The file the reason is about (usually the pose file or trajectory). */
  file: string
  /** What is wrong, e.g. `non-finite pose (tracking lost)`. */
  reason: string
}

/** Which frames of a sequence to use; the same options on every reader. */
export interface FrameSelection {
  /** Use every n-th frame of the sequence (before frames with bad poses are skipped). */
  frame_step: number
  /** [start, end): only frames whose index is in this range; null = all. */
  frame_range: [number, number] | null
  /** Stop after this many usable frames; null = all. */
  max_frames: number | null
}

/** A candidate frame: its index and where its pose came from. */
export interface PoseCandidate {
  index: number
  /** File named in a skip (pose file, trajectory file, .sens). */
  poseFile: string
}

/** A pose as read, or the reason there is none (e.g. no trajectory entry near the timestamp). */
export type PoseRead = { pose: Float64Array } | { reason: string }

/** Result of `selectFrames`: the usable frames with their poses, and every skip with its reason. */
export interface Selected<T> {
  frames: { item: T; pose: Float64Array }[]
  skips: FrameSkip[]
}

/** JSON Schema fragments of the selection options, shared by the readers' option schemas. */
export const SELECTION_SCHEMA = {
  frame_step: { type: 'integer', minimum: 1, default: 1, description: 'Use every n-th frame of the sorted sequence (before frames with bad poses are skipped).' },
  frame_range: {
    type: ['array', 'null'], items: { type: 'integer', minimum: 0 }, minItems: 2, maxItems: 2, default: null,
    description: 'Only frames with index in [start, end), e.g. [100, 200]; null = all.',
  },
  max_frames: { type: ['integer', 'null'], minimum: 1, default: null, description: 'Stop after this many usable frames (after frame_step and skipping); null = all.' },
} as const

/**
 * The shared frame check: applies frame_step, frame_range and max_frames, reads each selected
 * frame's pose and drops it when `poseFault` (or the reader) gives a reason, reporting one
 * PLAF_FRAME_SKIPPED warning per dropped frame. Every reader and `plaf data inspect` go through
 * here, so they agree on which frames are usable.
 */
export function selectFrames<T extends PoseCandidate>(
  candidates: readonly T[], sel: FrameSelection, readPose: (item: T) => PoseRead, warn: (note: PluginNote) => void,
): Selected<T> {
  const frames: Selected<T>['frames'] = []
  const skips: FrameSkip[] = []
  const limit = sel.max_frames ?? Infinity
  const inRange = sel.frame_range ? candidates.filter((c) => c.index >= sel.frame_range![0] && c.index < sel.frame_range![1]) : candidates
  for (let k = 0; k < inRange.length && frames.length < limit; k += sel.frame_step) {
    const item = inRange[k]
    const read = readPose(item)
    const reason = 'reason' in read ? read.reason : poseFault(read.pose)
    if (reason !== undefined || !('pose' in read)) {
      const why = reason ?? 'no pose'
      skips.push({ frame: item.index, file: item.poseFile, reason: why })
      const id = frameId(item.index)
      warn({ code: 'PLAF_FRAME_SKIPPED', severity: 'warning', message: `frame ${id}: ${item.poseFile}: ${why}; frame skipped`, frame: id, file: item.poseFile })
      continue
    }
    frames.push({ item, pose: read.pose })
  }
  return { frames, skips }
}

/** JSON Schema fragments of the pose convention options, shared by the readers of poses from other tools. */
export const POSE_CONVENTION_SCHEMA = {
  pose_axes: { type: 'string', enum: ['opencv', 'opengl'], default: 'opencv', description: 'Camera axes of the poses: opencv (x right, y down, z forward) or opengl (x right, y up, z backward).' },
  pose_direction: { type: 'string', enum: ['camera-to-world', 'world-to-camera'], default: 'camera-to-world', description: 'Whether a pose maps camera to world coordinates (ScanNet, TUM) or world to camera (extrinsics).' },
} as const
