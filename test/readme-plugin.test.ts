// Does exactly what README.md's "Write a plugin" section says: save bands.ts and bands.yaml (taken
// verbatim from the README) in a directory outside the repository, validate, run. Then, in another
// empty directory outside the repository, the README's own commands install the packed packages
// and vitest, validate and run the pipeline and run the README's conformance test.
import { existsSync, lstatSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { plaf, tempDir } from './helpers.js'
import { buildPackages, exec, repo, sharedPacks, spawn } from './packing.js'

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
const { dir, cleanup } = tempDir('readme')
afterAll(cleanup)

/** The fenced code block right after `<!-- plugin-example:NAME -->`. */
function block(name: string): string {
  const m = new RegExp(`<!-- plugin-example:${name.replace('.', '\\.')} -->\\s*\`\`\`\\w*\\n([\\s\\S]*?)\\n\`\`\``).exec(readme)
  if (!m) throw new Error(`README.md has no plugin-example:${name} block`)
  return m[1] + '\n'
}

describe('README: write a plugin', () => {
  it('validates and runs the bands masker written outside the repo', async () => {
    writeFileSync(join(dir, 'bands.ts'), block('bands.ts'))
    writeFileSync(join(dir, 'bands.yaml'), block('bands.yaml'))
    const v = await plaf(['validate', join(dir, 'bands.yaml')])
    expect(v.out).toMatch(/masker\s+bands\s+masker/)
    const out = join(dir, 'out')
    await plaf(['run', join(dir, 'bands.yaml'), '--out', out, '--progress', 'none'])
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8'))
    expect(report.stages.masker.plugin).toBe('bands')
    // 6 bands per frame plus the background row, on 2 frames
    expect(report.stages.storage2d.metrics).toMatchObject({ frames: 2, rows: 14 })
    // the resolved config in the run directory still finds the plugin file
    expect(readFileSync(join(out, 'config.resolved.yaml'), 'utf8')).toContain(`- ${join(dir, 'bands.ts')}`)
    await plaf(['validate', join(out, 'config.resolved.yaml')])
  })
  it('reports a typo in the plugin options at its line and column', async () => {
    writeFileSync(join(dir, 'typo.yaml'), block('bands.yaml').replace('bands: 6', 'bands: six'))
    writeFileSync(join(dir, 'bands.ts'), block('bands.ts'))
    const r = await plaf(['validate', join(dir, 'typo.yaml')], 1)
    expect(r.err).toMatch(/typo\.yaml:7:40 error stages\.masker\.with\.bands must be integer/)
  })
})

describe('README: write a plugin, in an empty directory outside the repository', () => {
  const outside = tempDir('readme-outside')
  afterAll(outside.cleanup)
  const project = join(outside.dir, 'project')
  // npm options as environment, so the README's commands run verbatim: dependencies from the
  // npm cache `npm ci` filled, the registry only for metadata the cache lacks. The README's own
  // command must stop onnxruntime-node's CUDA download (the test environment does not).
  const npmEnv = {
    npm_config_prefer_offline: 'true', npm_config_audit: 'false', npm_config_fund: 'false', npm_config_loglevel: 'error',
    ONNXRUNTIME_NODE_INSTALL: undefined,
  }
  let commands: ReturnType<typeof exec> | undefined

  beforeAll(() => {
    buildPackages()
    // the tarballs as the README's `npm pack` makes them, shared with pack-install.test.ts
    const packs = dirname(sharedPacks()[0]!.tarball)
    mkdirSync(project)
    for (const f of ['bands.ts', 'bands.yaml', 'bands.test.ts']) writeFileSync(join(project, f), block(f))
    // the README packs into /tmp/plaf-packs; this test's tarballs are in a folder of their own
    commands = exec('bash', ['-euo', 'pipefail', '-c', block('commands').replaceAll('/tmp/plaf-packs', packs)], project, npmEnv)
  }, 600_000)

  it('installed @plaf/core from its tarball, not from the repository', () => {
    const core = join(project, 'node_modules', '@plaf', 'core')
    expect(lstatSync(core).isSymbolicLink()).toBe(false)
    expect(existsSync(join(core, 'dist', 'testing', 'index.js'))).toBe(true)
    expect(existsSync(join(core, 'src'))).toBe(false)
    expect(project.startsWith(repo)).toBe(false)
  })

  it('validates and runs the pipeline with the plugin', () => {
    expect(commands!.stdout).toMatch(/masker\s+bands\s+masker/)
    const report = JSON.parse(readFileSync(join(project, 'runs', 'bands', 'report.json'), 'utf8'))
    expect(report.stages.masker.plugin).toBe('bands')
    expect(report.stages.storage2d.metrics).toMatchObject({ frames: 2, rows: 14 })
  })

  it("passes the README's conformance test", () => {
    const summary = /Tests\s+(\d+) passed \((\d+)\)/.exec(commands!.stdout)
    expect(summary, commands!.stdout).not.toBeNull()
    expect(Number(summary![1])).toBe(Number(summary![2]))
    // schema, name, ports, three cases and the README's own test
    expect(Number(summary![1])).toBeGreaterThanOrEqual(7)
  })

  it('type-checks against the published declarations of @plaf/core and vitest', () => {
    // the test's own tsconfig: the README's files import ./bands.ts with its extension
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, allowImportingTsExtensions: true, skipLibCheck: true, types: [] },
      include: ['*.ts'],
    }))
    exec(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', project], project)
  })

  it('the same conformance test fails a plugin that accepts unknown options', () => {
    const broken = block('bands.ts').replace('additionalProperties: false,', '')
    expect(broken).not.toBe(block('bands.ts'))
    writeFileSync(join(project, 'bands.ts'), broken)
    try {
      const r = spawn('npx', ['vitest', 'run'], project, npmEnv)
      expect(r.status).not.toBe(0)
      expect(r.stdout + r.stderr).toMatch(/additionalProperties/)
    } finally {
      writeFileSync(join(project, 'bands.ts'), block('bands.ts'))
    }
  })
})
