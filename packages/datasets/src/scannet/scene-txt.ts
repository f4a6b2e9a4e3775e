import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { fail } from '@plaf/core'
import { parseMetadata, parseNumberToken } from './text.js'

/**
 * What a scan's `<scene>.txt` says about its camera and frame count (SensReader writes the .sens
 * header there): image sizes, pinhole parameters and the number of frames. Each field is
 * undefined when the file does not have it (test scans and hand-made scenes may lack any of
 * them); the readers check frames and intrinsic files only against the fields present.
 */
export interface SceneTxtCamera {
  file: string
  colorWidth?: number
  colorHeight?: number
  depthWidth?: number
  depthHeight?: number
  /** fx_color, fy_color, mx_color, my_color (mx, my are cx, cy). */
  color: Partial<Record<'fx' | 'fy' | 'cx' | 'cy', number>>
  depth: Partial<Record<'fx' | 'fy' | 'cx' | 'cy', number>>
  numColorFrames?: number
  numDepthFrames?: number
  /** Each field's text as written, by key, for messages (`fx_color = 1169.621094`). */
  raw: Record<string, string>
}

const INTEGER_KEYS = ['colorWidth', 'colorHeight', 'depthWidth', 'depthHeight', 'numColorFrames', 'numDepthFrames'] as const
const PINHOLE = { fx: 'fx', fy: 'fy', cx: 'mx', cy: 'my' } as const

/**
 * Reads the camera fields of a `<scene>.txt`. A field that is present but not a number (a size or
 * count that is not a non-negative integer, a focal length that is not positive) is an error
 * naming the file and key: a damaged header must not be half-used.
 */
export function readSceneTxtCamera(file: string): SceneTxtCamera {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${file} cannot be read (${(e as Error).message})`, { file, cause: e, expected: 'the scan\'s <scene>.txt metadata' })
  }
  const meta = parseMetadata(text)
  const out: SceneTxtCamera = { file, color: {}, depth: {}, raw: {} }
  const number = (key: string, ok: (v: number) => boolean, want: string): number | undefined => {
    const s = meta[key]
    if (s === undefined) return undefined
    const v = parseNumberToken(s)
    if (v === undefined || !ok(v)) fail('PLAF_INPUT_INVALID', `${file}: ${key} = ${s} is not ${want}`, { file, path: key, expected: want, actual: s })
    out.raw[key] = s
    return v
  }
  for (const key of INTEGER_KEYS) out[key] = number(key, (v) => Number.isInteger(v) && v >= 0, 'a non-negative integer')
  for (const cam of ['color', 'depth'] as const) {
    for (const [k, prefix] of Object.entries(PINHOLE) as [keyof typeof PINHOLE, string][]) {
      const v = number(`${prefix}_${cam}`, k === 'fx' || k === 'fy' ? (x) => x > 0 && Number.isFinite(x) : Number.isFinite, k === 'fx' || k === 'fy' ? 'a positive number' : 'a finite number')
      if (v !== undefined) out[cam][k] = v
    }
  }
  return out
}

/** The key of a pinhole parameter in `<scene>.txt` (`cx` of colour is `mx_color`). */
export function sceneTxtKey(param: 'fx' | 'fy' | 'cx' | 'cy', cam: 'color' | 'depth'): string {
  return `${PINHOLE[param]}_${cam}`
}

/**
 * Whether an intrinsic file's value agrees with `<scene>.txt`'s: within 1e-4 relative (at least
 * 1e-3 absolute), far looser than any decimal formatting of the same float (`%f`, `%g` with 6
 * digits), far tighter than a camera that is not the same.
 */
export function sameIntrinsic(a: number, b: number): boolean {
  return Math.abs(a - b) <= Math.max(1e-3, 1e-4 * Math.max(Math.abs(a), Math.abs(b)))
}

/** `<scene>.txt`'s frame count (the larger of numColorFrames and numDepthFrames), for listing frames that have no file. */
export function sceneFrameCount(t: SceneTxtCamera | undefined): { value: number; because: string } | undefined {
  if (!t) return undefined
  const keys = (['numColorFrames', 'numDepthFrames'] as const).filter((k) => t[k] !== undefined)
  if (!keys.length) return undefined
  const key = keys.reduce((a, b) => (t[b]! > t[a]! ? b : a))
  return { value: t[key]!, because: `${basename(t.file)} says ${key} = ${t[key]}` }
}

