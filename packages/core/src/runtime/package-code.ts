/**
 * A hash of a built-in plugin's package code, for the stage cache key. A built-in plugin's version
 * is meant to change with its code, but a change released (or built locally) without a bump would
 * otherwise replay outputs the old code computed: the cache key also covers the code itself, as it
 * does for plugins loaded through `plugins:` (`pipeline/plugin-source.ts`).
 */
import { createRequire } from 'node:module'
import { hashPluginCode } from '../pipeline/plugin-source.js'

const hashes = new Map<string, string | null>()

/**
 * sha256 over the entry file of package `pkg` (as resolved from `from`, default: this module) and
 * the local files it imports, transitively (`hashPluginCode`, bounded); computed once per process.
 * Undefined when the package cannot be resolved (the key then rests on the version alone).
 */
export function packageCodeHash(pkg: string, from: string = import.meta.url): string | undefined {
  const memo = `${from}\0${pkg}`
  let h = hashes.get(memo)
  if (h === undefined) {
    try {
      h = hashPluginCode(createRequire(from).resolve(pkg)).codeHash
    } catch {
      h = null
    }
    hashes.set(memo, h)
  }
  return h ?? undefined
}
