import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import {
  Registry, createModelAccess, defineStage, hubSettings, resolvePipeline, runPipeline,
} from '../../src/index.js'
import { serveHub, tempDir, writeModelDir, type TempDir } from '../../src/testing/index.js'
import { fixturePlugins } from '../fixtures/plugins.js'
import { thrown, tinyFiles, tinyManifest } from './model-fixtures.js'

const cleanups: (() => unknown)[] = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})
function temp(): TempDir {
  const t = tempDir('access')
  cleanups.push(() => t.cleanup())
  return t
}

/** A stage that opens a model at create time, as ONNX plugins do, and counts frames. */
const modelUser = defineStage<{ model: string }, { frame: 'Frame' }, Record<string, never>>({
  name: 'model-user', kind: 'evaluator', version: '1.0.0', description: 'Opens a model (tests only).',
  options: { type: 'object', additionalProperties: false, required: ['model'], properties: { model: { type: 'string', description: 'Model name.' } } },
  inputs: { frame: 'Frame' }, outputs: {},
  async create(o, ctx) {
    const m = await ctx.models.open(o.model)
    return { run: (_i, rc) => (rc.metric('feature_dim', m.manifest.image!.feature_dim), {}) }
  },
})

describe('createModelAccess', () => {
  it('pulls a missing model from the hub on open, then opens it from the store, and records it once', async () => {
    const t = temp()
    const manifest = writeModelDir(t.path('root', 'tiny-radio'), tinyManifest(), tinyFiles())
    const hub = await serveHub(t.path('root'))
    cleanups.push(() => hub.close())
    const access = createModelAccess({ home: t.path('home'), hub: hub.url })
    const m = await access.open('tiny-radio')
    expect(m.path('onnx/vision.onnx')).toBe(t.path('home', 'models', 'tiny-radio@1.0.0', 'onnx', 'vision.onnx'))
    await access.open('tiny-radio@1.0.0')
    expect(hub.requests).toHaveLength(3)
    // two stages opening a missing model at once share one download
    const other = createModelAccess({ home: t.path('home2'), hub: hub.url })
    const [a, b] = await Promise.all([other.open('tiny-radio'), other.open('tiny-radio')])
    expect(a.dir).toBe(b.dir)
    expect(hub.requests).toHaveLength(6)
    const { createHash } = await import('node:crypto')
    expect(access.opened()).toEqual([{
      name: 'tiny-radio', version: '1.0.0', licence: 'Apache-2.0', family: 'radio', pulled: true,
      sha256: createHash('sha256').update(readFileSync(t.path('root', 'tiny-radio', 'plaf-model.json'))).digest('hex'),
      graphs: { vision: { file: 'onnx/vision.onnx', sha256: manifest.files[0]!.sha256 } },
    }])
  })

  it('without a hub, or offline, a missing model is PLAF_MODEL_MISSING saying why nothing was downloaded', async () => {
    const t = temp()
    const root = t.path('home', 'models')
    expect(await thrown(createModelAccess({ home: t.path('home') }).open('radio-v2.5-b'))).toEqual([{
      code: 'PLAF_MODEL_MISSING', severity: 'error', message: `model "radio-v2.5-b" is not in the model store ${root}`,
      actual: 'radio-v2.5-b', expected: 'an installed model (plaf models list)',
      hint: 'get it with: plaf models pull radio-v2.5-b (or plaf models import <dir>); no hub is configured (--hub, PLAF_HUB or runtime.hub)',
    }])
    const offline = hubSettings({ runtime: { hub: 'http://127.0.0.1:9', offline: true }, env: {} })
    expect(offline).toEqual({ hub: 'http://127.0.0.1:9', offline: 'runtime.offline' })
    expect((await thrown(createModelAccess({ home: t.path('home'), ...offline }).open('radio-v2.5-b')))[0]!.hint).toBe(
      'get it with: plaf models pull radio-v2.5-b (or plaf models import <dir>); the network is off (runtime.offline), so no hub was asked')
  })

  it('hubSettings: a flag wins over the environment, which wins over the pipeline', () => {
    const runtime = { hub: 'http://pipeline', offline: false }
    expect(hubSettings({ runtime, env: {} })).toEqual({ hub: 'http://pipeline', offline: false })
    expect(hubSettings({ runtime, env: { PLAF_HUB: 'http://env', PLAF_OFFLINE: '1' } })).toEqual({ hub: 'http://env', offline: 'PLAF_OFFLINE=1' })
    expect(hubSettings({ hub: 'http://flag', offline: true, runtime, env: { PLAF_HUB: 'http://env', PLAF_OFFLINE: '0' } })).toEqual({ hub: 'http://flag', offline: '--offline' })
    expect(hubSettings({ runtime: { offline: true }, env: { PLAF_OFFLINE: '0' } })).toEqual({ offline: false })
  })

  it('checks sizes on every open and hashes each file once: a changed byte after the first open is caught', async () => {
    const t = temp()
    const dir = t.path('home', 'models', 'tiny-radio@1.0.0')
    const manifest = writeModelDir(dir, tinyManifest(), tinyFiles())
    const access = createModelAccess({ home: t.path('home') })
    await access.open('tiny-radio')
    const file = join(dir, 'extra', 'data.bin')
    const bytes = readFileSync(file)
    bytes[0] ^= 0xff
    writeFileSync(file, bytes)
    const { createHash } = await import('node:crypto')
    expect(await thrown(access.open('tiny-radio'))).toEqual([{
      code: 'PLAF_MODEL_CORRUPT', severity: 'error', message: 'model tiny-radio@1.0.0: extra/data.bin does not match its sha256 (the file changed or is damaged)',
      file, expected: `sha256 ${manifest.files[1]!.sha256}`, actual: `sha256 ${createHash('sha256').update(bytes).digest('hex')}`,
      hint: 'plaf models pull tiny-radio fetches it again, plaf models rm tiny-radio@1.0.0 removes it',
    }])
  })

  it('a run pulls the model from runtime.hub and its manifest.json lists the model with its hashes and licence', async () => {
    const t = temp()
    const manifest = writeModelDir(t.path('root', 'tiny-radio'), tinyManifest(), tinyFiles())
    const hub = await serveHub(t.path('root'))
    cleanups.push(() => hub.close())
    writeFileSync(t.path('p.yaml'), `input: { use: flat-frames, with: { frames: 2, size: 8 } }
stages:
  user: { use: model-user, with: { model: tiny-radio } }
runtime: { tensor_backend: reference, cache: false, hub: "${hub.url}" }
output: { dir: out }
`)
    const r = await resolvePipeline(t.path('p.yaml'), new Registry([...fixturePlugins, modelUser]))
    expect(r.diagnostics).toEqual([])
    vi.stubEnv('PLAF_HOME', t.path('home'))
    vi.stubEnv('PLAF_HUB', '')
    vi.stubEnv('PLAF_OFFLINE', '')
    cleanups.push(() => vi.unstubAllEnvs())
    const res = await runPipeline(r.pipeline!, { cwd: t.dir })
    expect(res.report.stages.user!.metrics).toEqual({ feature_dim: 6 })
    const written = JSON.parse(readFileSync(join(res.runDir, 'manifest.json'), 'utf8')) as { models: unknown }
    const { createHash } = await import('node:crypto')
    expect(written.models).toEqual([{
      name: 'tiny-radio', version: '1.0.0', licence: 'Apache-2.0', family: 'radio', pulled: true,
      sha256: createHash('sha256').update(readFileSync(t.path('root', 'tiny-radio', 'plaf-model.json'))).digest('hex'),
      graphs: { vision: { file: 'onnx/vision.onnx', sha256: manifest.files[0]!.sha256 } },
    }])
  })
})
