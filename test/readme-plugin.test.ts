// Does exactly what README.md's "Write a plugin" section says: save bands.ts and bands.yaml (taken
// verbatim from the README) in a directory outside the repository, validate, run.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { plaf, tempDir } from './helpers.js'

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8')
const { dir, cleanup } = tempDir('plaf-readme-')
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
