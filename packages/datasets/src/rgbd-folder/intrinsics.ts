import { readFileSync } from 'node:fs'
import { fail, type Intrinsics } from '@plaf/core'

/** `intrinsics.json` of an rgbd-folder: pinhole intrinsics with image sizes, and the depth PNG scale. */
export interface FolderIntrinsics {
  color: Intrinsics
  /** Depth camera; equals `color` when the file gives none (depth registered to colour). */
  depth: Intrinsics
  /** Depth PNG units per metre (1000 = millimetres); null when the file states none (only .npy depth allowed then). */
  depthScale: number | null
}

/** An example of the file, for messages and the README. */
export const INTRINSICS_EXAMPLE = '{"color": {"width": 640, "height": 480, "fx": 525, "fy": 525, "cx": 319.5, "cy": 239.5}, "depth_scale": 1000}'

const KEYS = ['width', 'height', 'fx', 'fy', 'cx', 'cy'] as const

function camera(value: unknown, at: string, file: string): Intrinsics {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    fail('PLAF_INPUT_INVALID', `${file}: "${at}" must be an object {width, height, fx, fy, cx, cy}`, { file, path: at, expected: 'an object {width, height, fx, fy, cx, cy}', actual: JSON.stringify(value) ?? 'nothing' })
  }
  const o = value as Record<string, unknown>
  const out: Record<string, number> = {}
  for (const k of KEYS) {
    const v = o[k]
    const integer = k === 'width' || k === 'height'
    const ok = typeof v === 'number' && Number.isFinite(v) && (integer ? Number.isInteger(v) && v > 0 : k.startsWith('f') ? v > 0 : true)
    if (!ok) {
      const expected = integer ? 'a positive integer (pixels)' : k.startsWith('f') ? 'a positive number (pixels)' : 'a finite number (pixels)'
      fail('PLAF_INPUT_INVALID', `${file}: ${at}.${k} ${v === undefined ? 'is missing' : `is ${JSON.stringify(v)}`}; expected ${expected}`, { file, path: `${at}.${k}`, expected, actual: v === undefined ? 'missing' : JSON.stringify(v) })
    }
    out[k] = v as number
  }
  const unknown = Object.keys(o).filter((k) => !(KEYS as readonly string[]).includes(k))
  if (unknown.length) fail('PLAF_INPUT_INVALID', `${file}: ${at} has unknown key(s) ${unknown.join(', ')}`, { file, path: `${at}.${unknown[0]}`, expected: KEYS.join(', '), actual: unknown.join(', ') })
  return out as unknown as Intrinsics
}

/** Reads and checks `intrinsics.json`, naming the file and the key that is wrong. */
export function readFolderIntrinsics(file: string): FolderIntrinsics {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    return fail('PLAF_INPUT_INVALID', `${file} is ${missing ? 'missing' : 'unreadable'}: an rgbd-folder states its camera intrinsics there`, {
      file, cause: e, expected: 'intrinsics.json with color {width, height, fx, fy, cx, cy} and depth_scale', actual: missing ? 'no such file' : (e as Error).message, hint: `e.g. ${INTRINSICS_EXAMPLE}`,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${file} is not valid JSON (${(e as Error).message})`, { file, cause: e, expected: 'JSON', hint: `e.g. ${INTRINSICS_EXAMPLE}` })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) fail('PLAF_INPUT_INVALID', `${file}: expected a JSON object`, { file, expected: 'an object', actual: JSON.stringify(json), hint: `e.g. ${INTRINSICS_EXAMPLE}` })
  const o = json as Record<string, unknown>
  const unknown = Object.keys(o).filter((k) => !['color', 'depth', 'depth_scale'].includes(k))
  if (unknown.length) fail('PLAF_INPUT_INVALID', `${file}: unknown key(s) ${unknown.join(', ')}`, { file, path: unknown[0], expected: 'color, depth, depth_scale', actual: unknown.join(', ') })
  const color = camera(o.color, 'color', file)
  const depth = o.depth === undefined ? color : camera(o.depth, 'depth', file)
  const s = o.depth_scale
  if (s !== undefined && !(typeof s === 'number' && Number.isFinite(s) && s > 0)) {
    fail('PLAF_INPUT_INVALID', `${file}: depth_scale is ${JSON.stringify(s)}; expected depth PNG units per metre, a positive number (1000 for millimetres)`, { file, path: 'depth_scale', expected: 'a positive number', actual: JSON.stringify(s) })
  }
  return { color, depth, depthScale: (s as number | undefined) ?? null }
}
