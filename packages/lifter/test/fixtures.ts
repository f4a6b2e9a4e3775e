import type { Frame, SemanticMemory2D } from '@plaf/core'

/** Row-major 4×4 camera-to-world pose: rotation about z by `yaw`, then about x by `pitch`, then translation. */
export function pose(yaw: number, pitch: number, t: [number, number, number]): Float64Array {
  const [cz, sz, cx, sx] = [Math.cos(yaw), Math.sin(yaw), Math.cos(pitch), Math.sin(pitch)]
  // R = Rz(yaw) · Rx(pitch)
  return Float64Array.from([
    cz, -sz * cx, sz * sx, t[0],
    sz, cz * cx, -cz * sx, t[1],
    0, sx, cx, t[2],
    0, 0, 0, 1,
  ])
}

/** A frame looking at a fronto-parallel plane at depth `z` (metres), depth W×H, colour 2W×2H. */
export function planeFrame(opts: { id?: string; W?: number; H?: number; z?: number; pose?: Float64Array | null; depth?: boolean } = {}): Frame {
  const W = opts.W ?? 8
  const H = opts.H ?? 6
  const z = opts.z ?? 2
  const rgb = new Uint8Array(2 * W * 2 * H * 3)
  for (let i = 0; i < 4 * W * H; i++) rgb.set([(i * 7) % 256, (i * 13) % 256, (i * 29) % 256], i * 3)
  const frame: Frame = {
    id: opts.id ?? '000000',
    index: 0,
    rgb: { data: rgb, shape: [2 * H, 2 * W, 3] },
    pose: opts.pose === undefined ? pose(0.7, -0.4, [1.5, -2, 0.8]) : opts.pose,
    colorIntrinsics: { fx: 8, fy: 8, cx: W - 0.5, cy: H - 0.5, width: 2 * W, height: 2 * H },
  }
  if (opts.depth !== false) {
    frame.depth = { data: new Float32Array(W * H).fill(z), shape: [H, W] }
    frame.depthIntrinsics = { fx: 4, fy: 4, cx: (W - 1) / 2, cy: (H - 1) / 2, width: W, height: H }
  }
  return frame
}

/** A memory with the given id map (W×H) and one-hot-ish feature rows (row 0 zero). */
export function memory(ids: Uint16Array, W: number, H: number, rows: number, d = 4, space = 'test-space'): SemanticMemory2D {
  const data = new Float32Array(rows * d)
  for (let r = 1; r < rows; r++) data[r * d + ((r - 1) % d)] = 1 + Math.floor((r - 1) / d)
  return { ids: { data: ids, shape: [H, W] }, features: { data, shape: [rows, d] }, space }
}

/** A memory from explicit feature rows. */
export function memoryOf(ids: Uint16Array, W: number, H: number, rows: number[][], space = 'test-space'): SemanticMemory2D {
  const d = rows[0].length
  return { ids: { data: ids, shape: [H, W] }, features: { data: Float32Array.from(rows.flat()), shape: [rows.length, d] }, space }
}
