import { describe, expect, it } from 'vitest'
import { l2Normalize } from '../../src/kernels/l2-normalize.js'

describe('l2Normalize', () => {
  it('normalises a slice and leaves zero vectors at zero', () => {
    const v = new Float32Array([9, 3, 4, 0, 0])
    l2Normalize(v, 1, 2)
    expect([...v]).toEqual([9, 0.6000000238418579, 0.800000011920929, 0, 0])
    l2Normalize(v, 3, 2)
    expect([v[3], v[4]]).toEqual([0, 0])
  })
})
