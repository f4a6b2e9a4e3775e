// README.md's Commands synopses against the built program: an option commander requires
// (requiredOption) is never shown inside [ ] as if it were optional.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { buildProgram } from '../src/main.js'

const readme = readFileSync(join(__dirname, '../../../README.md'), 'utf8')

/** Bracket depth ([ ]) at each occurrence of `flag` in `cell`; [] when it does not occur. */
function depths(cell: string, flag: string): number[] {
  const out: number[] = []
  let depth = 0
  for (let i = 0; i < cell.length; i++) {
    if (cell[i] === '[') depth++
    else if (cell[i] === ']') depth--
    else if (cell.startsWith(flag, i) && !/[a-z-]/.test(cell[i + flag.length] ?? '')) out.push(depth)
  }
  return out
}

describe('README.md Commands synopses', () => {
  it('show every required option outside [ ] (plaf embed-text TEXT… --encoder E)', () => {
    const start = readme.indexOf('\n## Commands\n')
    const cells = readme.slice(start, readme.indexOf('\n#', start + 4)).split('\n').filter((l) => l.startsWith('| `plaf ')).map((r) => r.slice(2).split(/(?<!\\) \| /)[0]!)
    const program = buildProgram({ out: () => {}, err: () => {} }, { code: 0 })
    const wrong: string[] = []
    for (const c of program.commands) {
      const cell = cells.find((x) => x.startsWith(`\`plaf ${c.name()} `))
      for (const o of c.options.filter((x) => x.mandatory)) {
        const d = cell ? depths(cell.split('` /')[0]!, o.long!) : []
        if (d.length && d[0] !== 0) wrong.push(`plaf ${c.name()} ${o.long}`)
      }
    }
    expect(wrong, 'required options shown as optional').toEqual([])
    expect(cells.find((x) => x.startsWith('`plaf embed-text '))).toMatch(/^`plaf embed-text TEXT… --encoder E /)
  })
})
