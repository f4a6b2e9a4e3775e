// plaf outside the clone: every package under packages/ is packed as npm would publish it, the
// tarballs are installed globally into a temp prefix, and the installed `plaf` runs the demo from
// an unrelated directory. Also checks what each tarball holds and declares.
import { builtinModules } from 'node:module'
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { join, relative } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodeNpy } from '@plaf/core'
import { readSceneMeta, sceneObjects } from '@plaf/datasets'
import { npyFileBytes } from '@plaf/storage'
import { tempDir } from './helpers.js'
import { buildPackages, exec, npmInstall, repo, sharedPacks, workspacePackages, type PackResult } from './packing.js'

const { dir: tmp, cleanup } = tempDir('pack')
afterAll(cleanup)
const prefix = join(tmp, 'prefix')
const work = join(tmp, 'elsewhere') // the unrelated working directory
const packages = workspacePackages()
let packed: (PackResult & { tarball: string })[] = []

beforeAll(() => {
  buildPackages()
  packed = sharedPacks()
  npmInstall(tmp, packed.map((p) => p.tarball), { prefix })
}, 300_000)

/** Bare specifiers (package names) imported by a built .js file. */
function importedPackages(js: string): string[] {
  const names = new Set<string>()
  // A bare `import 'x'` counts only as a statement at the start of a line, so text such as a
  // WebAssembly module's `(import "env" "memory")` inside a string is not taken for one.
  for (const m of js.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+|\brequire\s*\(\s*)['"]([^'"./][^'"]*)['"]/gm)) {
    const spec = m[1]
    if (spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0])) continue
    names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0])
  }
  return [...names]
}

