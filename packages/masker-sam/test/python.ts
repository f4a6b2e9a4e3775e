import { writeFileSync } from 'node:fs'
import { pythonCheck, tempDir, type PythonCheck } from '@plaf/core/testing'

/** Debian's torch + torchvision (+ numpy): the real torchvision.ops.nms and F.interpolate. */
export const torch = pythonCheck(['torch', 'torchvision', 'numpy'], ['python3-torchvision'])
/** OpenCV's connectedComponentsWithStats, which SAM's remove_small_regions uses. */
export const cv2 = pythonCheck(['cv2', 'numpy'], ['python3-opencv'])
/** Both, for the whole-generator reference. */
export const amgReference = pythonCheck(['torch', 'torchvision', 'cv2', 'numpy'], ['python3-torchvision', 'python3-opencv'])

/**
 * Runs `script` with `input` as JSON in a temp file whose path is `sys.argv[1]`; the script
 * prints JSON. Large inputs go through the file, not the command line.
 */
export function runWith(check: PythonCheck, script: string, input: unknown): unknown {
  const dir = tempDir('masker-sam-py')
  try {
    const file = dir.path('input.json')
    writeFileSync(file, JSON.stringify(input))
    return check.json(`import json, sys\ninp = json.load(open(sys.argv[1]))\n${script}`, [file])
  } finally {
    dir.cleanup()
  }
}
