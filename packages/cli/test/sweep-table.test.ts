import { describe, expect, it } from 'vitest'
import { formatColumn, sweepTable } from '../src/sweep-table.js'

describe('the sweep summary table', () => {
  it('shows every number of a column with the same decimals, three significant digits at most, none it does not hold', () => {
    expect(formatColumn([0.1 + 0.2, 0.6]).cells).toEqual(['0.3', '0.6'])
    expect(formatColumn([8.05, 0.41, 0.6]).cells).toEqual(['8.05', '0.41', '0.60'])
    expect(formatColumn([0.001821456976215725, 0.0014817830631722467]).cells).toEqual(['0.00182', '0.00148'])
    expect(formatColumn([90.4, 0, 17.8]).cells).toEqual(['90.4', '0.0', '17.8'])
    expect(formatColumn([1689856, 3078]).cells).toEqual(['1689856', '3078'])
    expect(formatColumn([1234.5678, 2]).cells).toEqual(['1235', '2'])
    expect(formatColumn([-0.25, 1e-9]).cells).toEqual(['-0.25', '0.00'])
    expect(formatColumn(['a', 1.5, undefined])).toEqual({ cells: ['a', '1.5', ''], numeric: false })
  })

  it('right-aligns numeric columns and leaves a missing cell empty', () => {
    expect(sweepTable([
      { variant: 'masker.use=felzenszwalb', wall_s: 0.1 + 0.2, 'masker.masks': 24 },
      { variant: 'masker.use=grid', wall_s: 12.25 },
    ])).toBe([
      '| variant | wall_s | masker.masks |',
      '|---|---:|---:|',
      '| masker.use=felzenszwalb | 0.3 | 24 |',
      '| masker.use=grid | 12.3 |  |',
      '',
    ].join('\n'))
  })
})
