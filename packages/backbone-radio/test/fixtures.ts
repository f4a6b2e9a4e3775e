import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { localModelAccess, validateOptions, type FeatureGrid, type Frame, type ModelAccess, type StagePlugin } from '@plaf/core'
import { createRunContext, createTestContext, tempDir, type TempDir } from '@plaf/core/testing'
import { writeRadioContractModel, type RadioContractOptions } from '../src/testing/index.js'

/** A temporary model store (`<home>/models/<name>@<version>`) and a ModelAccess over it. */
export interface TestStore {
  home: TempDir
  models: ModelAccess
  /** Writes a RADIO-contract model into the store; returns its folder. */
  addRadio(o?: RadioContractOptions): string
}

/** A fresh store; call `home.cleanup()` after the tests. */
export function testStore(): TestStore {
  const home = tempDir('radio-store')
  mkdirSync(home.path('models'), { recursive: true })
  return {
    home,
    models: localModelAccess(home.dir),
    addRadio(o = {}) {
      const dir = join(home.dir, 'models', `${o.name ?? 'radio-v2.5-b'}@${o.version ?? '1.0.0'}`)
      writeRadioContractModel(dir, o)
      return dir
    },
  }
}

/** Creates the plugin with validated options over `models`, runs one frame, disposes. */
export async function runOnce(plugin: StagePlugin, options: Record<string, unknown>, models: ModelAccess, frame: Frame): Promise<FeatureGrid> {
  const v = validateOptions(plugin, options)
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  const inst = await plugin.create(v.value, createTestContext({ stage: 'backbone', models }))
  try {
    const out = (await inst.run({ frame }, createRunContext({ id: frame.id, index: frame.index }))) as { features: FeatureGrid }
    return out.features
  } finally {
    await inst.dispose?.()
  }
}
