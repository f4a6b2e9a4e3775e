import { main } from '@plaf/cli'
import { tempDir as coreTempDir, type TempDir } from '@plaf/core/testing'

/** A temp dir `plaf-<name>-XXXXXX` (from @plaf/core/testing); call its cleanup in afterAll. */
export const tempDir = (name = 'e2e'): TempDir => coreTempDir(name)

/** Runs the plaf CLI in-process; throws with its stderr when the exit code is not the expected one. */
export async function plaf(args: string[], expectCode = 0): Promise<{ code: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const code = await main(args, { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n') })
  if (code !== expectCode) throw new Error(`plaf ${args.join(' ')} exited ${code}, expected ${expectCode}\n${err}`)
  return { code, out, err }
}

/**
 * For each query point, the index of the nearest reference point within `radius` (or -1), using a
 * uniform hash grid of cell `radius` (27-cell search): exact within the radius.
 */
export function nearestWithin(ref: Float32Array, query: ArrayLike<number>, radius: number): Int32Array {
  const key = (x: number, y: number, z: number) => `${x},${y},${z}`
  const cells = new Map<string, number[]>()
  for (let i = 0; i < ref.length / 3; i++) {
    const k = key(Math.floor(ref[3 * i] / radius), Math.floor(ref[3 * i + 1] / radius), Math.floor(ref[3 * i + 2] / radius))
    let c = cells.get(k)
    if (!c) cells.set(k, (c = []))
    c.push(i)
  }
  const n = query.length / 3
  const out = new Int32Array(n).fill(-1)
  for (let j = 0; j < n; j++) {
    const x = query[3 * j], y = query[3 * j + 1], z = query[3 * j + 2]
    const cx = Math.floor(x / radius), cy = Math.floor(y / radius), cz = Math.floor(z / radius)
    let best = radius * radius
    for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) for (let dz = -1; dz <= 1; dz++) {
      for (const i of cells.get(key(cx + dx, cy + dy, cz + dz)) ?? []) {
        const d = (ref[3 * i] - x) ** 2 + (ref[3 * i + 1] - y) ** 2 + (ref[3 * i + 2] - z) ** 2
        if (d <= best) {
          best = d
          out[j] = i
        }
      }
    }
  }
  return out
}
