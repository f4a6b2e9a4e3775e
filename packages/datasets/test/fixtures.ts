import { tempDir } from '@plaf/core/testing'
import type { WriteSceneOptions } from '../src/write-scene.js'

/** A small, fast scene: 320×240 colour, 160×120 depth, coarse mesh. */
export const SMALL: Partial<WriteSceneOptions> = {
  color_width: 320, color_height: 240, depth_width: 160, depth_height: 120, frames: 6,
  room_size: [5, 4, 2.6], mesh_spacing: 0.1, seed: 7,
}

/** A fresh temporary directory (tempDir from @plaf/core/testing) and its clean-up. */
export function tempRoot(name = 'datasets'): { root: string; cleanup: () => void } {
  const { dir, cleanup } = tempDir(name)
  return { root: dir, cleanup }
}

/** Runs `f` and returns the first diagnostic of the PlafError it throws (sync or async). */
export async function diagnosticOf(f: () => unknown): Promise<Record<string, unknown> | undefined> {
  try {
    await f()
  } catch (e) {
    const d = (e as { diagnostics?: Record<string, unknown>[] }).diagnostics
    if (!d) throw e
    return d[0]
  }
  return undefined
}
