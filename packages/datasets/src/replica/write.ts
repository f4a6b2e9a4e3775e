import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { loadSharp } from '../frames/sharp.js'
import { encodePng, fail, type Frame } from '@plaf/core'

/** Replica's depth PNGs (NICE-SLAM): 6553.5 units per metre. */
export const REPLICA_DEPTH_SCALE = 6553.5

const num = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : Number.isNaN(v) ? 'nan' : '-inf')

/** What `writeReplicaSequence` wrote. */
export interface ReplicaWriteSummary {
  frames: number
  /** The shared camera file, `cam_params.json` in the folder above the sequence. */
  cameraFile: string
  /** False when the file was already there with this very camera and was left as it was. */
  cameraWritten: boolean
}

type ReplicaCamera = Record<'w' | 'h' | 'fx' | 'fy' | 'cx' | 'cy' | 'scale', number>
const CAMERA_KEYS = ['w', 'h', 'fx', 'fy', 'cx', 'cy', 'scale'] as const

/**
 * Whether an existing cam_params.json may stay (true: it holds this camera), or must not be
 * touched: a file with another camera, or one that cannot be read, is the shared camera of the
 * sequences beside this one and is never replaced (PLAF_INVALID_OPTION naming it).
 */
function keepsCameraFile(file: string, camera: ReplicaCamera, dir: string): boolean {
  if (!existsSync(file)) return false
  let held: unknown
  try {
    held = (JSON.parse(readFileSync(file, 'utf8')) as { camera?: unknown }).camera
  } catch (e) {
    held = `not JSON (${(e as Error).message.replace(/\s+/g, ' ')})`
  }
  const h = held as Partial<ReplicaCamera> | undefined
  if (h && typeof h === 'object' && CAMERA_KEYS.every((k) => h[k] === camera[k])) return true
  const show = (c: Partial<ReplicaCamera>) => CAMERA_KEYS.map((k) => `${k} ${c[k]}`).join(', ')
  const actual = h && typeof h === 'object' ? show(h) : typeof held === 'string' ? held : 'no "camera" object'
  return fail('PLAF_INVALID_OPTION', `${file} already exists with another camera (${actual}); writing a Replica sequence into ${dir} would replace it, and Replica's reader takes the camera of every sequence in ${dirname(file)} from it. Nothing was written`, {
    file, expected: `no cam_params.json there, or this camera (${show(camera)})`, actual,
    hint: `write the sequence into a folder whose parent holds no cam_params.json (e.g. ${join(dirname(dirname(file)), 'synthetic', 'room0')}), or move ${file} away`,
  })
}

/**
 * Writes frames as a Replica sequence in the NICE-SLAM layout (`results/frame%06d.jpg`,
 * `depth%06d.png` at 6553.5 units per metre, `traj.txt`), plus `cam_params.json` in the parent
 * folder as the Replica download has it, for tests of the `replica` reader and
 * `plaf data convert`. Frames must be consecutive from 0 (traj.txt line i is frame i); a null
 * pose is written as a line of -inf. The parent's `cam_params.json` is shared by every sequence
 * there: one that already exists is left as it is when it holds the same camera, and is never
 * replaced when it holds another (an error before anything is written).
 */
export async function writeReplicaSequence(dir: string, frames: AsyncIterable<Frame>): Promise<ReplicaWriteSummary> {
  const sharp = await loadSharp()
  const cameraFile = join(dirname(resolve(dir)), 'cam_params.json')
  const traj: string[] = []
  let camera: ReplicaCamera | undefined
  let cameraKept = false
  for await (const f of frames) {
    if (!camera) {
      const k = f.colorIntrinsics
      if (!k) throw new Error(`writeReplicaSequence: frame ${f.id} has no colour intrinsics`)
      camera = { w: k.width, h: k.height, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy, scale: REPLICA_DEPTH_SCALE }
      cameraKept = keepsCameraFile(cameraFile, camera, dir)
      mkdirSync(join(dir, 'results'), { recursive: true })
    }
    if (f.index !== traj.length) throw new Error(`writeReplicaSequence: frame indices must run 0, 1, 2, … (got ${f.index} at ${traj.length})`)
    const name = String(f.index).padStart(6, '0')
    const [h, w] = f.rgb.shape
    writeFileSync(join(dir, 'results', `frame${name}.jpg`), await sharp(f.rgb.data, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toBuffer())
    const [dh, dw] = f.depth!.shape
    const u16 = new Uint16Array(dw * dh)
    for (let i = 0; i < u16.length; i++) u16[i] = Math.min(65535, Math.round(f.depth!.data[i] * REPLICA_DEPTH_SCALE))
    writeFileSync(join(dir, 'results', `depth${name}.png`), encodePng({ data: u16, width: dw, height: dh, channels: 1, depth: 16 }))
    traj.push(Array.from({ length: 16 }, (_, i) => num(f.pose ? f.pose[i] : -Infinity)).join(' '))
  }
  if (!camera) throw new Error('writeReplicaSequence: no frames')
  writeFileSync(join(dir, 'traj.txt'), traj.join('\n') + '\n')
  if (!cameraKept) writeFileSync(cameraFile, JSON.stringify({ camera }, null, 2) + '\n')
  return { frames: traj.length, cameraFile, cameraWritten: !cameraKept }
}
