import { mkdirSync, renameSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { ModelStore } from '../../src/index.js'
import { familyDiagnostic, MODEL_FAMILIES } from '../../src/models/families.js'
import { tempDir, writeModelDir, type TempDir } from '../../src/testing/index.js'
import { thrown, tinyFiles, tinyManifest } from './model-fixtures.js'

const dirs: TempDir[] = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))

describe('a manifest family plaf does not read is refused at import and reported by info', () => {
  it('import refuses "Sam" and "mobile_sam" with the known families and the exact name, at the family field; nothing is installed', async () => {
    for (const [family, mean] of [['Sam', 'sam'], ['mobile_sam', 'mobile-sam'], ['SAM2.1', 'sam2.1'], ['mobilesam', 'mobile-sam']] as const) {
      const t = tempDir('families')
      dirs.push(t)
      writeModelDir(t.path('src'), tinyManifest({ family }), tinyFiles())
      const store = new ModelStore(t.path('home'))
      const d = await thrown(store.import(t.path('src')))
      expect(d).toEqual([expect.objectContaining({
        code: 'PLAF_MODEL_INVALID', severity: 'error', message: `family "${family}" is not a model family plaf reads`,
        file: t.path('src', 'plaf-model.json'), path: 'family', line: expect.any(Number), actual: family,
        expected: `one of ${Object.keys(MODEL_FAMILIES).join(', ')}`, hint: expect.stringMatching(new RegExp(`^did you mean "${mean.replace('.', '\\.')}"\\?`)),
      })])
      expect(store.list().models).toEqual([])
    }
  })
  it('a family far from every known one gets the list, and a hint to the plugins', () => {
    expect(familyDiagnostic('dinov2')).toMatchObject({ actual: 'dinov2', hint: 'the family says which plugin reads the model: plaf plugins lists them' })
    for (const f of Object.keys(MODEL_FAMILIES)) expect(familyDiagnostic(f)).toBeUndefined()
  })
  it('info of a stored model with an unknown family reports it (the store was filled before the check, or by hand)', async () => {
    const t = tempDir('families')
    dirs.push(t)
    writeModelDir(t.path('src'), tinyManifest({ family: 'Sam' }), tinyFiles())
    mkdirSync(t.path('home', 'models'), { recursive: true })
    renameSync(t.path('src'), t.path('home', 'models', 'tiny-radio@1.0.0'))
    const store = new ModelStore(t.path('home'))
    const info = await store.info('tiny-radio')
    expect(info.diagnostics).toEqual([expect.objectContaining({ code: 'PLAF_MODEL_INVALID', severity: 'error', path: 'family', actual: 'Sam', hint: expect.stringContaining('did you mean "sam"?') })])
    const folder = await store.infoFolder(t.path('home', 'models', 'tiny-radio@1.0.0'))
    expect(folder.diagnostics.map((x) => x.actual)).toEqual(['Sam'])
  })
})
