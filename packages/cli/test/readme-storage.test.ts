// README.md's storage claims against what the writers really produce: the bytes a point of the
// index-reference map.ply, and the demo table's dtypes (2D and 3D dense baselines, like for like).
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeIndexReferenceMap } from '@plaf/storage'
import { afterAll, describe, expect, it } from 'vitest'

const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8').replace(/\s+/g, ' ')
const dirs: string[] = []
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

/** Bytes a point of map.ply (header excluded) for a map of `n` points over a pool of `m` rows. */
function plyBytesPerPoint(n: number, m: number): number {
  const dir = mkdtempSync(join(tmpdir(), 'readme-storage-'))
  dirs.push(dir)
  const refs = new Uint32Array(n).map((_, i) => (i * 7919) % m)
  writeIndexReferenceMap(dir, { positions: new Float32Array(3 * n), colors: new Uint8Array(3 * n), refs, pool: { data: new Float32Array(m), shape: [m, 1] }, space: 's' }, { feature_dtype: 'float16', dense_baseline: false, keep_dense_baseline: false })
  const ply = readFileSync(join(dir, 'map.ply'))
  const header = ply.indexOf('end_header\n') + 'end_header\n'.length
  return (statSync(join(dir, 'map.ply')).size - header) / n
}

/** The value column of a row of the README's demo table. */
const row = (label: string): string => {
  const m = new RegExp(` ${label.replace(/[()+/]/g, '\\$&')} (.*?) (?=2D |3D |query time )`).exec(readme)
  if (!m) throw new Error(`README.md's demo table has no "${label}" row`)
  return m[1]!
}
const mb = (s: string): number => Number(s) * 1e6

describe('README.md storage figures', () => {
  it('the per-point PLY: 17 bytes a point with a uint16 ref (pool ≤ 65,535 rows), 19 with an int32 ref', () => {
    const narrow = plyBytesPerPoint(100, 65_535)
    const wide = plyBytesPerPoint(100, 65_536)
    expect([narrow, wide]).toEqual([17, 19])
    expect(readme).toContain(`\`ref\`: ${narrow} bytes a point with the 2-byte ref, \`property uint16 ref\``)
    expect(readme).toContain(`${wide} bytes with the 4-byte \`int32 ref\``)
    expect(readme).not.toMatch(/`ref`: 19 bytes a point/)
  })

  it('the demo table names each dense baseline\'s dtype, and its sizes are N×D×b at that dtype (D = 11)', () => {
    const n = Number(row('3D points').replace(/,/g, ''))
    const [, d16, d32] = /^([\d.]+) MB float16 \(the pool's dtype\); ([\d.]+) MB float32 \(N×D×4 B, the official layout\)$/.exec(row('3D dense per-point baseline')) ?? []
    expect(Math.abs(mb(d16!) - (128 + n * 11 * 2))).toBeLessThan(5e3)
    expect(Math.abs(mb(d32!) - (128 + n * 11 * 4))).toBeLessThan(5e3)
    // like for like first, the float32 layout second, both labelled
    const [, p16, p32] = /^([\d.]+) % at float16 both sides \([\d.]+× smaller\); ([\d.]+) % of dense float32 \([\d.]+× smaller, float16 pool vs float32 dense\)$/.exec(row('3D index-reference / dense')) ?? []
    const map = mb(/^([\d.]+) MB/.exec(row('3D map (PLY + pool)'))![1]!)
    expect(Math.abs(Number(p16) / 100 - map / mb(d16!))).toBeLessThan(0.01)
    expect(Math.abs(Number(p32) / 100 - map / mb(d32!))).toBeLessThan(0.01)
    // 2D: one 1296×968 frame at D = 11, float16 on both sides
    expect(row('2D dense per-pixel baseline')).toMatch(/^27\.60 MB for 1 frame \(27\.60 MB\/frame\), float16 \(H×W×D×2 B\)$/)
    expect(Math.abs(27.6e6 - (128 + 1296 * 968 * 11 * 2))).toBeLessThan(5e3)
    expect(row('2D mask-indexed / dense')).toMatch(/, float16 table vs dense float16$/)
  })
})
