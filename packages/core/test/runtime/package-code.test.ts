import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { describe, expect, it } from 'vitest'
import type { ResolvedStage } from '../../src/pipeline/resolve.js'
import { hashJson } from '../../src/runtime/cache.js'
import { cacheKey } from '../../src/runtime/frames.js'
import { packageCodeHash } from '../../src/runtime/package-code.js'
import { blockMean } from '../fixtures/plugins.js'
import { files } from '../pipeline/helpers.js'

/** A folder with a package @fake/plugins (entry importing impl.js) and a file to resolve it from. */
function withPackage(impl: string): string {
  const root = files({})
  const pkg = join(root, 'node_modules', '@fake', 'plugins')
  mkdirSync(join(pkg, 'dist'), { recursive: true })
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: '@fake/plugins', type: 'module', exports: { '.': { default: './dist/index.js' } } }))
  writeFileSync(join(pkg, 'dist', 'index.js'), "export { run } from './impl.js'\n")
  writeFileSync(join(pkg, 'dist', 'impl.js'), impl)
  writeFileSync(join(root, 'from.js'), '')
  return pathToFileURL(join(root, 'from.js')).href
}

describe('a built-in plugin\'s cache entries follow its code, not only its version', () => {
  it('the package hash covers the files its entry imports', () => {
    const a = packageCodeHash('@fake/plugins', withPackage('export const run = (x) => x + 1\n'))
    const same = packageCodeHash('@fake/plugins', withPackage('export const run = (x) => x + 1\n'))
    const edited = packageCodeHash('@fake/plugins', withPackage('export const run = (x) => x + 2\n'))
    expect(a).toMatch(/^[0-9a-f]{64}$/)
    expect(same).toBe(a)
    expect(edited).not.toBe(a)
    expect(packageCodeHash('@fake/not-installed', withPackage(''))).toBeUndefined()
  })

  it('the cache key of a plugin naming its package includes that package\'s code hash', () => {
    const stage = (pkg?: string): ResolvedStage => ({ key: 'backbone', use: 'block-mean', plugin: { ...blockMean, cacheable: true, package: pkg }, options: { block: 2 }, wiring: {}, mode: 'frame' })
    const inst = { run: () => ({}) }
    const code = packageCodeHash('@plaf/core')
    expect(code).toMatch(/^[0-9a-f]{64}$/)
    const withCode = cacheKey(stage('@plaf/core'), inst, ['k'])
    expect(withCode).toBe(hashJson(['block-mean', blockMean.version, { block: 2 }, null, ['k'], code]))
    expect(withCode).not.toBe(cacheKey(stage(), inst, ['k']))
  })
})
