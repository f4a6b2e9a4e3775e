import { describe, expect, it } from 'vitest'
import { PlafError } from '@plaf/core'
import { formatMatrix, formatMetadata, parseLabelsTsv, parseMatrix, parseMetadata, parseNumberToken } from '../../src/scannet/text.js'
import { CATEGORIES, TSV_COLUMNS, formatLabelsTsv } from '../../src/synthetic/catalogue.js'

describe('parseNumberToken', () => {
  it('reads the tokens numpy writes, including inf and nan that parseFloat gets wrong', () => {
    expect(parseFloat('-inf')).toBeNaN() // why the explicit parser exists
    expect(parseNumberToken('-inf')).toBe(-Infinity)
    expect(parseNumberToken('inf')).toBe(Infinity)
    expect(parseNumberToken('+Infinity')).toBe(Infinity)
    expect(parseNumberToken('nan')).toBeNaN()
    expect(parseNumberToken('-0.250000')).toBe(-0.25)
    expect(parseNumberToken('1e-3')).toBe(0.001)
    expect(parseNumberToken('.5')).toBe(0.5)
  })

  it('rejects what is not a decimal number', () => {
    for (const t of ['abc', '0x10', '', '1.2.3', '--1', 'infx']) expect(parseNumberToken(t), t).toBeUndefined()
  })
})

describe('parseMatrix / formatMatrix', () => {
  it('round-trips a pose to 6 decimals with numpy %f formatting', () => {
    const m = Float64Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : Math.sin(i) * 3.123456789))
    const text = formatMatrix(m)
    expect(text.split('\n')).toHaveLength(5)
    expect(text.split('\n')[0]).toMatch(/^-?\d+\.\d{6}( -?\d+\.\d{6}){3}$/)
    const back = parseMatrix(text, 'pose/0.txt')
    for (let i = 0; i < 16; i++) expect(Math.abs(back[i] - m[i])).toBeLessThanOrEqual(5e-7)
  })

  it('writes and reads -inf rows', () => {
    const text = formatMatrix(new Float64Array(16).fill(-Infinity))
    expect(text).toBe('-inf -inf -inf -inf\n'.repeat(4))
    expect(Array.from(parseMatrix(text, 'pose/3.txt'))).toEqual(new Array(16).fill(-Infinity))
  })

  it('accepts a 3×3 intrinsic matrix only when asked', () => {
    const k3 = '577.5 0 319.5\n0 578.7 242.6\n0 0 1\n'
    expect(Array.from(parseMatrix(k3, 'k.txt', undefined, true))).toEqual([577.5, 0, 319.5, 0, 0, 578.7, 242.6, 0, 0, 0, 1, 0, 0, 0, 0, 1])
    expect(() => parseMatrix(k3, 'k.txt')).toThrow(PlafError)
  })

  it('names the file, frame and bad token in its errors', () => {
    const err = (() => {
      try {
        parseMatrix('1 0 0 0\n0 1 zz 0\n0 0 1 0\n0 0 0 1\n', '/s/pose/7.txt', '000007')
      } catch (e) {
        return e as PlafError
      }
    })()
    expect(err?.diagnostics[0]).toMatchObject({
      code: 'PLAF_INPUT_INVALID', file: '/s/pose/7.txt', frame: '000007', actual: 'zz',
      message: '/s/pose/7.txt: "zz" is not a number (row 2, column 3)',
    })
    expect(() => parseMatrix('1 2 3', 'p.txt', '000001')).toThrow(/found 3 values/)
  })
})

describe('metadata and labels TSV', () => {
  it('round-trips <scene>.txt key = value lines', () => {
    const text = formatMetadata({ colorWidth: 1296, sceneType: 'Living room / Lounge' })
    expect(text).toBe('colorWidth = 1296\nsceneType = Living room / Lounge\n')
    expect(parseMetadata(text + 'garbage line\n')).toEqual({ colorWidth: '1296', sceneType: 'Living room / Lounge' })
  })

  it('writes the exact 17-column header and rows that parse back', () => {
    const text = formatLabelsTsv([CATEGORIES.chair, CATEGORIES.wall, CATEGORIES['trash can'], CATEGORIES.chair])
    const lines = text.trimEnd().split('\n')
    expect(lines[0]).toBe('id\traw_category\tcategory\tcount\tnyu40id\teigen13id\tnyuClass\tnyu40class\teigen13class\tModelNet40\tModelNet10\tShapeNetCore55\tsynsetoffset\twnsynsetid\twnsynsetkey\tmpcat40\tmpcat40index')
    expect(TSV_COLUMNS).toHaveLength(17)
    expect(lines.slice(1).every((l) => l.split('\t').length === 17)).toBe(true)
    expect(parseLabelsTsv(text)).toEqual([
      { id: 1, rawCategory: 'wall', category: 'wall', nyu40id: 1, nyu40class: 'wall' },
      { id: 2, rawCategory: 'chair', category: 'chair', nyu40id: 5, nyu40class: 'chair' },
      { id: 56, rawCategory: 'trash can', category: 'trash can', nyu40id: 39, nyu40class: 'otherfurniture' },
    ])
  })
})
