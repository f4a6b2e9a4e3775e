import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { buildModel } from '@plaf/core'
import { serveHub, writeModelDir, type ModelManifestParts } from '@plaf/core/testing'
import { writeSamContractModel } from '@plaf/masker-sam/testing'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { knownModels } from '../src/commands/models.js'
import { main } from '../src/main.js'
import { tempDir } from './helpers.js'

/** A valid tiny graph: `image` f32[1,3,32,32] → 16×16 average pool → NHWC `features` f32[1,2,2,3]. */
const vision = buildModel({
  inputs: [{ name: 'image', type: 'float32', shape: [1, 3, 32, 32] }],
  outputs: [{ name: 'features', type: 'float32', shape: [1, 2, 2, 3] }],
  nodes: [
    { op: 'AveragePool', inputs: ['image'], outputs: ['p'], attributes: { kernel_shape: [16, 16], strides: [16, 16] } },
    { op: 'Transpose', inputs: ['p'], outputs: ['features'], attributes: { perm: [0, 2, 3, 1] } },
  ],
})
const parts = (features = [1, 2, 2, 3]): ModelManifestParts => ({
  name: 'tiny-radio', version: '1.0.0', licence: { id: 'NSCL-RADIO', commercial_use: false }, source: { repo: 'tiny-radio' }, family: 'radio',
  graphs: {
    vision: {
      file: 'onnx/vision.onnx',
      inputs: [{ name: 'image', dtype: 'float32', shape: [1, 3, 32, 32], role: 'image' }],
      outputs: [{ name: 'features', dtype: 'float32', shape: features, role: 'features', layout: 'nhwc' }],
    },
  },
  image: {
    patch_size: 16, feature_dim: 3, embedding_space: 'tiny-space',
    preprocessing: { input_size: [32, 32], resize: 'squash', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], channel_order: 'rgb' },
  },
})
const files = () => ({ 'onnx/vision.onnx': vision, 'extra/data.bin': new Uint8Array(3000).fill(5) })

let home = ''
beforeEach(() => {
  home = tempDir()
  vi.stubEnv('PLAF_HOME', home)
  vi.stubEnv('PLAF_HUB', '')
  vi.stubEnv('PLAF_OFFLINE', '')
})
afterEach(() => void vi.unstubAllEnvs())

/** Runs the CLI in-process with a non-TTY progress stream whose text is captured too. */
async function plaf(...argv: string[]): Promise<{ code: number; out: string; err: string; progress: string }> {
  let out = ''
  let err = ''
  let progress = ''
  const progressStream = new Writable({ write: (c, _e, cb) => void ((progress += String(c)), cb()) }) as unknown as NodeJS.WriteStream
  const code = await main(argv, { out: (t) => void (out += t + '\n'), err: (t) => void (err += t + '\n'), progressStream })
  return { code, out, err, progress }
}
const installed = () => writeModelDir(join(home, 'models', 'tiny-radio@1.0.0'), parts(), files())
const modelDir = () => join(home, 'models', 'tiny-radio@1.0.0')

