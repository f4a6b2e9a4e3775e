import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { ImagePreprocessor, inputGridTransform, resizedSize, type ResizePolicy } from '../../src/models/image-input.js'
import type { ImagePreprocessing } from '../../src/models/manifest.js'
import type { RgbImage } from '../../src/ports.js'
import { pythonCheck } from '../../src/testing/python.js'
import { tempDir } from '../../src/testing/temp.js'
import { maxAbsDiff } from '../../src/testing/numeric.js'
import { mulberry32 } from '../../src/util/random.js'

const torch = pythonCheck(['torch', 'numpy'], ['python3-torch'])
const numpy = pythonCheck(['numpy'], ['python3-numpy'])
const tmp = tempDir('image-input')
afterAll(() => tmp.cleanup())

const CLIP_MEAN: [number, number, number] = [0.48145466, 0.4578275, 0.40821073]
const CLIP_STD: [number, number, number] = [0.26862954, 0.26130258, 0.27577711]
const pre = (o: Partial<ImagePreprocessing> = {}): ImagePreprocessing => ({
  input_size: [64, 64], resize: 'squash', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], channel_order: 'rgb', pad_value: 0, ...o,
})

function noise(h: number, w: number, seed: number): RgbImage {
  const r = mulberry32(seed)
  const data = new Uint8Array(h * w * 3)
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(r() * 256)
  return { data, shape: [h, w, 3] }
}

/**
 * The reference: torch's own F.interpolate (bilinear, align_corners=False) then normalisation and
 * F.pad, or, without torch, the same steps written in numpy. Sizes are computed here again from
 * the policy (SAM's int(x·s + 0.5)). Writes float32 NCHW to `out`. Tolerance 1e-5: float32
 * arithmetic in torch.
 */
const REFERENCE = String.raw`
import json, sys
import numpy as np
a = json.loads(sys.argv[1])
H, W = a['H'], a['W']; ih, iw = a['input']
img = np.fromfile(a['img'], dtype=np.uint8).reshape(H, W, 3)
if a['policy'] == 'squash':
    rh, rw = ih, iw
else:
    s = min(ih / H, iw / W) if a['policy'] == 'pad' else max(ih, iw) / max(H, W)
    rh, rw = min(ih, max(1, int(H * s + 0.5))), min(iw, max(1, int(W * s + 0.5)))
mean = np.array(a['mean']).reshape(1, 3, 1, 1); std = np.array(a['std']).reshape(1, 3, 1, 1)
order = [2, 1, 0] if a['order'] == 'bgr' else [0, 1, 2]
if a['engine'] == 'torch':
    import torch, torch.nn.functional as F
    x = torch.from_numpy(img).permute(2, 0, 1)[None].float() * a['scale']
    y = F.interpolate(x, size=(rh, rw), mode='bilinear', align_corners=False)[:, order]
    y = (y - torch.tensor(mean, dtype=torch.float32)) / torch.tensor(std, dtype=torch.float32)
    y = F.pad(y, (0, iw - rw, 0, ih - rh), value=a['pad']).numpy()
else:
    def taps(n_in, n_out):  # torch's rule; its ratio in/out is a float32
        ratio = np.float64(np.float32(n_in) / np.float32(n_out))
        src = np.maximum((np.arange(n_out) + 0.5) * ratio - 0.5, 0.0)
        lo = np.minimum(np.floor(src).astype(np.int64), n_in - 1)
        return lo, np.minimum(lo + 1, n_in - 1), src - lo
    f = img.astype(np.float64) * a['scale']
    y0, y1, ty = taps(H, rh); x0, x1, tx = taps(W, rw)
    rows = f[y0] * (1 - ty)[:, None, None] + f[y1] * ty[:, None, None]
    z = rows[:, x0] * (1 - tx)[None, :, None] + rows[:, x1] * tx[None, :, None]
    z = (z.transpose(2, 0, 1)[None][:, order] - mean) / std
    y = np.full((1, 3, ih, iw), a['pad'], dtype=np.float64)
    y[:, :, :rh, :rw] = z
y.astype(np.float32).tofile(a['out'])
print(json.dumps({'resized': [rh, rw]}))
`

interface Case {
  name: string
  image: [number, number]
  policy: ResizePolicy
  pre: ImagePreprocessing
}
const cases: Case[] = [
  { name: 'squash 480×640 → 512² (RADIO, [0, 1])', image: [480, 640], policy: 'squash', pre: pre({ input_size: [512, 512] }) },
  { name: 'squash 37×53 → 64×48 upsampling, CLIP mean/std', image: [37, 53], policy: 'squash', pre: pre({ input_size: [64, 48], mean: CLIP_MEAN, std: CLIP_STD }) },
  { name: 'pad 60×100 → 64² (aspect kept, bottom padded)', image: [60, 100], policy: 'pad', pre: pre({ mean: CLIP_MEAN, std: CLIP_STD, pad_value: 0 }) },
  { name: 'pad 50×40 → 48×64 (right padded), BGR, pad value −1', image: [50, 40], policy: 'pad', pre: pre({ input_size: [48, 64], channel_order: 'bgr', pad_value: -1 }) },
  { name: 'longest-side 97×129 → 128² (SAM), ImageNet mean/std in 0–255 units', image: [97, 129], policy: 'longest-side', pre: pre({ input_size: [128, 128], scale: 1, mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375] }) },
]

