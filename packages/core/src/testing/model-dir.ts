import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { ModelFile, ModelManifest } from '../models/manifest.js'

/** The manifest without `files` (computed) and with `format` optional (1). */
export type ModelManifestParts = Omit<ModelManifest, 'files' | 'format'> & { format?: 1 }

/**
 * Lays out a model folder: writes each of `files` (path → bytes or text, parents created), then
 * `plaf-model.json` from `parts` with `files` listing every file with its real sha256 and size,
 * in the order given. Returns the manifest written. Put it under `<root>/<repo>/` to serve it
 * with `serveHub(root)`, or import it with `ModelStore.import`.
 */
export function writeModelDir(dir: string, parts: ModelManifestParts, files: Record<string, Uint8Array | string>): ModelManifest {
  const listed: ModelFile[] = []
  for (const [path, content] of Object.entries(files)) {
    const bytes = typeof content === 'string' ? Buffer.from(content, 'utf8') : content
    mkdirSync(dirname(join(dir, path)), { recursive: true })
    writeFileSync(join(dir, path), bytes)
    listed.push({ path, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.byteLength })
  }
  const { format: _f, ...rest } = parts
  const manifest: ModelManifest = { format: 1, ...rest, files: listed }
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'plaf-model.json'), JSON.stringify(manifest, null, 2) + '\n')
  return manifest
}
