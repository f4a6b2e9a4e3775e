import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { diagnostic } from '@plaf/core'
import { tempDir } from '@plaf/core/testing'
import { CODE_FRAME_WIDTH, formatDiagnostic, sourceWindow } from '../src/render.js'

describe('code frames of very long lines', () => {
  it('shows a short line whole with the caret under the column', () => {
    expect(sourceWindow('stages: { a: 1 }', 13)).toEqual({ shown: 'stages: { a: 1 }', caret: 13 })
  })

  it('cuts a long line to a window around the column, marks the cuts, keeps the caret on the same character', () => {
    const line = 'x'.repeat(5000) + 'BAD' + 'y'.repeat(5000)
    const { shown, caret } = sourceWindow(line, 5000)
    expect(shown.length).toBe(CODE_FRAME_WIDTH + 2)
    expect(shown.startsWith('…') && shown.endsWith('…')).toBe(true)
    expect(shown.slice(caret, caret + 3)).toBe('BAD')
  })

  it('keeps the window inside the line at either end', () => {
    const line = 'a'.repeat(300)
    expect(sourceWindow(line, 0)).toEqual({ shown: 'a'.repeat(CODE_FRAME_WIDTH) + '…', caret: 0 })
    const end = sourceWindow(line, 299)
    expect(end.shown).toBe('…' + 'a'.repeat(CODE_FRAME_WIDTH))
    expect(end.caret).toBe(CODE_FRAME_WIDTH)
  })

  it('renders a diagnostic on a 20 000-character YAML line in a few short lines, values clipped', () => {
    const { dir, cleanup } = tempDir('render')
    try {
      const file = join(dir, 'p.yaml')
      writeFileSync(file, `name: t\nvars: { k: ${'z'.repeat(10000)}, bad: 1.5, more: ${'w'.repeat(10000)} }\n`)
      const col = 'vars: { k: '.length + 10000 + ', bad: '.length + 1
      const text = formatDiagnostic(diagnostic('PLAF_INVALID_OPTION', 'vars.bad must be integer', { file, line: 2, column: col, actual: 'q'.repeat(5000) }))
      const lines = text.split('\n')
      expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(CODE_FRAME_WIDTH + 2 * 40 + 300)
      const [src, caret] = [lines[1]!, lines[2]!]
      expect(src.slice(caret.indexOf('^'), caret.indexOf('^') + 3)).toBe('1.5')
      expect(lines[3]).toContain('… (5000 characters)')
    } finally {
      cleanup()
    }
  })
  it('clips a long value at a word boundary, never mid-word', () => {
    const layouts = 'an rgbd-folder (intrinsics.json, color/, depth/), a ScanNet export (color/, depth/, pose/, intrinsic/), a .sens file, TUM (rgb.txt, depth.txt), Replica (results/, traj.txt) or ADE20K (images/, annotations/)'
    const text = formatDiagnostic(diagnostic('PLAF_FILE_NOT_FOUND', 'no data set found in x', { source: 'plaf data inspect x', expected: layouts }))
    expect(text.split('\n').at(-1)).toBe('     expected an rgbd-folder (intrinsics.json, color/, depth/), a ScanNet export (color/, depth/, pose/, intrinsic/), a .sens file, TUM (rgb.txt, depth.txt), Replica (results/, traj.txt) or ADE20K (images/ … (206 characters)')
  })
})