describe('plaf models', () => {
  it('list: nothing installed, then name@version, licence, size and family; --json', async () => {
    expect(await plaf('models', 'list')).toEqual({ code: 0, out: `no models in ${join(home, 'models')}; get one with plaf models pull <name> or plaf models import <dir>\n`, err: '', progress: '' })
    installed()
    const r = await plaf('models', 'list')
    expect(r.code).toBe(0)
    expect(r.out).toBe([
      'model             licence     size     family',
      'tiny-radio@1.0.0  NSCL-RADIO  3.24 kB  radio',
      `(1 in ${join(home, 'models')})`, '',
    ].join('\n'))
    const j = JSON.parse((await plaf('models', 'list', '--json')).out)
    expect(j.models.map((m: { ref: string; bytes: number }) => [m.ref, m.bytes])).toEqual([['tiny-radio@1.0.0', vision.byteLength + 3000]])
  })

  it('pull: progress lines on a non-TTY, the result on stdout; then up to date', async () => {
    const root = tempDir()
    writeModelDir(join(root, 'tiny-radio'), parts(), files())
    const hub = await serveHub(root)
    try {
      const r = await plaf('models', 'pull', 'tiny-radio', '--hub', hub.url, '--progress', 'lines')
      expect(r.err).toBe('')
      expect(r.code).toBe(0)
      expect(r.out).toBe(`pulled tiny-radio@1.0.0: 2 of 2 files fetched (3.24 kB), licence NSCL-RADIO, into ${modelDir()}\n`)
      expect(r.progress.split('\n')).toEqual(expect.arrayContaining([
        `[pull tiny-radio@1.0.0] onnx/vision.onnx ${vision.byteLength} B of ${vision.byteLength} B (100%)`,
        '[pull tiny-radio@1.0.0] extra/data.bin 3.00 kB of 3.00 kB (100%)',
        '[pull tiny-radio@1.0.0] done, 3.24 kB in 2 files',
      ]))
      vi.stubEnv('PLAF_HUB', hub.url)
      expect((await plaf('models', 'pull', 'tiny-radio')).out).toBe(`tiny-radio@1.0.0 is up to date (${modelDir()})\n`)
    } finally {
      await hub.close()
    }
  })

  it('pull --offline and PLAF_OFFLINE=1 refuse the network with a clear message (exit 1)', async () => {
    const r = await plaf('models', 'pull', 'tiny-radio', '--hub', 'http://127.0.0.1:9', '--offline')
    expect(r.code).toBe(1)
    expect(r.err).toBe([
      'plaf error model "tiny-radio" would be downloaded, but the network is off (--offline)  PLAF_OFFLINE',
      '     expected network access; got offline; allow it (drop --offline, unset PLAF_OFFLINE, runtime.offline: false), or copy the model folder here and run plaf models import <dir>',
      '', '1 error(s), 0 warning(s)', '',
    ].join('\n'))
    vi.stubEnv('PLAF_OFFLINE', '1')
    expect((await plaf('models', 'pull', 'tiny-radio', '--hub', 'http://127.0.0.1:9')).err.split('\n')[0]).toBe(
      'plaf error model "tiny-radio" would be downloaded, but the network is off (PLAF_OFFLINE=1)  PLAF_OFFLINE')
  })

  it('pull without a hub, or with a hub that is not an http(s) URL, says what to give (exit 1)', async () => {
    const none = await plaf('models', 'pull', 'tiny-radio')
    expect([none.code, none.err]).toEqual([1, [
      'plaf error no model hub is configured  PLAF_MISSING_OPTION',
      '     expected a hub URL; got none; give --hub URL, set PLAF_HUB, or set runtime.hub in the pipeline',
      '', '1 error(s), 0 warning(s)', '',
    ].join('\n')])
    const ftp = await plaf('models', 'pull', 'tiny-radio', '--hub', 'ftp://models.example.org')
    expect([ftp.code, ftp.err]).toEqual([1, [
      '--hub ftp://models.example.org error hub "ftp://models.example.org" is not an http(s) URL  PLAF_INVALID_OPTION',
      '     | --hub ftp://models.example.org',
      '     |       ^',
      '     expected an http:// or https:// URL; got ftp:',
      '', '1 error(s), 0 warning(s)', '',
    ].join('\n')])
  })

  it('import: a plaf folder; a layout that does not exist is a located flag error', async () => {
    const src = join(tempDir(), 'export')
    writeModelDir(src, parts(), files())
    const r = await plaf('models', 'import', src)
    expect(r.code).toBe(0)
    expect(r.out).toBe(`imported tiny-radio@1.0.0 (radio, 2 files, 3.24 kB, licence NSCL-RADIO) into ${modelDir()}\n`)
    const one = join(tempDir(), 'one')
    writeModelDir(one, { ...parts(), name: 'one-file' }, { 'onnx/vision.onnx': vision })
    expect((await plaf('models', 'import', one)).out).toMatch(/^imported one-file@1\.0\.0 \(radio, 1 file, /)
    const bad = await plaf('models', 'import', src, '--layout', 'transformersjs')
    expect(bad.code).toBe(1)
    expect(bad.err).toBe([
      '--layout transformersjs error unknown model folder layout "transformersjs"  PLAF_INVALID_OPTION',
      '     | --layout transformersjs',
      '     |          ^',
      '     expected one of plaf, transformers.js; got transformersjs; did you mean "transformers.js"?',
      '', '1 error(s), 0 warning(s)', '',
    ].join('\n'))
  })

  it('import of an installed name@version with other files is refused naming both (exit 1); the same content again is a no-op; --replace overwrites', async () => {
    const a = join(tempDir(), 'sam-onnx')
    const b = join(tempDir(), 'other-export')
    writeModelDir(a, parts(), files())
    writeModelDir(b, parts(), { ...files(), 'extra/data.bin': new Uint8Array(3000).fill(6) })
    expect((await plaf('models', 'import', a)).code).toBe(0)
    const before = readFileSync(join(modelDir(), 'extra', 'data.bin'))
    const again = await plaf('models', 'import', a)
    expect(again).toMatchObject({ code: 0, err: '', out: `tiny-radio@1.0.0 is already installed with the same files (${modelDir()}); nothing imported\n` })
    const clash = await plaf('models', 'import', b)
    expect(clash.code).toBe(1)
    expect(clash.out).toBe('')
    expect(clash.err).toContain(`tiny-radio@1.0.0 is already installed from other content (${modelDir()}); ${b} has different files: extra/data.bin (installed sha256 `)
    expect(clash.err).toContain('PLAF_MODEL_CONFLICT')
    expect(clash.err).toContain('--replace')
    expect(readFileSync(join(modelDir(), 'extra', 'data.bin'))).toEqual(before)
    const replaced = await plaf('models', 'import', b, '--replace', '--json')
    expect(replaced.code).toBe(0)
    expect(JSON.parse(replaced.out)).toMatchObject({ ref: 'tiny-radio@1.0.0', replaced: true })
    expect(readFileSync(join(modelDir(), 'extra', 'data.bin'))[0]).toBe(6)
  })

  it('masker-sam README samexporter steps on generated exports: info <folder> without a manifest prints the real I/O, the README manifest without sha256/bytes passes info and imports with a note', async () => {
    const readme = readFileSync(join(import.meta.dirname, '..', '..', 'masker-sam', 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('- **samexporter**'))
    const example = JSON.parse(/```json\n([\s\S]*?)```/.exec(section)![1]!)
    // step 1: an export folder (the contract model in samexporter's sam-onnx layout and file names), no plaf-model.json
    const dir = join(tempDir(), 'sam-export')
    writeSamContractModel(dir, { layout: 'sam-onnx' })
    rmSync(join(dir, 'plaf-model.json'))
    expect((await plaf('models', 'info', dir)).out).toContain(`${dir}: no plaf-model.json; the real inputs and outputs of its ONNX files`)
    const step2 = await plaf('models', 'info', dir, '--json')
    expect(step2.code).toBe(0)
    const onnx = JSON.parse(step2.out).onnx as { file: string; inputs: unknown[]; outputs: unknown[] }[]
    expect(onnx.map((f) => f.file)).toEqual(example.files.map((f: { path: string }) => f.path).sort())
    // step 3: the README's manifest with inputs/outputs copied from step 2
    for (const g of Object.values(example.graphs) as { file: string; inputs: unknown[]; outputs: unknown[] }[]) Object.assign(g, onnx.find((f) => f.file === g.file)!, { file: g.file })
    writeFileSync(join(dir, 'plaf-model.json'), JSON.stringify(example, null, 2))
    // step 4
    const check = await plaf('models', 'info', dir)
    expect([check.code, check.err]).toEqual([0, ''])
    expect(check.out).toContain('sam-vit-h@1.0.0  family sam')
    expect(check.out).toContain('sha256 and bytes computed for sam_vit_h_encoder.onnx, sam_vit_h_decoder.onnx')
    const imported = await plaf('models', 'import', dir)
    expect([imported.code, imported.err]).toEqual([0, ''])
    expect(imported.out).toContain('note: plaf-model.json did not give sha256/bytes for sam_vit_h_encoder.onnx, sam_vit_h_decoder.onnx: computed from the files')
    expect(await plaf('models', 'verify', 'sam-vit-h')).toMatchObject({ code: 0 })
    // a wrong declared shape is still caught by info on the folder (exit 1)
    example.graphs.image_encoder.inputs[0].shape = [1, 3, 512, 512]
    writeFileSync(join(dir, 'plaf-model.json'), JSON.stringify(example, null, 2))
    expect((await plaf('models', 'info', dir)).code).toBe(1)
  })

  it('verify: ok, then a changed byte fails with both hashes (exit 1)', async () => {
    const m = installed()
    expect(await plaf('models', 'verify')).toMatchObject({ code: 0, out: 'ok     tiny-radio@1.0.0 (2 of 2 files intact)\n', err: '' })
    const f = join(modelDir(), 'extra', 'data.bin')
    const b = readFileSync(f)
    b[10] = 6
    writeFileSync(f, b)
    const { createHash } = await import('node:crypto')
    const r = await plaf('models', 'verify', 'tiny-radio')
    expect(r.code).toBe(1)
    expect(r.out).toBe('FAILED tiny-radio@1.0.0 (1 of 2 files intact)\n')
    expect(r.err).toBe([
      `${f} error model tiny-radio@1.0.0: extra/data.bin does not match its sha256 (the file changed or is damaged)  PLAF_MODEL_CORRUPT`,
      `     expected sha256 ${m.files[1]!.sha256}; got sha256 ${createHash('sha256').update(b).digest('hex')}; plaf models pull tiny-radio fetches it again, plaf models rm tiny-radio@1.0.0 removes it`,
      '', '1 error(s), 0 warning(s)', '',
    ].join('\n'))
  })

  it('rm removes a model; a name not in the store suggests the closest installed, never a pull (exit 1)', async () => {
    installed()
    const typo = await plaf('models', 'rm', 'tiny-raido')
    expect(typo.code).toBe(1)
    expect(typo.err).toBe([
      `plaf error model "tiny-raido" is not in the model store ${join(home, 'models')}  PLAF_MODEL_MISSING`,
      '     expected an installed model (plaf models list); got tiny-raido; closest installed: tiny-radio; plaf models list shows what is installed',
      '', '1 error(s), 0 warning(s)', '',
    ].join('\n'))
    expect(await plaf('models', 'rm', 'tiny-radio')).toMatchObject({ code: 0, out: `removed tiny-radio@1.0.0 (3.24 kB, ${modelDir()})\n` })
    expect((await plaf('models', 'list')).out).toMatch(/^no models in /)
  })

  it('a stopped pull is listed as a partial download (name, bytes, how to remove it); rm removes it', async () => {
    const root = tempDir()
    writeModelDir(join(root, 'tiny-radio'), parts(), files())
    const hub = await serveHub(root, { drop: [{ path: 'extra/data.bin', afterBytes: 1200, times: 4 }] })
    try {
      const failed = await plaf('models', 'pull', 'tiny-radio', '--hub', hub.url, '--progress', 'lines')
      expect(failed.code).toBe(1)
      // each resume is said, with the bytes that arrived
      expect(failed.progress).toContain('[pull tiny-radio@1.0.0] the connection dropped after 1200 of 3000 bytes of extra/data.bin (UND_ERR_SOCKET); resuming, attempt 2 of 4\n')
    } finally {
      await hub.close()
    }
    const partial = join(home, 'models', '.incoming', 'pull-tiny-radio@1.0.0')
    const size = `${((vision.byteLength + 1200) / 1000).toFixed(2)} kB`
    expect((await plaf('models', 'list')).out).toBe([
      `no models in ${join(home, 'models')}; get one with plaf models pull <name> or plaf models import <dir>`,
      'partial downloads (plaf models pull <name> resumes one, plaf models rm <name> removes it):',
      `  tiny-radio@1.0.0  ${size}  ${partial}`, '',
    ].join('\n'))
    expect(JSON.parse((await plaf('models', 'list', '--json')).out).partial).toEqual([{ ref: 'tiny-radio@1.0.0', dir: partial, bytes: vision.byteLength + 1200 }])
    expect(await plaf('models', 'rm', 'tiny-radio')).toMatchObject({ code: 0, err: '', out: `removed partial download of tiny-radio@1.0.0 (${size}, ${partial})\n` })
    expect((await plaf('models', 'list')).out).toBe(`no models in ${join(home, 'models')}; get one with plaf models pull <name> or plaf models import <dir>\n`)
    expect((await plaf('models', 'rm', 'tiny-radio')).code).toBe(1)
  })

  it('a partial download a live pull holds is listed as such, and rm keeps it (exit 1)', async () => {
    const incoming = join(home, 'models', '.incoming')
    mkdirSync(join(incoming, 'pull-tiny-radio@1.0.0'), { recursive: true })
    writeFileSync(join(incoming, 'pull-tiny-radio@1.0.0', 'data.bin.part'), new Uint8Array(500))
    // a lock held by this (live) process, as a pull running elsewhere in it would hold it
    writeFileSync(join(incoming, 'pull-tiny-radio@1.0.0.lock'), JSON.stringify({ pid: process.pid, host: hostname(), started_at: '2026-12-01T10:00:00.000Z', proc_start: null, token: 't', model: 'tiny-radio@1.0.0' }))
    const holder = `pid ${process.pid} on ${hostname()}, since 2026-12-01T10:00:00.000Z`
    expect((await plaf('models', 'list')).out.split('\n').slice(1)).toEqual([
      'partial downloads (plaf models pull <name> resumes one, plaf models rm <name> removes it):',
      `  tiny-radio@1.0.0  500 B  being downloaded by ${holder}`, '',
    ])
    const r = await plaf('models', 'rm', 'tiny-radio')
    expect(r.code).toBe(1)
    expect(r.err.split('\n')[0]).toBe(`${join(incoming, 'pull-tiny-radio@1.0.0')} error kept the partial download of tiny-radio@1.0.0: a pull is writing it (${holder})  PLAF_MODEL_CONFLICT`)
    expect(existsSync(join(incoming, 'pull-tiny-radio@1.0.0', 'data.bin.part'))).toBe(true)
  })

  it('a hub manifest that is not JSON is located at its URL, printed whole (http://…:2:3)', async () => {
    const root = tempDir()
    mkdirSync(join(root, 'badjson'), { recursive: true })
    writeFileSync(join(root, 'badjson', 'plaf-model.json'), '{\n  oops\n}\n')
    const hub = await serveHub(root)
    try {
      const r = await plaf('models', 'pull', 'badjson', '--hub', hub.url)
      expect(r.code).toBe(1)
      expect(r.err.split('\n')[0], r.err).toMatch(new RegExp(`^${hub.url.replace(/[.]/g, '\\.')}/badjson/resolve/main/plaf-model\\.json:2:3 error `))
    } finally {
      await hub.close()
    }
  })

  it('rm of a name nothing resembles says how to list models', async () => {
    expect(await plaf('models', 'rm', 'nothing')).toEqual({
      code: 1, out: '', progress: '',
      err: [
        `plaf error model "nothing" is not in the model store ${join(home, 'models')}  PLAF_MODEL_MISSING`,
        '     expected an installed model (plaf models list); got nothing; plaf models list shows what is installed',
        '', '1 error(s), 0 warning(s)', '',
      ].join('\n'),
    })
  })

  it('info and verify suggest a pull only for a model the built-in plugins use (sam-vit-h), else how to list models', async () => {
    const missing = (name: string, hint: string) => ({
      code: 1, out: '', progress: '',
      err: [`plaf error model "${name}" is not in the model store ${join(home, 'models')}  PLAF_MODEL_MISSING`, `     expected an installed model (plaf models list); got ${name}; ${hint}`, '', '1 error(s), 0 warning(s)', ''].join('\n'),
    })
    expect(await plaf('models', 'info', 'nothing')).toEqual(missing('nothing', 'plaf models list shows what is installed'))
    expect(await plaf('models', 'verify', 'nothing')).toEqual(missing('nothing', 'plaf models list shows what is installed'))
    expect(await plaf('models', 'info', 'sam-vit-h')).toEqual(missing('sam-vit-h', 'get it with: plaf models pull sam-vit-h (or plaf models import <dir>)'))
    expect(knownModels()).toEqual(['clip-vit-b-16', 'clip-vit-b-16-text', 'radio-v2.5-b', 'sam-vit-h', 'siglip-so400m-text'])
  })

  it('a damaged folder (plaf-model.json not JSON) is named by list, fails verify (exit 1) and info at the parse error; rm removes it', async () => {
    installed()
    const bad = join(home, 'models', 'radio-v2.5-b@1.0.0')
    mkdirSync(bad)
    writeFileSync(join(bad, 'plaf-model.json'), '{bad\n')
    const manifest = join(bad, 'plaf-model.json')
    const diag = (severity: string, hint: string) => [
      `${manifest}:1:2 ${severity} ${manifest} is not valid JSON (line 1, column 2)  PLAF_MODEL_INVALID`,
      '   1 | {bad', '     |  ^', `     expected a JSON object (plaf-model.json); got "b"${hint}`, '',
    ]
    const rmHint = '; plaf models rm radio-v2.5-b@1.0.0 removes the folder, plaf models pull radio-v2.5-b fetches it again'
    const list = await plaf('models', 'list')
    expect(list.code).toBe(0)
    expect(list.out).toBe([
      'model             licence     size     family',
      'tiny-radio@1.0.0  NSCL-RADIO  3.24 kB  radio',
      `(1 in ${join(home, 'models')}; 1 damaged folder(s): radio-v2.5-b@1.0.0 (below; plaf models verify fails on them))`, '',
    ].join('\n'))
    expect(list.err).toBe([...diag('warning', ''), '0 error(s), 1 warning(s)', ''].join('\n'))
    expect(JSON.parse((await plaf('models', 'list', '--json')).out).damaged).toEqual([{ folder: 'radio-v2.5-b@1.0.0', dir: bad, problem: `${manifest} is not valid JSON (line 1, column 2)` }])
    for (const argv of [['verify'], ['verify', 'radio-v2.5-b']]) {
      const v = await plaf('models', ...argv)
      expect(v.code).toBe(1)
      expect(v.out).toBe(argv.length === 1
        ? 'FAILED radio-v2.5-b@1.0.0 (damaged folder: its plaf-model.json cannot be read)\nok     tiny-radio@1.0.0 (2 of 2 files intact)\n'
        : 'FAILED radio-v2.5-b@1.0.0 (damaged folder: its plaf-model.json cannot be read)\n')
      expect(v.err).toBe([...diag('error', rmHint), '1 error(s), 0 warning(s)', ''].join('\n'))
    }
    expect(await plaf('models', 'info', 'radio-v2.5-b')).toEqual({ code: 1, out: '', progress: '', err: [...diag('error', rmHint), '1 error(s), 0 warning(s)', ''].join('\n') })
    expect(await plaf('models', 'rm', 'radio-v2.5-b')).toMatchObject({ code: 0, out: `removed damaged folder radio-v2.5-b@1.0.0 (${bad})\n` })
    expect(await plaf('models', 'verify')).toMatchObject({ code: 0, out: 'ok     tiny-radio@1.0.0 (2 of 2 files intact)\n' })
  })

  it('info prints the manifest summary and the real I/O; a declared shape the ONNX file does not have exits 1 at its line', async () => {
    installed()
    const r = await plaf('models', 'info', 'tiny-radio')
    expect(r.code).toBe(0)
    expect(r.out.split('\n').filter((l) => !l.includes('sha256'))).toEqual([
      'tiny-radio@1.0.0  family radio  licence NSCL-RADIO (non-commercial)',
      `  folder ${modelDir()}`,
      `  2 files, 3.24 kB`,
      '  source: repo tiny-radio',
      '  image: patch 16, D 3, space tiny-space, input 32×32 squash, scale 1, mean [0, 0, 0], std [1, 1, 1], rgb',
      '  graph vision (onnx/vision.onnx)',
      '  input  image     float32 [1, 3, 32, 32]      file: float32 [1, 3, 32, 32]  role image',
      '  output features  float32 [1, 2, 2, 3]        file: float32 [1, 2, 2, 3]  role features (nhwc)',
      '',
    ])
    writeModelDir(modelDir(), parts([1, 2, 2, 1152]), files())
    const bad = await plaf('models', 'info', 'tiny-radio')
    expect(bad.code).toBe(1)
    expect(bad.err).toBe([
      `${join(modelDir(), 'plaf-model.json')}:30:9 error model tiny-radio@1.0.0, graph "vision" (onnx/vision.onnx): output "features" is declared float32 [1, 2, 2, 1152] but the ONNX file has float32 [1, 2, 2, 3]  PLAF_MODEL_IO_MISMATCH`,
      '  30 |         {',
      '     |         ^',
      '     expected float32 [1, 2, 2, 1152]; got float32 [1, 2, 2, 3]',
      '', '1 error(s), 0 warning(s)', '',
    ].join('\n'))
  })
})

describe('plaf models import --layout transformers.js', () => {
  it('writes a manifest for a single-tower SigLIP text export (onnx/model.onnx, tokenizer.json, config.json)', async () => {
    const src = join(tempDir(), 'siglip-text')
    const text = buildModel({
      inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch_size', 64] }],
      outputs: [{ name: 'pooler_output', type: 'float32', shape: ['batch_size', 8] }],
      initializers: [{ name: 'w', type: 'float32', dims: [64, 8], data: new Float32Array(512).fill(1) }],
      nodes: [{ op: 'Cast', inputs: ['input_ids'], outputs: ['f'], attributes: { to: 1 } }, { op: 'MatMul', inputs: ['f', 'w'], outputs: ['pooler_output'] }],
    })
    mkdirSync(join(src, 'onnx'), { recursive: true })
    writeFileSync(join(src, 'onnx', 'model.onnx'), text)
    writeFileSync(join(src, 'config.json'), JSON.stringify({ model_type: 'siglip_text_model', hidden_size: 8, max_position_embeddings: 64 }))
    writeFileSync(join(src, 'tokenizer.json'), JSON.stringify({ added_tokens: [{ id: 1, content: '</s>' }] }))
    const r = await plaf('models', 'import', src, '--layout', 'transformers.js', '--model-version', '1', '--licence', 'Apache-2.0', '--json')
    expect(r.err).toBe('')
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ ref: 'siglip-text@1', family: 'siglip-text', licence: 'Apache-2.0' })
    const manifest = JSON.parse(readFileSync(join(home, 'models', 'siglip-text@1', 'plaf-model.json'), 'utf8'))
    expect([manifest.graphs, manifest.text]).toEqual([
      { text: { file: 'onnx/model.onnx', inputs: [{ name: 'input_ids', dtype: 'int64', shape: ['batch_size', 64], role: 'input_ids' }], outputs: [{ name: 'pooler_output', dtype: 'float32', shape: ['batch_size', 8], role: 'text_embeds' }] } },
      { feature_dim: 8, embedding_space: 'siglip-text', tokenizer: { file: 'tokenizer.json', context_length: 64, pad_id: 1, clean: 'siglip', eos_id: 1 } },
    ])
  })
})
