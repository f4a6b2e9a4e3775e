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

  it('each Commands row names every option of its command, or ends its synopsis with " …" and packages/cli/README.md names the rest', () => {
    const cliReadme = readFileSync(join(__dirname, '../README.md'), 'utf8')
    // the synopsis cell of each row (escaped pipes \| stay inside it)
    const cells = tableRows('Commands').map((r) => r.slice(2).split(/(?<!\\) \| /)[0]!)
    const program = buildProgram({ out: () => {}, err: () => {} }, { code: 0 })
    const missing: string[] = []
    const walk = (c: typeof program, path: string[]): void => {
      const name = [...path, c.name()].join(' ')
      // a sub-command's own row, else its parent's (plaf models list | pull <name> | …)
      const cell = cells.find((x) => x.startsWith(`\`plaf ${name} `) || x.startsWith(`\`plaf ${name}\``)) ?? cells.find((x) => x.startsWith(`\`plaf ${path.join(' ')} `))
      const options = c.options.map((o) => o.long!).filter((o) => o && o !== '--help')
      const absent = options.filter((o) => !cell?.includes(o))
      const defers = /\s…`/.test(cell?.split('` ')[0] + '`')
      for (const o of absent) if (!defers || !cliReadme.includes(o)) missing.push(`plaf ${name} ${o}`)
      for (const sub of c.commands) walk(sub as typeof program, [...path, c.name()])
    }
    for (const c of program.commands) if (c.name() !== 'help') walk(c as typeof program, [])
    expect(missing, 'options neither in their README Commands row nor deferred (" …") to packages/cli/README.md').toEqual([])
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
