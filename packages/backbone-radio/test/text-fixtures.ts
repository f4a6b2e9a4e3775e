import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { localModelAccess, type Diagnostic, type ModelAccess, type ModelManifest } from '@plaf/core'
import { tempDir, type TempDir } from '@plaf/core/testing'

/** A temporary PLAF_HOME with a model store, and a ModelAccess over it. */
export interface TextStore {
  home: TempDir
  models: ModelAccess
  /** The folder for `name@version` under the store. */
  folder(name: string, version?: string): string
}

/** A fresh store under a temp PLAF_HOME (also set as process.env.PLAF_HOME, for the disk cache). */
export function textStore(): TextStore {
  const home = tempDir('text-store')
  mkdirSync(home.path('models'), { recursive: true })
  process.env.PLAF_HOME = home.dir
  return { home, models: localModelAccess(home.dir), folder: (name, version = '1.0.0') => join(home.dir, 'models', `${name}@${version}`) }
}

/** Edits a model's manifest in place. */
export function editManifest(dir: string, edit: (m: ModelManifest) => void): void {
  const file = join(dir, 'plaf-model.json')
  const m = JSON.parse(readFileSync(file, 'utf8')) as ModelManifest
  edit(m)
  writeFileSync(file, JSON.stringify(m, null, 2) + '\n')
}

/** Replaces a model file and updates its sha256 and size in the manifest, so only the content is wrong. */
export function replaceFile(dir: string, path: string, content: string): void {
  writeFileSync(join(dir, path), content)
  editManifest(dir, (m) => {
    const f = m.files.find((x) => x.path === path)!
    f.sha256 = createHash('sha256').update(content).digest('hex')
    f.bytes = Buffer.byteLength(content)
  })
}

/** The diagnostic a promise rejects with, causes dropped and the temp dir replaced by <home>. */
export async function diagnosticOf(p: Promise<unknown>, home: string): Promise<Diagnostic> {
  try {
    await p
  } catch (e) {
    const d = (e as { diagnostics?: Diagnostic[] }).diagnostics?.[0]
    if (!d) throw e
    const { cause: _c, ...rest } = d
    return JSON.parse(JSON.stringify(rest).split(home).join('<home>')) as Diagnostic
  }
  throw new Error('expected a PlafError')
}

/** Cosine of two unit vectors. */
export function dot(a: Float32Array, b: Float32Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!
  return s
}
