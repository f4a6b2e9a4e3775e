import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { recordedRandomWeights, type Diagnostic } from '@plaf/core'

/**
 * What `plaf query` and `plaf view` say about a finished run before its results: one
 * PLAF_RANDOM_WEIGHTS warning (the text `plaf run` gives) per contract model with random weights
 * its manifest.json records. Empty when the manifest is missing or unreadable (opening the run
 * reports that) or records none.
 */
export function runModelWarnings(runDir: string): Diagnostic[] {
  const file = join(resolve(runDir), 'manifest.json')
  if (!existsSync(file)) return []
  let manifest: { models?: unknown }
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as { models?: unknown }
  } catch {
    return []
  }
  return recordedRandomWeights(manifest?.models, file)
}
