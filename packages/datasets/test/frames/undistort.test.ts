import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { pythonCheck } from '@plaf/core/testing'
import { remapBilinearU8, remapNearestF32, undistortMaps } from '../../src/frames/undistort.js'
import { TUM_CAMERAS, TUM_DISTORTION } from '../../src/tum/reader.js'
import { tempRoot } from '../fixtures.js'

// The reference is OpenCV itself (Debian python3-opencv, which .ci/run installs): cv2.undistort for
// colour, initUndistortRectifyMap + remap(INTER_NEAREST) for depth, on images this test generates.
const cv = pythonCheck(['cv2', 'numpy'], ['python3-opencv'])
const tmp = tempRoot('undistort')
afterAll(() => tmp.cleanup())

const W = 640, H = 480

/** A colour image with sharp edges (checkerboard), smooth gradients and noise, every channel different. */
function colourImage(): Uint8Array {
  const img = new Uint8Array(W * H * 3)
  let s = 12345
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    s = (s * 1103515245 + 12345) >>> 0
    const check = ((x >> 4) + (y >> 4)) & 1
    const i = (y * W + x) * 3
    img[i] = check ? 230 : 20
    img[i + 1] = Math.round(127.5 + 127.5 * Math.sin(x / 23 + y / 37))
    img[i + 2] = (s >>> 24) & 0xff
  }
  return img
}

/** Depth in metres with holes (0) and jumps, as a Kinect's registered depth has. */
function depthImage(): Float32Array {
  const d = new Float32Array(W * H)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) {
    d[y * W + x] = (x * 7 + y * 3) % 97 === 0 ? 0 : ((x >> 5) + (y >> 5)) & 1 ? 1.25 + x / 1000 : 3.5 - y / 1000
  }
  return d
}

const script = `
import sys, numpy as np, cv2
fx, fy, cx, cy, k1, k2, p1, p2, k3 = map(float, sys.argv[1:10])
rgb_in, depth_in, rgb_out, depth_out = sys.argv[10:14]
K = np.array([[fx, 0, cx], [0, fy, cy], [0, 0, 1]])
D = np.array([k1, k2, p1, p2, k3])
rgb = np.fromfile(rgb_in, np.uint8).reshape(${H}, ${W}, 3)
cv2.undistort(rgb, K, D).tofile(rgb_out)
m1, m2 = cv2.initUndistortRectifyMap(K, D, None, K, (${W}, ${H}), cv2.CV_32FC1)
depth = np.fromfile(depth_in, np.float32).reshape(${H}, ${W})
cv2.remap(depth, m1, m2, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0).tofile(depth_out)
print('{}')
`

describe('TUM undistortion against OpenCV', () => {
  for (const camera of ['freiburg1', 'freiburg2'] as const) {
    it(`${camera}: colour equals cv2.undistort, depth equals remap INTER_NEAREST${cv.note}`, { skip: !cv.available }, () => {
      const k = { ...TUM_CAMERAS[camera], width: W, height: H }
      const rgb = colourImage(), depth = depthImage()
      const f = (n: string) => join(tmp.root, `${camera}-${n}`)
      writeFileSync(f('rgb.in'), rgb)
      writeFileSync(f('depth.in'), new Uint8Array(depth.buffer))
      cv.json(script, [...[k.fx, k.fy, k.cx, k.cy, ...TUM_DISTORTION[camera]].map(String), f('rgb.in'), f('depth.in'), f('rgb.cv'), f('depth.cv')])
      const wantRgb = new Uint8Array(readFileSync(f('rgb.cv')))
      const b = readFileSync(f('depth.cv'))
      const wantDepth = new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4)

      const maps = undistortMaps(k, TUM_DISTORTION[camera])
      const gotRgb = remapBilinearU8(rgb, 3, maps)
      const gotDepth = remapNearestF32(depth, maps)
      let rgbDiff = 0, rgbMax = 0, depthDiff = 0, black = 0
      for (let i = 0; i < gotRgb.length; i++) {
        const d = Math.abs(gotRgb[i] - wantRgb[i])
        if (d) rgbDiff++
        rgbMax = Math.max(rgbMax, d)
      }
      for (let i = 0; i < gotDepth.length; i++) {
        if (gotDepth[i] !== wantDepth[i]) depthDiff++
        if (wantDepth[i] === 0 && depth[i] !== 0) black++
      }
      // same 1/32-pixel positions, same integer weights and rounding as OpenCV: every byte equal
      expect({ rgbDiff, rgbMax, depthDiff }).toEqual({ rgbDiff: 0, rgbMax: 0, depthDiff: 0 })
      // the images really moved: a border band became 0 (outside the recorded image), edges shifted
      expect(black).toBeGreaterThan(1000)
      let moved = 0
      for (let i = 0; i < rgb.length; i++) if (gotRgb[i] !== rgb[i]) moved++
      expect(moved / rgb.length).toBeGreaterThan(0.5)
    })
  }

  it('the principal point maps to itself and no depth is ever blended', () => {
    const k = { ...TUM_CAMERAS.freiburg1, width: W, height: H }
    const maps = undistortMaps(k, TUM_DISTORTION.freiburg1)
    const c = Math.round(k.cy) * W + Math.round(k.cx)
    expect(maps.nearest[c]).toBe(c)
    const depth = depthImage()
    const values = new Set(depth)
    let foreign = 0
    for (const v of remapNearestF32(depth, maps)) if (!values.has(v)) foreign++
    expect(foreign).toBe(0)
  })
})
