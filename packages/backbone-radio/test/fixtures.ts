import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError, localModelAccess, validateOptions, type Diagnostic, type FeatureGrid, type Frame, type ModelAccess, type ModelManifest, type StagePlugin } from '@plaf/core'
import { createRunContext, createTestContext, tempDir, type ContractModel, type TempDir } from '@plaf/core/testing'
import { writeRadioContractModel, type RadioContractOptions } from '../src/testing/index.js'

/** A temporary model store (`<home>/models/<name>@<version>`) and the ModelAccess a standalone context gets over it. */
export interface TestStore {
  home: TempDir
  models: ModelAccess
  /** Writes a RADIO-contract model into the store. */
  addRadio(o?: RadioContractOptions): ContractModel
}

/** A fresh store; call `home.cleanup()` after the tests. */
export function testStore(): TestStore {
  const home = tempDir('radio-store')
  return {
    home,
    models: localModelAccess(home.dir),
    addRadio: (o = {}) => writeRadioContractModel(join(home.dir, 'models', `${o.name ?? 'radio-v2.5-b'}@${o.version ?? '1.0.0'}`), o),
  }
}

/** Rewrites a model's plaf-model.json (a broken or edited manifest; its files stay as they are). */
export function editManifest(dir: string, edit: (m: ModelManifest) => void): void {
  const file = join(dir, 'plaf-model.json')
  const m = JSON.parse(readFileSync(file, 'utf8')) as ModelManifest
  edit(m)
  writeFileSync(file, JSON.stringify(m, null, 2))
}

/** Creates the plugin with validated options over `models`, runs each frame, disposes; returns the grids. */
export async function runFrames(plugin: StagePlugin, options: Record<string, unknown>, models: ModelAccess, frames: Frame[]): Promise<FeatureGrid[]> {
  const v = validateOptions(plugin, options)
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  const inst = await plugin.create(v.value, createTestContext({ stage: 'backbone', models }))
  try {
    const grids: FeatureGrid[] = []
    for (const frame of frames) grids.push(((await inst.run({ frame }, createRunContext({ id: frame.id, index: frame.index }))) as { features: FeatureGrid }).features)
    return grids
  } finally {
    await inst.dispose?.()
  }
}

/** The first diagnostic of what creating and running the plugin throws (a PlafError, else the test fails). */
export async function diagnosticOf(plugin: StagePlugin, options: Record<string, unknown>, models: ModelAccess, frame: Frame): Promise<Diagnostic> {
  const e = await runFrames(plugin, options, models, [frame]).then(() => undefined, (err: unknown) => err)
  if (!(e instanceof PlafError)) throw new Error(`expected a PlafError, got ${e === undefined ? 'success' : String(e)}`)
  const { cause: _cause, ...d } = e.diagnostics[0]!
  return d as Diagnostic
}

/** Largest |a[i] − b[i]| over a cell's D values at `offset`. */
export function cellDiff(grid: Float32Array, offset: number, want: ArrayLike<number>): number {
  let m = 0
  for (let j = 0; j < want.length; j++) m = Math.max(m, Math.abs(grid[offset + j]! - want[j]!))
  return m
}
