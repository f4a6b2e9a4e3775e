// README.md against the built program: its Commands table names every command `plaf` has, and its
// Architecture table names, per package, exactly the plugins `plaf plugins` lists for that package.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { builtinRegistry } from '../src/builtins.js'
import { buildProgram } from '../src/main.js'

const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8')

/** The table rows (`| … |` lines) under the `## <title>` heading, up to the next heading. */
function tableRows(title: string): string[] {
  const start = readme.indexOf(`\n## ${title}\n`)
  if (start < 0) throw new Error(`README.md has no "## ${title}" section`)
  const end = readme.indexOf('\n#', start + 4)
  return readme.slice(start, end < 0 ? undefined : end).split('\n').filter((l) => l.startsWith('| ') && !l.startsWith('| command') && !l.startsWith('| package'))
}

describe('README.md', () => {
  it('the Commands table has a row for every command of plaf', () => {
    const program = buildProgram({ out: () => {}, err: () => {} }, { code: 0 })
    const commands = program.commands.map((c) => c.name()).filter((n) => n !== 'help')
    const rows = tableRows('Commands').map((r) => /^\| `plaf ([a-z-]+)/.exec(r)?.[1])
    expect(commands.filter((c) => !rows.includes(c)), 'commands missing from the README Commands table').toEqual([])
    expect(rows.filter((r) => !r || !commands.includes(r)), 'README rows naming no command').toEqual([])
  })

  it('the Architecture table lists, per package, exactly the plugins plaf plugins shows for it', () => {
    const plugins = builtinRegistry().list()
    const names = new Set(plugins.map((p) => p.name))
    for (const row of tableRows('Architecture')) {
      const pkg = /^\| \[`(@plaf\/[a-z-]+)`\]/.exec(row)?.[1]
      expect(pkg, row).toBeTruthy()
      const holds = row.split(' | ').slice(1).join(' | ')
      const listed = [...holds.matchAll(/`([^`]+)`/g)].map((m) => m[1]!).filter((n) => names.has(n)).sort()
      expect(listed, `README Architecture row of ${pkg}`).toEqual(plugins.filter((p) => p.package === pkg).map((p) => p.name).sort())
    }
  })
})
