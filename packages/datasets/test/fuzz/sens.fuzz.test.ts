import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import sharp from 'sharp'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { PlafError, type Frame } from '@plaf/core'
import { FUZZ_RUNS, fuzzParams, mutate, type Mutation } from '@plaf/core/testing'
import { byteEditArbs } from '../../../../test/support/fuzz-edits.js'
import { FRAME_HEADER_BYTES, frameDataBounds, indexSens } from '../../src/sens/header.js'
import { openSensFile } from '../../src/sens/reader.js'
import { encodeSensFrame, encodeSensHeader } from '../../src/sens/write.js'
import { tempRoot } from '../fixtures.js'

/**
 * Mutated `.sens` files (header, frame headers, image data): `indexSens` and reading every frame
 * through `openSensFile` end in frames or a PlafError of PLAF_* errors naming the file, never a
 * RangeError, a TypeError, an allocation sized by a corrupt count, or a hang. Whatever the header
 * claims, the index never points past the end of the file.
 */
const tmp = tempRoot('sens-fuzz')
afterAll(() => tmp.cleanup())

const K = (w: number, h: number) => [w, 0, w / 2, 0, 0, h, h / 2, 0, 0, 0, 1, 0, 0, 0, 0, 1]
const POSE = [1, 0, 0, 0.5, 0, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 1]
const head = { sensorName: 'fuzz', intrinsicColor: K(8, 6), intrinsicDepth: K(4, 3), colorWidth: 8, colorHeight: 6, depthWidth: 4, depthHeight: 3, depthShift: 1000, frameCount: 2 }
const depth = Uint16Array.from({ length: 12 }, (_, i) => 500 + i)

const bases: Buffer[] = []
const headerBytes = (b: Buffer) => 12 + Number(b.readBigUInt64LE(4)) + 292
beforeAll(async () => {
  const rgb = Buffer.alloc(8 * 6 * 3, 90)
  const jpeg = await sharp(rgb, { raw: { width: 8, height: 6, channels: 3 } }).jpeg().toBuffer()
  const imu = Buffer.alloc(8)
  // JPEG colour + zlib depth (what the writer produces), 2 frames
  bases.push(Buffer.concat([encodeSensHeader(head), encodeSensFrame(POSE, jpeg, depth, 1), encodeSensFrame(POSE, jpeg, depth, 2), imu]))
  // raw colour + raw uint16 depth, 2 frames (compression fields patched to 0 / 0)
  const raw = encodeSensHeader(head)
  raw.writeInt32LE(0, headerBytes(raw) - 36)
  raw.writeInt32LE(0, headerBytes(raw) - 32)
  const rawFrame = (ts: number) => {
    const f = encodeSensFrame(POSE, rgb, depth, ts) // depth zlib here; replaced below by raw bytes
    const d = Buffer.from(depth.buffer, depth.byteOffset, depth.byteLength)
    const out = Buffer.concat([f.subarray(0, FRAME_HEADER_BYTES + rgb.length), d])
    out.writeBigUInt64LE(BigInt(d.length), 88)
    return out
  }
  bases.push(Buffer.concat([raw, rawFrame(1), rawFrame(2), imu]))
})

const EXTREMES = [0, 1, 0x7fffffff, 0xffffffff, 2 ** 32, 2 ** 53, -1]
type FieldEdit = { kind: 'field'; at: number; width: 4 | 8; value: number; float: boolean }
const editArb: fc.Arbitrary<Mutation | FieldEdit> = fc.oneof(
  fc.record({ kind: fc.constant('field' as const), at: fc.nat(), width: fc.constantFrom(4 as const, 8 as const), value: fc.constantFrom(...EXTREMES, NaN, 1e30, -1000), float: fc.boolean() }),
  ...byteEditArbs,
)

/** Overwrites a little-endian u32/u64 (or f32/f64) at a 4-aligned offset: counts, sizes, dimensions, shifts. */
function applyEdits(base: Buffer, edits: readonly (Mutation | FieldEdit)[], focus: number): Buffer {
  let b: Buffer = base
  for (const e of edits) {
    if (e.kind !== 'field') {
      b = Buffer.from(mutate(b, [e], focus))
      continue
    }
    if (b.length < e.width) continue
    b = Buffer.from(b)
    const at = Math.min((e.at % Math.max(1, Math.min(focus, b.length))) & ~3, b.length - e.width)
    if (e.float && e.width === 4) b.writeFloatLE(e.value, at)
    else if (e.float) b.writeDoubleLE(e.value, at)
    else if (e.width === 4) b.writeUInt32LE(Number.isFinite(e.value) ? (e.value >>> 0) : 0, at)
    else b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(Number.isFinite(e.value) ? Math.trunc(e.value) : 0)), at)
  }
  return b
}

