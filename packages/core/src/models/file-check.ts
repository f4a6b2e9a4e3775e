import { createHash } from 'node:crypto'
import { createReadStream, statSync } from 'node:fs'
import { diagnostic, type Diagnostic } from '../diagnostics.js'
import type { ModelFile } from './manifest.js'
import { resolveInside } from './model-paths.js'

/** sha256 of a file, streamed (models are large), as 64 lowercase hex digits. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** What is wrong with one model file on disk. */
export type FileProblem =
  | { kind: 'missing' }
  | { kind: 'escapes'; why: string }
  | { kind: 'truncated'; bytes: number }
  | { kind: 'oversized'; bytes: number }
  | { kind: 'checksum'; sha256: string }

/** The result of checking one listed file. */
export interface FileCheck {
  file: ModelFile
  /** Absolute path (unset when the path escapes the folder). */
  path?: string
  problem?: FileProblem
}

/** Hashes already computed this process, by path + mtime + size: each file is hashed once. */
const hashed = new Map<string, string>()

/**
 * Checks a listed file: it exists inside the folder, has the listed size, and (with `hash`) the
 * listed sha256. `hash: 'cached'` reuses a hash computed earlier in this process for the same
 * path, mtime and size; `'always'` re-reads the file (what `plaf models verify` does).
 */
export async function checkModelFile(dir: string, file: ModelFile, hash: 'none' | 'cached' | 'always'): Promise<FileCheck> {
  const r = resolveInside(dir, file.path)
  if ('escape' in r) return { file, problem: { kind: 'escapes', why: r.escape } }
  let st
  try {
    st = statSync(r.path)
  } catch {
    return { file, path: r.path, problem: { kind: 'missing' } }
  }
  if (!st.isFile()) return { file, path: r.path, problem: { kind: 'missing' } }
  if (st.size < file.bytes) return { file, path: r.path, problem: { kind: 'truncated', bytes: st.size } }
  if (st.size > file.bytes) return { file, path: r.path, problem: { kind: 'oversized', bytes: st.size } }
  if (hash === 'none') return { file, path: r.path }
  const key = `${r.path}\0${st.mtimeMs}\0${st.size}`
  let sha = hash === 'cached' ? hashed.get(key) : undefined
  if (!sha) {
    sha = await sha256File(r.path)
    hashed.set(key, sha)
  }
  return sha === file.sha256 ? { file, path: r.path } : { file, path: r.path, problem: { kind: 'checksum', sha256: sha } }
}

/**
 * The PLAF_MODEL_CORRUPT diagnostic (PLAF_MODEL_INVALID for an escaping path) of a failed check,
 * naming the model, the file, what the manifest lists and what is on disk; `hint` says how to repair.
 */
export function fileCheckDiagnostic(model: string, check: FileCheck, hint?: string): Diagnostic | undefined {
  const { file, path, problem } = check
  if (!problem) return undefined
  const head = `model ${model}: ${file.path}`
  switch (problem.kind) {
    case 'escapes':
      return diagnostic('PLAF_MODEL_INVALID', `${head} escapes the model folder: ${problem.why}`, { expected: 'a file inside the model folder', actual: file.path })
    case 'missing':
      return diagnostic('PLAF_MODEL_CORRUPT', `${head} is missing`, { file: path, expected: `${file.bytes} bytes`, actual: 'no file', hint })
    case 'truncated':
      return diagnostic('PLAF_MODEL_CORRUPT', `${head} is truncated: ${problem.bytes} of ${file.bytes} bytes`, { file: path, expected: `${file.bytes} bytes`, actual: `${problem.bytes} bytes`, hint })
    case 'oversized':
      return diagnostic('PLAF_MODEL_CORRUPT', `${head} has ${problem.bytes} bytes, more than the ${file.bytes} its manifest lists`, { file: path, expected: `${file.bytes} bytes`, actual: `${problem.bytes} bytes`, hint })
    case 'checksum':
      return diagnostic('PLAF_MODEL_CORRUPT', `${head} does not match its sha256 (the file changed or is damaged)`, { file: path, expected: `sha256 ${file.sha256}`, actual: `sha256 ${problem.sha256}`, hint })
  }
}
