import { closeSync, openSync, writeSync } from 'node:fs'
import { deflateSync } from 'node:zlib'
import { FRAME_HEADER_BYTES, SENS_VERSION } from './header.js'

/** What a .sens header states (version 4; JPEG colour and zlib depth are what this writer produces). */
export interface SensWriteHeader {
  sensorName: string
  intrinsicColor: ArrayLike<number>
  intrinsicDepth: ArrayLike<number>
  colorWidth: number
  colorHeight: number
  depthWidth: number
  depthHeight: number
  /** Depth units per metre (1000 = millimetres). */
  depthShift: number
  frameCount: number
}

/** A .sens file being written frame by frame (the test generator; `plaf make-scene --sens`). */
export interface SensWriter {
  /** Appends a frame: camera-to-world pose (written as float32), JPEG bytes, depth in depthShift units. */
  frame(pose: ArrayLike<number>, jpeg: Uint8Array, depth: Uint16Array, timestampUs: number): void
  /** Writes the (empty) IMU section and closes the file. */
  close(): void
}

const IDENTITY = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]

function matrix(b: Buffer, at: number, m: ArrayLike<number>): void {
  for (let i = 0; i < 16; i++) b.writeFloatLE(m[i], at + 4 * i)
}

/** Encodes the .sens stream header (ScanNet's layout, version 4, identity extrinsics). */
export function encodeSensHeader(h: SensWriteHeader): Buffer {
  const name = Buffer.from(h.sensorName, 'utf8')
  const b = Buffer.alloc(12 + name.length + 256 + 8 + 16 + 4 + 8)
  b.writeUInt32LE(SENS_VERSION, 0)
  b.writeBigUInt64LE(BigInt(name.length), 4)
  name.copy(b, 12)
  let at = 12 + name.length
  matrix(b, at, h.intrinsicColor); matrix(b, at + 64, IDENTITY); matrix(b, at + 128, h.intrinsicDepth); matrix(b, at + 192, IDENTITY)
  at += 256
  b.writeInt32LE(2, at) // jpeg
  b.writeInt32LE(1, at + 4) // zlib_ushort
  ;[h.colorWidth, h.colorHeight, h.depthWidth, h.depthHeight].forEach((v, k) => b.writeUInt32LE(v, at + 8 + 4 * k))
  b.writeFloatLE(h.depthShift, at + 24)
  b.writeBigUInt64LE(BigInt(h.frameCount), at + 28)
  return b
}

/** Encodes one frame: its 96-byte header, the JPEG, then the zlib-compressed little-endian uint16 depth. */
export function encodeSensFrame(pose: ArrayLike<number>, jpeg: Uint8Array, depth: Uint16Array, timestampUs: number): Buffer {
  const z = deflateSync(Buffer.from(depth.buffer, depth.byteOffset, depth.byteLength))
  const b = Buffer.alloc(FRAME_HEADER_BYTES + jpeg.length + z.length)
  matrix(b, 0, pose)
  b.writeBigUInt64LE(BigInt(timestampUs), 64)
  b.writeBigUInt64LE(BigInt(timestampUs), 72)
  b.writeBigUInt64LE(BigInt(jpeg.length), 80)
  b.writeBigUInt64LE(BigInt(z.length), 88)
  b.set(jpeg, FRAME_HEADER_BYTES)
  z.copy(b, FRAME_HEADER_BYTES + jpeg.length)
  return b
}

/** Opens a .sens file for writing and writes its header; frames are appended as they come. */
export function openSensWriter(file: string, header: SensWriteHeader): SensWriter {
  const fd = openSync(file, 'w')
  writeSync(fd, encodeSensHeader(header))
  return {
    frame(pose, jpeg, depth, ts) {
      writeSync(fd, encodeSensFrame(pose, jpeg, depth, ts))
    },
    close() {
      writeSync(fd, Buffer.alloc(8)) // num_imu_frames = 0
      closeSync(fd)
    },
  }
}