const caseArb = fc.tuple(fc.nat({ max: 1 }), fc.array(editArb, { minLength: 1, maxLength: 4 }), fc.constantFrom('header', 'frames', 'anywhere'))

function plafOnly(e: unknown, file: string, bytes: number): void {
  if (!(e instanceof PlafError)) throw new Error(`not a PlafError on ${bytes} bytes: ${(e as Error)?.stack ?? String(e)}`)
  for (const d of e.diagnostics) {
    expect(d.code).toMatch(/^PLAF_/)
    expect(d.code).not.toBe('PLAF_INTERNAL')
    expect(d.severity).toBe('error')
    expect(d.file ?? d.message).toContain(file)
  }
}

describe(`fuzzing the .sens reader (${FUZZ_RUNS} mutated files; PLAF_FUZZ_RUNS for more)`, () => {
  it('the unmutated bases (JPEG + zlib, raw + raw) read 2 frames each', async () => {
    const file = join(tmp.root, 'base.sens')
    for (const b of bases) {
      writeFileSync(file, b)
      const frames: Frame[] = []
      for await (const f of openSensFile({ scene: file, load_labels: false, frame_step: 1, frame_range: null, max_frames: null }, () => {}).frames()) frames.push(f)
      expect(frames.map((f) => [f.rgb.shape, f.depth?.data[11]])).toEqual([[[6, 8, 3], 0.511], [[6, 8, 3], 0.511]].map(([s, d]) => [s, expect.closeTo(d as number, 6)]))
    }
  })

  it('indexSens and reading every frame end in frames or PLAF_* errors; the index stays inside the file', async () => {
    const file = join(tmp.root, 'fuzz.sens')
    const outcomes = { refusedAtIndex: 0, refusedAtRead: 0, frames: 0 }
    await fc.assert(fc.asyncProperty(caseArb, async ([which, edits, where]) => {
      const base = bases[which]
      const focus = where === 'header' ? headerBytes(base) : where === 'frames' ? headerBytes(base) + FRAME_HEADER_BYTES * 2 + 400 : base.length
      const bytes = applyEdits(base, edits, focus)
      writeFileSync(file, bytes)
      let idx: ReturnType<typeof indexSens>
      try {
        idx = indexSens(file)
      } catch (e) {
        outcomes.refusedAtIndex++
        return plafOnly(e, file, bytes.length)
      }
      // every indexed frame takes its header and at least the smallest data its image sizes allow
      const least = frameDataBounds(idx.header)
      expect(idx.frames.length).toBeLessThanOrEqual(Math.max(0, Math.floor((bytes.length - idx.header.framesOffset) / (FRAME_HEADER_BYTES + least.color + least.depth))))
      for (const f of idx.frames) expect(f.offset + f.colorBytes + f.depthBytes).toBeLessThanOrEqual(bytes.length)
      const frames: Frame[] = []
      try {
        const src = openSensFile({ scene: file, load_labels: false, frame_step: 1, frame_range: null, max_frames: null }, () => {})
        for await (const f of src.frames()) frames.push(f)
      } catch (e) {
        outcomes.refusedAtRead++
        return plafOnly(e, file, bytes.length)
      }
      outcomes.frames += frames.length
      for (const f of frames) {
        expect(f.rgb.data.length).toBe(f.rgb.shape[0] * f.rgb.shape[1] * 3)
        expect(f.depth!.data.length).toBe(f.depth!.shape[0] * f.depth!.shape[1])
      }
    }), fuzzParams())
    if (process.env.PLAF_FUZZ_DEBUG) console.log(outcomes)
    // the mutations reach every stage: some files are refused by the index, some at a frame, some read
    expect(outcomes.refusedAtIndex).toBeGreaterThan(0)
    expect(outcomes.refusedAtRead).toBeGreaterThan(0)
    expect(outcomes.frames).toBeGreaterThan(0)
  }, 60_000)
})
