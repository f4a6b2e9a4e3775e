import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { loadSharp } from '../frames/sharp.js'
import { encodePng, type Frame } from '@plaf/core'

/** Replica's depth PNGs (NICE-SLAM): 6553.5 units per metre. */
export const REPLICA_DEPTH_SCALE = 6553.5

const num = (v: number): string => (Number.isFinite(v) ? String(v) : v > 0 ? 'inf' : Number.isNaN(v) ? 'nan' : '-inf')

/**
 * Writes frames as a Replica sequence in the NICE-SLAM layout (`results/frame%06d.jpg`,
 * `depth%06d.png` at 6553.5 units per metre, `traj.txt`), plus `cam_params.json` in the parent
 * folder as the Replica download has it, for tests of the `replica` reader and
 * `plaf data convert`. Frames must be consecutive from 0 (traj.txt line i is frame i); a null
 * pose is written as a line of -inf.
 */
export async function writeReplicaSequence(dir: string, frames: AsyncIterable<Frame>): Promise<number> {
  const sharp = await loadSharp()
  mkdirSync(join(dir, 'results'), { recursive: true })
  const traj: string[] = []
  let camera: Record<string, number> | undefined
  for await (const f of frames) {
    if (f.index !== traj.length) throw new Error(`writeReplicaSequence: frame indices must run 0, 1, 2, … (got ${f.index} at ${traj.length})`)
    const name = String(f.index).padStart(6, '0')
    const [h, w] = f.rgb.shape
    writeFileSync(join(dir, 'results', `frame${name}.jpg`), await sharp(f.rgb.data, { raw: { width: w, height: h, channels: 3 } }).jpeg({ quality: 95 }).toBuffer())
    const [dh, dw] = f.depth!.shape
    const u16 = new Uint16Array(dw * dh)
    for (let i = 0; i < u16.length; i++) u16[i] = Math.min(65535, Math.round(f.depth!.data[i] * REPLICA_DEPTH_SCALE))
    writeFileSync(join(dir, 'results', `depth${name}.png`), encodePng({ data: u16, width: dw, height: dh, channels: 1, depth: 16 }))
    traj.push(Array.from({ length: 16 }, (_, i) => num(f.pose ? f.pose[i] : -Infinity)).join(' '))
    const k = f.colorIntrinsics
    if (!k) throw new Error(`writeReplicaSequence: frame ${f.id} has no colour intrinsics`)
    camera ??= { w: k.width, h: k.height, fx: k.fx, fy: k.fy, cx: k.cx, cy: k.cy, scale: REPLICA_DEPTH_SCALE }
  }
  writeFileSync(join(dir, 'traj.txt'), traj.join('\n') + '\n')
  writeFileSync(join(dirname(dir), 'cam_params.json'), JSON.stringify({ camera }, null, 2) + '\n')
  return traj.length
}