describe('the packed packages', () => {
  it('are every package under packages/', () => {
    expect(packed.map((p) => p.name).sort()).toEqual(packages.map((p) => p.name).sort())
    expect(packages.length).toBeGreaterThanOrEqual(9)
  })

  it.each(packages.map((p) => [p.name, p]))('%s ships dist, README and package.json only, and every path it exports', (_, pkg) => {
    const files = new Set(packed.find((p) => p.name === pkg.name)!.files.map((f) => f.path))
    for (const f of ['package.json', 'README.md', 'dist/index.js', 'dist/index.d.ts']) expect(files, f).toContain(f)
    const stray = [...files].filter((f) => /^(src|test)\//.test(f) || f.endsWith('.tsbuildinfo') || f.endsWith('.test.js'))
    expect(stray).toEqual([])
    for (const [sub, conditions] of Object.entries(pkg.json.exports ?? {})) {
      expect(conditions.types, `exports["${sub}"].types`).toBeDefined()
      for (const [condition, target] of Object.entries(conditions)) {
        if (condition === '@plaf/source') continue // the repository's own tests only; src/ is not shipped
        expect(files, `exports["${sub}"].${condition}`).toContain(target.replace(/^\.\//, ''))
      }
    }
    for (const [name, target] of Object.entries(pkg.json.bin ?? {})) expect(files, `bin ${name}`).toContain(target.replace(/^\.\//, ''))
  })

  it.each(packages.map((p) => [p.name, p]))('%s declares every package its code imports, at a range its siblings satisfy', (_, pkg) => {
    const declared = { ...pkg.json.dependencies, ...pkg.json.peerDependencies }
    const shipped = packed.find((p) => p.name === pkg.name)!.files.map((f) => f.path).filter((f) => f.endsWith('.js'))
    const missing: string[] = []
    for (const f of shipped) {
      for (const name of importedPackages(readFileSync(join(pkg.dir, f), 'utf8'))) {
        if (name !== pkg.name && !(name in declared)) missing.push(`${f}: ${name}`)
      }
    }
    expect(missing).toEqual([])
    for (const [name, range] of Object.entries(pkg.json.dependencies ?? {})) {
      const sibling = packages.find((p) => p.name === name)
      if (sibling) expect([sibling.version, `^${sibling.version}`, `~${sibling.version}`], `${name}@${range}`).toContain(range)
    }
  })

  it('hold no absolute path into the repository in code, types, maps or package.json', () => {
    const leaks: string[] = []
    for (const p of packed) {
      const pkg = packages.find((q) => q.name === p.name)!
      for (const f of p.files.filter((x) => !x.path.endsWith('.md'))) {
        if (readFileSync(join(pkg.dir, f.path), 'utf8').includes(repo)) leaks.push(`${p.name}/${f.path}`)
      }
    }
    expect(leaks).toEqual([])
  })

  it('@plaf/cli carries the demo pipeline, without the repository-relative editor schema', () => {
    const cli = packed.find((p) => p.name === '@plaf/cli')!
    expect(cli.files.map((f) => f.path)).toContain('pipelines/demo.yaml')
    const installed = readFileSync(join(prefix, 'lib', 'node_modules', '@plaf', 'cli', 'pipelines', 'demo.yaml'), 'utf8')
    const original = readFileSync(join(repo, 'pipelines', 'demo.yaml'), 'utf8')
    expect(installed).not.toContain('$schema')
    // the same pipeline, only the first comment line differs
    expect(installed.split('\n').slice(1)).toEqual(original.split('\n').slice(1))
  })
})

describe('plaf installed from the tarballs (npm install -g)', () => {
  const plaf = () => join(prefix, 'bin', 'plaf')
  const cliDir = () => join(prefix, 'lib', 'node_modules', '@plaf', 'cli')

  it('has a plaf command that prints its version', () => {
    const r = exec(plaf(), ['--version'], tmp)
    expect(r.stdout.trim()).toBe(packages.find((p) => p.name === '@plaf/cli')!.version)
  })

  it('runs plaf demo from an unrelated directory, writing only there', () => {
    mkdirSync(work, { recursive: true })
    const before = readdirSync(cliDir(), { recursive: true }).sort()
    const r = exec(plaf(), ['demo', '--progress', 'none'], work)
    expect(relative(repo, work).startsWith('..')).toBe(true)
    expect(r.stdout).toMatch(/PLAF demo: .*lib\/node_modules\/@plaf\/cli\/pipelines\/demo\.yaml on demo-data\/scene0000_00/)
    for (const row of ['masks per frame', '2D mask-indexed / dense', '3D points', '3D index-reference / dense', 'query time', 'run directory']) {
      expect(r.stdout).toContain(row)
    }
    expect(r.stdout).toMatch(/outputs in runs\/demo:/)
    const report = JSON.parse(readFileSync(join(work, 'runs', 'demo', 'report.json'), 'utf8')) as {
      frames: { processed: number }
      stages: Record<string, { plugin: string; metrics: Record<string, number> }>
    }
    expect(report.frames.processed).toBe(12)
    expect(report.stages.storage3d.metrics.points).toBeGreaterThan(1000)
    // the dense baseline measured for the one frame: exactly the .npy (float16) a write would give
    const d = decodeNpy(readFileSync(join(work, 'runs', 'demo', 'storage2d', '000000.features.npy'))).shape[1]!
    expect(report.stages.dense2d.metrics.bytes).toBe(npyFileBytes([968, 1296, d], '<f2'))
    for (const f of ['storage2d/index.json', 'storage3d/map.ply', 'storage3d/pool.npy', 'querier/scores.json', 'querier/red.ply']) {
      expect(existsSync(join(work, 'runs', 'demo', f)), f).toBe(true)
    }
    // demo.yaml's queries: the colours of the scene's objects select points, red (no red object) none
    const present = sceneObjects(readSceneMeta(join(work, 'demo-data', 'scene0000_00'))).map((o) => o.colour)
    for (const c of ['orange', 'yellow', 'brown', 'pink', 'blue'].filter((x) => present.includes(x))) expect(r.stdout).toMatch(new RegExp(`${c}\\s+[1-9][\\d,]* of [\\d,]+ points`))
    expect(present).not.toContain('red')
    expect(r.stdout).toMatch(/red\s+0 of/)
    expect(readdirSync(work).sort()).toEqual(['.plaf-cache', 'demo-data', 'runs'])
    expect(readdirSync(cliDir(), { recursive: true }).sort()).toEqual(before)
  })
})