function compare(engine: 'torch' | 'numpy', c: Case, i: number): void {
  const img = noise(c.image[0], c.image[1], 100 + i)
  const imgFile = tmp.path(`${engine}-${i}.u8`)
  const outFile = tmp.path(`${engine}-${i}.f32`)
  writeFileSync(imgFile, img.data)
  const p = c.pre
  const ref = (engine === 'torch' ? torch : numpy).json(REFERENCE, [JSON.stringify({
    engine, img: imgFile, out: outFile, H: c.image[0], W: c.image[1], input: p.input_size, policy: c.policy,
    scale: p.scale, mean: p.mean, std: p.std, order: p.channel_order, pad: p.pad_value ?? 0,
  })]) as { resized: [number, number] }
  const want = new Float32Array(readFileSync(outFile).buffer.slice(0))
  const got = new ImagePreprocessor(p, 16).prepare(img, p.input_size, c.policy)
  expect(got.resized).toEqual(ref.resized)
  expect(got.dims).toEqual([1, 3, ...p.input_size])
  expect(got.data.length).toBe(want.length)
  expect(maxAbsDiff(got.data, want)).toBeLessThan(1e-5)
}

describe('ImagePreprocessor against torch F.interpolate (bilinear, align_corners=False)', () => {
  cases.forEach((c, i) => it.skipIf(!torch.available)(`${c.name}${torch.note}`, () => compare('torch', c, i)))
})

describe('ImagePreprocessor against a numpy reference', () => {
  cases.forEach((c, i) => it.skipIf(!numpy.available)(`${c.name}${numpy.note}`, () => compare('numpy', c, i)))
})

describe('resized sizes', () => {
  it('squash fills the input; pad and longest-side keep the aspect (SAM rounding)', () => {
    expect(resizedSize([968, 1296], 'squash', [512, 512])).toEqual([512, 512])
    expect(resizedSize([480, 640], 'pad', [512, 512])).toEqual([384, 512])
    expect(resizedSize([640, 480], 'pad', [512, 768])).toEqual([512, 384])
    expect(resizedSize([480, 640], 'longest-side', [1024, 1024])).toEqual([768, 1024])
    // segment_anything ResizeLongestSide: 968·1024/1296 = 764.84 → int(764.84 + 0.5) = 765
    expect(resizedSize([968, 1296], 'longest-side', [1024, 1024])).toEqual([765, 1024])
    expect(resizedSize([1, 5000], 'pad', [64, 64])).toEqual([1, 64])
  })
})

/**
 * A ramp image whose channel 0 is sx·x + 20 and channel 1 is sy·y + 10 (integer slopes that keep
 * it inside uint8, so the image is exactly linear). Bilinear
 * interpolation reproduces a linear function exactly, so the network input at any point inside
 * the resized region holds the ramp value of the image position it came from. Mapping each image
 * pixel centre through the transform to the grid, then to input pixels ((g + 0.5)·p − 0.5), and
 * reading the input there must give back that pixel's own ramp value.
 */
function rampCheck(H: number, W: number, input: [number, number], policy: ResizePolicy, p: number): number {
  const sx = Math.floor(230 / W)
  const sy = Math.floor(240 / H)
  const data = new Uint8Array(H * W * 3)
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) data.set([sx * x + 20, sy * y + 10, 0], (y * W + x) * 3)
  const prep = new ImagePreprocessor(pre({ input_size: input, scale: 1 }), p).prepare({ data, shape: [H, W, 3] }, input, policy)
  const t = prep.transform
  const [ih, iw] = input
  const [rh, rw] = prep.resized
  const at = (c: number, v: number, u: number): number => {
    // linear read between input pixels (exact on a linear ramp)
    const u0 = Math.floor(u)
    const v0 = Math.floor(v)
    const fu = u - u0
    const fv = v - v0
    const px = (yy: number, xx: number): number => prep.data[c * ih * iw + yy * iw + xx]!
    const top = px(v0, u0) * (1 - fu) + px(v0, u0 + 1) * fu
    const bottom = px(v0 + 1, u0) * (1 - fu) + px(v0 + 1, u0 + 1) * fu
    return top * (1 - fv) + bottom * fv
  }
  let checked = 0
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const u = (t.ax * x + t.bx + 0.5) * p - 0.5
      const v = (t.ay * y + t.by + 0.5) * p - 0.5
      // away from the resize's clamped borders: both taps of both reads inside the resized region
      const srcX = (u + 0.5) * (W / rw) - 0.5
      const srcY = (v + 0.5) * (H / rh) - 0.5
      if (u < 1 || v < 1 || u > rw - 2 || v > rh - 2 || srcX < 0 || srcY < 0 || srcX > W - 1 || srcY > H - 1) continue
      expect(at(0, v, u)).toBeCloseTo(sx * x + 20, 3)
      expect(at(1, v, u)).toBeCloseTo(sy * y + 10, 3)
      checked++
    }
  }
  return checked
}

