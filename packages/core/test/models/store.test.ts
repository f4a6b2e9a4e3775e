import { existsSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ModelStore, openModelDir, sha256File } from '../../src/index.js'
import { tempDir, writeModelDir, type TempDir } from '../../src/testing/index.js'
import { thrown, tinyFiles, tinyManifest } from './model-fixtures.js'

const dirs: TempDir[] = []
afterEach(() => dirs.splice(0).forEach((d) => d.cleanup()))
function home(): string {
  const t = tempDir('store')
  dirs.push(t)
  return t.dir
}


describe('ModelStore', () => {
  it('lists, gets, reads the real I/O and removes an installed model', async () => {
    const h = home()
    const manifest = writeModelDir(join(h, 'models', 'tiny-radio@1.0.0'), tinyManifest(), tinyFiles())
    const store = new ModelStore(h)
    const { models, problems } = store.list()
    expect(problems).toEqual([])
    expect(models.map((m) => [m.ref, m.bytes, m.manifest.licence.id])).toEqual([['tiny-radio@1.0.0', manifest.files[0]!.bytes + 3000, 'Apache-2.0']])
    expect(store.get('tiny-radio').dir).toBe(join(h, 'models', 'tiny-radio@1.0.0'))
    const info = await store.info('tiny-radio@1.0.0')
    expect(info.diagnostics).toEqual([])
    expect(info.graphs[0]!.real).toEqual({
      inputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 32, 32] }],
      outputs: [{ name: 'features', dtype: 'float32', shape: [1, 2, 2, 3] }],
    })
    expect((await store.verify()).map((r) => [r.ref, r.diagnostics])).toEqual([['tiny-radio@1.0.0', []]])
    expect(store.remove('tiny-radio').map((m) => m.ref)).toEqual(['tiny-radio@1.0.0'])
    expect(existsSync(join(h, 'models', 'tiny-radio@1.0.0'))).toBe(false)
    expect(store.list().models).toEqual([])
  })

  it('list warns about folders that are not valid models: a misnamed folder, a manifest that is not JSON', async () => {
    const h = home()
    writeModelDir(join(h, 'models', 'renamed@1'), tinyManifest(), tinyFiles())
    const broken = join(h, 'models', 'broken@1', 'plaf-model.json')
    writeModelDir(join(h, 'models', 'broken@1'), tinyManifest({ name: 'broken', version: '1' }), {})
    writeFileSync(broken, '{\n  "format": 1,\n  "name": "broken",,\n}\n')
    const { models, problems } = new ModelStore(h).list()
    expect(models).toEqual([])
    expect(problems.map(({ cause: _c, ...d }) => d)).toEqual([
      {
        code: 'PLAF_MODEL_INVALID', severity: 'warning', file: broken, line: 3, column: 20, expected: 'a JSON object (plaf-model.json)', actual: '","',
        message: `${broken} is not valid JSON (line 3, column 20)`,
      },
      {
        code: 'PLAF_MODEL_INVALID', severity: 'warning', message: 'model folder renamed@1 holds tiny-radio@1.0.0; the folder must be named <name>@<version>',
        file: join(h, 'models', 'renamed@1'), expected: 'tiny-radio@1.0.0', actual: 'renamed@1',
      },
    ])
  })

  it('a model not in the store names the closest installed names and the pull command', async () => {
    const h = home()
    writeModelDir(join(h, 'models', 'tiny-radio@1.0.0'), tinyManifest(), tinyFiles())
    expect(await thrown(() => new ModelStore(h).get('tiny-raido'))).toEqual([{
      code: 'PLAF_MODEL_MISSING', severity: 'error',
      message: `model "tiny-raido" is not in the model store ${join(h, 'models')}`,
      actual: 'tiny-raido', expected: 'an installed model (plaf models list)',
      hint: 'closest installed: tiny-radio; get it with: plaf models pull tiny-raido (or plaf models import <dir>)',
    }])
    expect((await thrown(() => new ModelStore(h).get('tiny-radio@2.0.0')))[0]!.hint).toBe(
      'installed: tiny-radio@1.0.0; get it with: plaf models pull tiny-radio (or plaf models import <dir>)')
  })

  it('verify re-hashes and reports a changed byte with both hashes', async () => {
    const h = home()
    const m = writeModelDir(join(h, 'models', 'tiny-radio@1.0.0'), tinyManifest(), tinyFiles())
    const file = join(h, 'models', 'tiny-radio@1.0.0', 'extra', 'data.bin')
    const bytes = readFileSync(file)
    bytes[1234] ^= 1
    writeFileSync(file, bytes)
    const [r] = await new ModelStore(h).verify('tiny-radio')
    expect(r!.diagnostics.map(({ cause: _c, ...d }) => d)).toEqual([{
      code: 'PLAF_MODEL_CORRUPT', severity: 'error',
      message: 'model tiny-radio@1.0.0: extra/data.bin does not match its sha256 (the file changed or is damaged)',
      file, expected: `sha256 ${m.files[1]!.sha256}`, actual: `sha256 ${await sha256File(file)}`,
      hint: 'plaf models pull tiny-radio fetches it again, plaf models rm tiny-radio@1.0.0 removes it',
    }])
    expect(r!.files.map((c) => c.problem?.kind ?? 'ok')).toEqual(['ok', 'checksum'])
  })

  it('a truncated file is reported with the listed and the actual size', async () => {
    const h = home()
    writeModelDir(join(h, 'models', 'tiny-radio@1.0.0'), tinyManifest(), tinyFiles())
    const file = join(h, 'models', 'tiny-radio@1.0.0', 'extra', 'data.bin')
    truncateSync(file, 1000)
    const store = new ModelStore(h)
    const { diagnostics } = await store.check(store.get('tiny-radio'), 'none')
    expect(diagnostics).toEqual([{
      code: 'PLAF_MODEL_CORRUPT', severity: 'error', message: 'model tiny-radio@1.0.0: extra/data.bin is truncated: 1000 of 3000 bytes',
      file, expected: '3000 bytes', actual: '1000 bytes',
      hint: 'plaf models pull tiny-radio fetches it again, plaf models rm tiny-radio@1.0.0 removes it',
    }])
  })

  it('a manifest breaking the schema is located by JSON path, line and column', async () => {
    const h = home()
    const dir = join(h, 'models', 'tiny-radio@1.0.0')
    writeModelDir(dir, tinyManifest(), tinyFiles())
    const file = join(dir, 'plaf-model.json')
    writeFileSync(file, readFileSync(file, 'utf8').replace('"dtype": "float32"', '"dtype": "float33"').replace('"family"', '"familly"'))
    expect(await thrown(() => openModelDir(dir))).toEqual([
      {
        code: 'PLAF_MODEL_INVALID', severity: 'error', message: `${file}: family is required but missing`,
        file, path: 'family', line: 1, column: 1, expected: 'a "family" field', actual: 'none',
      },
      {
        code: 'PLAF_MODEL_INVALID', severity: 'error', message: `${file}: familly is not a known field`,
        file, path: 'familly', line: 13, column: 3,
        expected: 'one of $schema, format, name, version, description, licence, source, random_weights, family, files, graphs, image, text',
        actual: 'familly', hint: 'did you mean "family"?',
      },
      {
        code: 'PLAF_MODEL_INVALID', severity: 'error', message: `${file}: graphs.vision.inputs[0].dtype must be equal to one of the allowed values`,
        file, path: 'graphs.vision.inputs[0].dtype', line: 20, column: 20,
        expected: 'one of float32, float16, float64, int8, uint8, int16, uint16, int32, int64, uint32, uint64, bool', actual: '"float33"',
      },
    ])
  })

  it('a value nested too deep for JSON.stringify, or huge, is shown shortened in the diagnostic (was a stack overflow)', async () => {
    const h = home()
    const dir = join(h, 'models', 'tiny-radio@1.0.0')
    writeModelDir(dir, tinyManifest(), tinyFiles())
    const file = join(dir, 'plaf-model.json')
    const text = readFileSync(file, 'utf8')
    writeFileSync(file, text.replace('"description": "test model"', `"description": ${'['.repeat(6000)}1${']'.repeat(6000)}`))
    expect(await thrown(() => openModelDir(dir))).toEqual([{
      code: 'PLAF_MODEL_INVALID', severity: 'error', message: `${file}: description must be string`, file, path: 'description', expected: 'must be string', actual: '[[[[[…]]]]]',
    }])
    writeFileSync(file, text.replace('"description": "test model"', `"description": [${'"abcdefghij",'.repeat(100)}1]`))
    const [d] = await thrown(() => openModelDir(dir))
    expect(d).toMatchObject({ path: 'description', line: 5, column: 18 })
    expect(d.actual).toBe(`[${'"abcdefghij",'.repeat(15)}"abc…`) // cut at 200 characters
  })

  it('an input_size over 8192 (the resolution option\'s bound) is refused at load, before any image is allocated from it', async () => {
    const h = home()
    const dir = join(h, 'models', 'tiny-radio@1.0.0')
    const parts = tinyManifest()
    writeModelDir(dir, { ...parts, image: { ...parts.image!, preprocessing: { ...parts.image!.preprocessing, input_size: [32, 1_000_000] } } }, tinyFiles())
    expect(await thrown(() => openModelDir(dir))).toMatchObject([{
      code: 'PLAF_MODEL_INVALID', message: `${join(dir, 'plaf-model.json')}: image.preprocessing.input_size[1] must be <= 8192`, path: 'image.preprocessing.input_size[1]', actual: '1000000',
    }])
  })

  it('a file path escaping the model folder is refused, lexically and through a symlink', async () => {
    const h = home()
    const dir = join(h, 'models', 'tiny-radio@1.0.0')
    writeModelDir(dir, tinyManifest(), tinyFiles())
    const file = join(dir, 'plaf-model.json')
    const text = readFileSync(file, 'utf8')
    writeFileSync(file, text.replace('"path": "extra/data.bin"', '"path": "../../outside.bin"'))
    expect(await thrown(() => openModelDir(dir))).toEqual([{
      code: 'PLAF_MODEL_INVALID', severity: 'error', message: `${file}: files[1].path "../../outside.bin" escapes the model folder: it has a ".." segment`,
      file, path: 'files[1].path', line: 77, column: 15, expected: 'a relative path inside the model folder', actual: '../../outside.bin',
    }])
    writeFileSync(file, text)
    writeFileSync(join(h, 'outside.bin'), readFileSync(join(dir, 'extra', 'data.bin')))
    rmSync(join(dir, 'extra', 'data.bin'))
    symlinkSync(join(h, 'outside.bin'), join(dir, 'extra', 'data.bin'))
    const store = new ModelStore(h)
    expect((await store.check(store.get('tiny-radio'), 'always')).diagnostics).toEqual([{
      code: 'PLAF_MODEL_INVALID', severity: 'error',
      message: `model tiny-radio@1.0.0: extra/data.bin escapes the model folder: it is a symlink to ${join(h, 'outside.bin')}, outside the folder`,
      expected: 'a file inside the model folder', actual: 'extra/data.bin',
    }])
  })

  it('info names a tensor whose declared shape differs from the ONNX file', async () => {
    const h = home()
    const parts = tinyManifest()
    parts.graphs.vision!.outputs[0]!.shape = [1, 2, 2, 1152]
    parts.graphs.vision!.inputs.push({ name: 'mask', dtype: 'uint8', shape: [1, 32, 32] })
    writeModelDir(join(h, 'models', 'tiny-radio@1.0.0'), parts, tinyFiles())
    const file = join(h, 'models', 'tiny-radio@1.0.0', 'plaf-model.json')
    expect((await new ModelStore(h).info('tiny-radio')).diagnostics).toEqual([
      {
        code: 'PLAF_MODEL_IO_MISMATCH', severity: 'error',
        message: 'model tiny-radio@1.0.0, graph "vision" (onnx/vision.onnx): input "mask" is declared but the ONNX file has no such input',
        file, path: 'graphs.vision.inputs[1]', line: 29, column: 9, expected: 'input "mask" uint8 [1, 32, 32]', actual: 'inputs "image"',
      },
      {
        code: 'PLAF_MODEL_IO_MISMATCH', severity: 'error',
        message: 'model tiny-radio@1.0.0, graph "vision" (onnx/vision.onnx): output "features" is declared float32 [1, 2, 2, 1152] but the ONNX file has float32 [1, 2, 2, 3]',
        file, path: 'graphs.vision.outputs[0]', line: 40, column: 9, expected: 'float32 [1, 2, 2, 1152]', actual: 'float32 [1, 2, 2, 3]',
      },
    ])
  })
})
