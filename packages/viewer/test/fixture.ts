import { PlafError, diagnostic } from '@plaf/core'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ViewerData } from '../src/run-data.js'
import { unitRows } from '../src/score.js'

/**
 * A small ViewerData built in code: 6 points on 3 pool rows in a 2-D "colour" space (x: red,
 * y: blue), a text encoder that knows the words red and blue, one stored frame (4×2 pixels, masks
 * 1 and 2), and a run directory on disk with a file inside and a secret file and symlink outside.
 */
export function fixtureData(): { data: ViewerData; root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'plaf-viewer-'))
  const runDir = join(root, 'run')
  mkdirSync(join(runDir, 'sub'), { recursive: true })
  writeFileSync(join(runDir, 'report.md'), '# report\n')
  writeFileSync(join(runDir, 'sub', 'a.json'), '{"a":1}')
  writeFileSync(join(root, 'secret.txt'), 'secret')
  symlinkSync(join(root, 'secret.txt'), join(runDir, 'link.txt'))
  const pool = unitRows(Float32Array.of(2, 0, 0, 3, 0, 0), 3, 2) // row 2 has no feature
  const words: Record<string, [number, number]> = { red: [1, 0], blue: [0, 1], purple: [1, 1] }
  const data: ViewerData = {
    runDir,
    info: {
      run: 'run', points: 6, pointsShown: 6, poolRows: 3, space: 'toy', encoder: 'toy', threshold: 0.5, queries: ['red'], labels: ['red', 'blue'],
      exported: false, frames: [{ id: '000000', pose: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1.5, 0, 0, 0, 1], stored: true }], framesComplete: true,
    },
    map: {
      positions: Float32Array.from({ length: 18 }, (_, i) => i / 10),
      colors: Uint8Array.from({ length: 18 }, (_, i) => 10 * i),
      refs: Uint32Array.of(0, 0, 1, 1, 2, 0),
    },
    pool,
    async embed(texts) {
      const out = new Float32Array(texts.length * 2)
      texts.forEach((t, i) => out.set(words[t] ?? [0.6, 0.8], 2 * i))
      return out
    },
    async frame(id) {
      if (id !== '000000') throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `no frame ${id}`, { frame: id }))
      const ids = { data: Uint16Array.of(0, 1, 1, 2, 0, 1, 2, 2), shape: [2, 4] as [number, number] }
      const features = { data: Float32Array.of(0, 0, 1, 0, 0, 1), shape: [3, 2] as [number, number] }
      return { png: Uint8Array.of(137, 80, 78, 71), memory: { ids, features, space: 'toy', table: unitRows(features.data, 3, 2) } }
    },
    framesDone: Promise.resolve(),
    close: async () => {},
  }
  return { data, root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}