describe('the image → grid transform', () => {
  it('squash: image pixel centres land where the resize put them (non-square, up- and downsampling)', () => {
    expect(rampCheck(60, 100, [64, 64], 'squash', 16)).toBeGreaterThan(4000)
    expect(rampCheck(80, 30, [128, 64], 'squash', 8)).toBeGreaterThan(1500)
  })
  it('pad: the same on the valid region of a padded input, landscape and portrait', () => {
    expect(rampCheck(60, 100, [64, 64], 'pad', 16)).toBeGreaterThan(4000)
    expect(rampCheck(100, 60, [64, 96], 'pad', 8)).toBeGreaterThan(4000)
    expect(rampCheck(90, 120, [128, 128], 'longest-side', 16)).toBeGreaterThan(8000)
  })
  it('squash is the plain resize transform; pad maps the image edges onto the valid region only', () => {
    expect(inputGridTransform([480, 640], [512, 512], [512, 512], 16)).toEqual({ inputSize: [512, 512], imageSize: [480, 640], ax: 32 / 640, bx: 16 / 640 - 0.5, ay: 32 / 480, by: 16 / 480 - 0.5 })
    const t = inputGridTransform([480, 640], [512, 512], [384, 512], 16)
    // left/top image edges (−0.5) at the grid's outer edge; bottom edge at 384/16 = 24 rows of 32
    expect(t.ax * -0.5 + t.bx).toBeCloseTo(-0.5, 12)
    expect(t.ay * -0.5 + t.by).toBeCloseTo(-0.5, 12)
    expect(t.ax * 639.5 + t.bx).toBeCloseTo(31.5, 12)
    expect(t.ay * 479.5 + t.by).toBeCloseTo(23.5, 12)
  })
})

describe('buffers and padding', () => {
  it('reuses the input buffer while sizes stay the same', () => {
    const prep = new ImagePreprocessor(pre(), 16)
    const a = prep.prepare(noise(30, 40, 1), [64, 64])
    const first = a.data
    const b = prep.prepare(noise(30, 40, 2), [64, 64])
    expect(b.data).toBe(first)
    expect(prep.prepare(noise(50, 40, 3), [64, 64]).data).toBe(first)
    expect(prep.prepare(noise(30, 40, 4), [32, 64]).data).not.toBe(first)
  })
  it('writes into a given buffer (a session\'s pooled input) and refuses one of the wrong size', () => {
    const prep = new ImagePreprocessor(pre(), 16)
    const own = prep.prepare(noise(30, 40, 1), [64, 64]).data.slice()
    const out = new Float32Array(3 * 64 * 64)
    expect(prep.prepare(noise(30, 40, 1), [64, 64], 'squash', out).data).toBe(out)
    expect(out).toEqual(own)
    expect(() => prep.prepare(noise(30, 40, 1), [64, 64], 'squash', new Float32Array(10))).toThrow('out holds 10 values, a 3×64×64 input needs 12288')
  })
  it('fills the padding with pad_value in every channel and leaves the valid region to the image', () => {
    const img = { data: new Uint8Array(20 * 40 * 3).fill(255), shape: [20, 40, 3] as [number, number, 3] }
    const x = new ImagePreprocessor(pre({ mean: CLIP_MEAN, std: CLIP_STD, pad_value: -7 }), 16).prepare(img, [64, 64], 'pad')
    expect(x.resized).toEqual([32, 64])
    for (let c = 0; c < 3; c++) {
      const plane = x.data.subarray(c * 4096, (c + 1) * 4096)
      expect(new Set(plane.subarray(0, 32 * 64))).toEqual(new Set([Math.fround((1 - CLIP_MEAN[c]) / CLIP_STD[c])]))
      expect(new Set(plane.subarray(32 * 64))).toEqual(new Set([-7]))
    }
  })
  it('swaps channels for bgr before normalising with the graph-order mean/std', () => {
    const img = { data: Uint8Array.of(255, 0, 51), shape: [1, 1, 3] as [number, number, 3] }
    const x = new ImagePreprocessor(pre({ channel_order: 'bgr', mean: [0.1, 0.2, 0.3], std: [0.5, 0.5, 0.5], input_size: [1, 1] }), 1).prepare(img, [1, 1])
    expect(Array.from(x.data)).toEqual([(0.2 - 0.1) / 0.5, (0 - 0.2) / 0.5, (1 - 0.3) / 0.5].map(Math.fround))
  })
})
