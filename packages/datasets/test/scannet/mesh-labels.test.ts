import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { validateOptions } from '@plaf/core'
import { createTestContext } from '@plaf/core/testing'
import { readLabelledMesh } from '../../src/ground-truth.js'
import { inspectDataset } from '../../src/inspect.js'
import { scannetInput, type ScanMeshParts, type ScannetOptions } from '../../src/plugins/scannet.js'
import { writeScene } from '../../src/write-scene.js'
import { SMALL, diagnosticOf, tempRoot } from '../fixtures.js'

const tmp = tempRoot('mesh-labels')
const scene = join(tmp.root, 'scene0007_00')
beforeAll(async () => {
  await writeScene(scene, { ...SMALL, frames: 3, mesh_spacing: 0.25, sens: true })
})
afterAll(() => tmp.cleanup())

/** A copy of the written scene to damage. */
function copy(name: string): string {
  const dir = join(tmp.root, name, 'scene0007_00')
  cpSync(scene, dir, { recursive: true })
  return dir
}

const sorted = (ids: Iterable<number>) => [...new Set(ids)].filter((id) => id !== 0).sort((a, b) => a - b)

async function open(options: Partial<ScannetOptions>) {
  const r = validateOptions(scannetInput, options)
  expect(r.errors).toEqual([])
  return (await scannetInput.create(r.value as unknown as ScannetOptions, createTestContext())) as ScanMeshParts & { frameCount: number }
}

describe('scannet mesh labels', () => {
  it('plaf data inspect reports the labelled mesh: every NYU40 id of its vertices, none unknown to the TSV', async () => {
    const truth = readLabelledMesh(join(scene, 'scene0007_00_vh_clean_2.labels.ply'))
    const r = await inspectDataset(scene)
    expect(r.labels!.mesh).toEqual({ file: join(scene, 'scene0007_00_vh_clean_2.labels.ply'), vertices: truth.positions.length / 3, found: sorted(truth.nyu40), unknown: [] })
    expect(r.labels!.set).toBe(`ScanNet raw label ids (${join(scene, 'scannetv2-labels.combined.tsv')})`)
    const sens = await inspectDataset(join(scene, 'scene0007_00.sens'))
    expect(sens.labels!.mesh).toEqual(r.labels!.mesh)
  })

  it('names the mesh ids no TSV row maps to, and reports the mesh when there are no label images', async () => {
    const dir = copy('no-ceiling-row')
    const tsv = join(dir, 'scannetv2-labels.combined.tsv')
    const [head, ...rows] = readFileSync(tsv, 'utf8').trimEnd().split('\n')
    const nyu = (row: string) => Number(row.split('\t')[4])
    // drop every row of one NYU40 class, so that class's vertices map to nothing
    const gone = nyu(rows[0])
    writeFileSync(tsv, [head, ...rows.filter((row) => nyu(row) !== gone)].join('\n') + '\n')
    rmSync(join(dir, 'label-filt'), { recursive: true })
    const r = await inspectDataset(dir)
    expect(r.labels).toMatchObject({ set: `no label images (${tsv})`, found: [], unknown: [] })
    expect(r.labels!.mesh!.unknown).toEqual([gone])
    rmSync(join(dir, 'scene0007_00_vh_clean_2.labels.ply'))
    expect((await inspectDataset(dir)).labels).toBeNull()
  })

  it('load_mesh exposes the labelled mesh and the TSV on the source; every vertex label as written', async () => {
    const truth = readLabelledMesh(join(scene, 'scene0007_00_vh_clean_2.labels.ply'))
    const src = await open({ scene, load_mesh: true })
    expect(Array.from(src.mesh!.labels!)).toEqual(Array.from(truth.nyu40))
    expect(Array.from(src.mesh!.positions)).toEqual(Array.from(truth.positions))
    expect(src.labelTable!.file).toBe(join(scene, 'scannetv2-labels.combined.tsv'))
    const fromSens = await open({ scene: join(scene, 'scene0007_00.sens'), load_mesh: true })
    expect(fromSens.mesh!.file).toBe(src.mesh!.file)
    expect((await open({ scene })).mesh).toBeUndefined()
  })

  it('load_mesh falls back to the plain mesh, and is an error naming the scan when there is none', async () => {
    const dir = copy('no-mesh')
    rmSync(join(dir, 'scene0007_00_vh_clean_2.labels.ply'))
    const plain = await open({ scene: dir, load_mesh: true })
    expect([plain.mesh!.file, plain.mesh!.labels]).toEqual([join(dir, 'scene0007_00_vh_clean_2.ply'), undefined])
    rmSync(join(dir, 'scene0007_00_vh_clean_2.ply'))
    const want = {
      code: 'PLAF_INPUT_INVALID', file: dir, path: 'load_mesh',
      message: `load_mesh is true but ${dir} has neither scene0007_00_vh_clean_2.labels.ply nor scene0007_00_vh_clean_2.ply`,
      expected: 'scene0007_00_vh_clean_2.labels.ply or scene0007_00_vh_clean_2.ply', actual: 'no *_vh_clean_2*.ply',
    }
    expect(await diagnosticOf(() => open({ scene: dir, load_mesh: true }))).toEqual({ ...want, severity: 'error' })
    const options = validateOptions(scannetInput, { scene: dir, load_mesh: true }).value as unknown as ScannetOptions
    expect(scannetInput.check!(options, { baseDir: tmp.root } as Parameters<NonNullable<typeof scannetInput.check>>[1])).toEqual([want])
  })
})
