import { PlafError, createReferenceBackend, diagnostic, type SemanticMap3D } from '@plaf/core'
import { prepareMap } from '@plaf/query'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ViewerData } from '../src/run-data.js'

/**
 * A small ViewerData built in code: 6 points on 3 pool rows in a 2-D "colour" space (x: red,
 * y: blue), a text encoder that knows the words red, blue and purple (anything else is (0.6, 0.8)),
 * one stored frame 000000 (4×2 pixels, masks 1 and 2), one frame 000001 without a stored 2D memory,
 * and a run directory on disk with a file inside and a secret file and symlink outside. The
 * querier's scoring: cosine, threshold 0.5, queries [red], negatives [object].
 */
export function fixtureData(): { data: ViewerData; root: string; cleanup: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'plaf-viewer-'))
  const runDir = join(root, 'run')
  mkdirSync(join(runDir, 'sub'), { recursive: true })
  writeFileSync(join(runDir, 'report.md'), '# report\n')
  writeFileSync(join(runDir, 'sub', 'a.json'), '{"a":1}')
  writeFileSync(join(root, 'secret.txt'), 'secret')
  symlinkSync(join(root, 'secret.txt'), join(runDir, 'link.txt'))
  const map: SemanticMap3D = {
    positions: Float32Array.from({ length: 18 }, (_, i) => i / 10),
    colors: Uint8Array.from({ length: 18 }, (_, i) => 10 * i),
    refs: Uint32Array.of(0, 0, 1, 1, 2, 0),
    pool: { data: Float32Array.of(2, 0, 0, 3, 0, 0), shape: [3, 2] }, // row 2 has no feature
    space: 'toy',
  }
  const words: Record<string, [number, number]> = { red: [1, 0], blue: [0, 1], purple: [Math.SQRT1_2, Math.SQRT1_2] }
  const data: ViewerData = {
    runDir,
    info: {
      run: 'run', warnings: [], points: 6, pointsShown: 6, poolRows: 3, space: 'toy', encoder: 'toy', queries: ['red'], labels: ['red', 'blue'],
      scoring: { mode: 'cosine', threshold: 0.5, temperature: 0.1, negatives: ['object'], queries: ['red'], thresholdFrom: 'run', modeFrom: 'run', querier: { mode: 'cosine', threshold: 0.5 } },
      exported: false, framesComplete: true,
      frames: [
        { id: '000000', pose: [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 1.5, 0, 0, 0, 1], stored: true },
        { id: '000001', pose: [1, 0, 0, 0.5, 0, 1, 0, 0, 0, 0, 1, 1.5, 0, 0, 0, 1], stored: false },
      ],
    },
    map,
    prepared: prepareMap(map),
    tensor: createReferenceBackend(),
    async embed(texts) {
      const data = new Float32Array(texts.length * 2)
      texts.forEach((t, i) => data.set(words[t] ?? [0.6, 0.8], 2 * i))
      return { texts, data, shape: [texts.length, 2], space: 'toy' }
    },
    async frame(id) {
      if (id !== '000000' && id !== '000001') throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `no frame ${id}`, { frame: id }))
      const image = { width: 4, height: 2, data: Uint8Array.from({ length: 24 }, (_, i) => 10 * i) }
      if (id === '000001') return { image, memory: null }
      const ids = { data: Uint16Array.of(0, 1, 1, 2, 0, 1, 2, 2), shape: [2, 4] as [number, number] }
      const features = { data: Float32Array.of(0, 0, 1, 0, 0, 1), shape: [3, 2] as [number, number] }
      return { image, memory: { ids, features, space: 'toy' } }
    },
    framesDone: Promise.resolve(),
    close: async () => {},
  }
  return { data, root, cleanup: () => rmSync(root, { recursive: true, force: true }) }
}
