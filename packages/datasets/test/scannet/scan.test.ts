import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePly, validateOptions, type Frame } from '@plaf/core'
import { createTestContext } from '@plaf/core/testing'
import { readLabelledMesh } from '../../src/ground-truth.js'
import { scannetInput, type ScannetOptions } from '../../src/plugins/scannet.js'
import { SCANNET20, SCANNET200, labelSetLookup } from '../../src/scannet/label-sets.js'
import { multiply4, readAxisAlignment, readLabelTable, readScannetMesh, unknownLabelIds } from '../../src/scannet/scan.js'
import { writeScene } from '../../src/write-scene.js'
import { SMALL, diagnosticOf, tempRoot } from '../fixtures.js'

const tmp = tempRoot('scan')
const dir = join(tmp.root, 'scene0003_00')
beforeAll(async () => {
  await writeScene(dir, { ...SMALL, frames: 3, mesh_spacing: 0.25 })
})
afterAll(() => tmp.cleanup())

/** The same PLY written as ASCII (what some tools export), from the decoded binary. */
function toAscii(file: string): string {
  const ply = decodePly(readFileSync(file))
  const names = Object.keys(ply.types)
  const faces = ply.faces!
  const lines = ['ply', 'format ascii 1.0', `element vertex ${ply.vertexCount}`, ...names.map((n) => `property ${ply.types[n]} ${n}`),
    `element face ${faces.length / 3}`, 'property list uchar int vertex_indices', 'end_header']
  for (let i = 0; i < ply.vertexCount; i++) lines.push(names.map((n) => String(ply.properties[n][i])).join(' '))
  for (let f = 0; f < faces.length; f += 3) lines.push(`3 ${faces[f]} ${faces[f + 1]} ${faces[f + 2]}`)
  const out = join(tmp.root, 'ascii.ply')
  writeFileSync(out, lines.join('\n') + '\n')
  return out
}

describe('scannet scan files', () => {
  it('reads the labelled mesh: every vertex, colour, triangle and NYU40 label as written', () => {
    const file = join(dir, 'scene0003_00_vh_clean_2.labels.ply')
    const mesh = readScannetMesh(file, true)
    const truth = readLabelledMesh(file)
    expect(mesh.format).toBe('binary_little_endian')
    expect(mesh.vertexCount).toBe(truth.positions.length / 3)
    expect(Array.from(mesh.positions)).toEqual(Array.from(truth.positions))
    expect(Array.from(mesh.labels!)).toEqual(Array.from(truth.nyu40))
    expect(Array.from(mesh.faces)).toEqual(Array.from(truth.faces))
  })

  it('an ASCII PLY where binary is expected is read, to the same mesh', () => {
    const file = join(dir, 'scene0003_00_vh_clean_2.labels.ply')
    const ascii = readScannetMesh(toAscii(file), true)
    const binary = readScannetMesh(file, true)
    expect(ascii.format).toBe('ascii')
    expect(Array.from(ascii.positions)).toEqual(Array.from(binary.positions))
    expect(Array.from(ascii.colors)).toEqual(Array.from(binary.colors))
    expect(Array.from(ascii.labels!)).toEqual(Array.from(binary.labels!))
    expect(Array.from(ascii.faces)).toEqual(Array.from(binary.faces))
  })

  it('a PLY with zero vertices, and one without a label property, are errors naming the file', async () => {
    const empty = join(tmp.root, 'empty.ply')
    writeFileSync(empty, 'ply\nformat binary_little_endian 1.0\nelement vertex 0\nproperty float x\nproperty float y\nproperty float z\nproperty uchar red\nproperty uchar green\nproperty uchar blue\nend_header\n')
    expect(await diagnosticOf(() => readScannetMesh(empty))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: empty, message: `${empty} has no vertices`, expected: 'element vertex N with N > 0', actual: 'element vertex 0',
    })
    const plain = join(dir, 'scene0003_00_vh_clean_2.ply')
    expect(await diagnosticOf(() => readScannetMesh(plain, true))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: plain, message: `${plain}: vertex has no label property`,
      expected: 'vertex properties x y z red green blue label', actual: 'x y z red green blue alpha',
    })
  })

  it('the labels TSV maps raw ids to NYU40 and names ids it does not list', () => {
    const table = readLabelTable(join(dir, 'scannetv2-labels.combined.tsv'))
    for (const r of table.rows) expect([table.byId.get(r.id), table.byCategory.get(r.rawCategory)]).toEqual([r, r])
    expect([table.byCategory.get('wall')?.nyu40id, table.byCategory.get('floor')?.nyu40id, table.byCategory.get('ceiling')?.nyu40id]).toEqual([1, 2, 22])
    expect(unknownLabelIds([0, ...table.byId.keys(), 4242], table)).toEqual([4242])
  })

  it('ScanNet20 and ScanNet200 are the benchmark sets, with lookups from NYU40 and raw ids', () => {
    expect([SCANNET20.ids.length, SCANNET20.names.length, new Set(SCANNET20.ids).size]).toEqual([20, 20, 20])
    expect([SCANNET200.ids.length, SCANNET200.names.length, new Set(SCANNET200.ids).size, new Set(SCANNET200.names).size]).toEqual([200, 200, 200, 200])
    const l20 = labelSetLookup(SCANNET20)
    expect([l20[39], l20[13], l20[1], l20[24]]).toEqual([19, 255, 0, 14])
    const l200 = labelSetLookup(SCANNET200)
    expect([SCANNET200.names[l200[1191]], SCANNET200.names[l200[2]], l200[12]]).toEqual(['mattress', 'chair', 255])
  })

  it('axis_align left-multiplies every pose by <scene>.txt axisAlignment; asking without one is an error', async () => {
    const meta = join(dir, 'scene0003_00.txt')
    const a = [0, -1, 0, 2.5, 1, 0, 0, -1, 0, 0, 1, 0.25, 0, 0, 0, 1]
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^axisAlignment = .*$/m, `axisAlignment = ${a.join(' ')}`))
    expect(Array.from(readAxisAlignment(meta))).toEqual(a)
    const open = async (o: Partial<ScannetOptions>) => {
      const src = await scannetInput.create(validateOptions(scannetInput, { scene: dir, ...o }).value as unknown as ScannetOptions, createTestContext())
      const out: Frame[] = []
      for await (const f of src.frames()) out.push(f)
      return out
    }
    const [plain, aligned] = [await open({}), await open({ axis_align: true })]
    plain.forEach((f, k) => expect(Array.from(aligned[k].pose!)).toEqual(Array.from(multiply4(a, f.pose!))))
    writeFileSync(meta, readFileSync(meta, 'utf8').replace(/^axisAlignment = .*\n/m, ''))
    expect(await diagnosticOf(() => open({ axis_align: true }))).toEqual({
      code: 'PLAF_INPUT_INVALID', severity: 'error', file: meta, message: `${meta} has no axisAlignment (test scans have none)`,
      expected: 'axisAlignment = 16 numbers', actual: 'no axisAlignment line',
    })
  })
})
