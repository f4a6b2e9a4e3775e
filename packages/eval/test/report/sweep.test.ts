import { describe, expect, it } from 'vitest'
import { humanBytes, humanMs, runFigures, sweepMarkdown } from '../../src/index.js'

describe('sweep table', () => {
  it('rounds bytes and times for people', () => {
    expect([0, 999, 1000, 12_345, 129_093, 1_345_781, 2_500_000_000].map(humanBytes)).toEqual(['0 B', '999 B', '1.00 kB', '12.3 kB', '129 kB', '1.35 MB', '2.50 GB'])
    expect([null, 3.14159, 99.95, 431.4, 1472.6, 192_000].map(humanMs)).toEqual(['-', '3.1 ms', '100.0 ms', '431 ms', '1.47 s', '3.2 min'])
  })

  it('takes the 2D bytes without the dense baseline, the 3D bytes and the wall time per frame from report.json', () => {
    const f = runFigures({
      wall_ms: 12_000, frames: { processed: 12 },
      stages: {
        storage2d: { kind: 'storage2d', plugin: 'mask-indexed', metrics: { bytes: 100 } },
        dense2d: { kind: 'storage2d', plugin: 'dense', metrics: { bytes: 99_999 } },
        compact2d: { kind: 'storage2d', plugin: 'mask-indexed', metrics: { bytes: 50 } },
        storage3d: { kind: 'storage3d', plugin: 'index-reference', metrics: { bytes: 7000 } },
        masker: { kind: 'masker', plugin: 'grid', metrics: { masks: 3 } },
      },
    })
    expect(f).toEqual({ bytes2d: 150, bytes3d: 7000, frames: 12, ms_per_frame: 1000 })
    expect(runFigures({})).toEqual({ bytes2d: null, bytes3d: null, frames: null, ms_per_frame: null })
  })

  it('writes one row per variant with percentages to one decimal', () => {
    const md = sweepMarkdown([{ variant: 'a', miou: 0.4107, fmiou: null, macc: 0.5, bytes2d: 1500, bytes3d: null, ms_per_frame: 12.34, frames: 3 }], 'x')
    expect(md.split('\n')[2]).toBe('| a | 41.1 | - | 50.0 | 1.50 kB | - | 12.3 ms |')
  })
})
