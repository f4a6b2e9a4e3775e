import { describe, expect, it } from 'vitest'
import { VoxelVotes } from '../../src/kernels/voxel-votes.js'

describe('VoxelVotes', () => {
  it('gives each voxel its most voted label, ties to the lower label, "none" winning as -1', () => {
    const v = new VoxelVotes(0.5, 3)
    // voxel (0,0,0): 1, 1, 2 → 1
    v.add(0.1, 0.1, 0.1, 1); v.add(0.4, 0.2, 0.3, 1); v.add(0.2, 0.2, 0.2, 2)
    // voxel (1,0,0): 2, 0 → tie → 0
    v.add(0.6, 0.1, 0.1, 2); v.add(0.9, 0.4, 0.1, 0)
    // voxel (-1,0,0): none twice (-1 and 7 are outside 0..2), 1 once → none
    v.add(-0.1, 0.1, 0.1, -1); v.add(-0.2, 0.1, 0.1, 7); v.add(-0.3, 0.1, 0.1, 1)
    expect(v.voxels).toBe(3)
    const r = v.result()
    expect(Array.from(r.labels)).toEqual([1, 0, -1])
    expect(Array.from(r.centres)).toEqual([0.25, 0.25, 0.25, 0.75, 0.25, 0.25, -0.25, 0.25, 0.25])
  })

  it('grows past its first allocation and keeps every count', () => {
    const v = new VoxelVotes(1, 2)
    for (let i = 0; i < 5000; i++) v.add(i + 0.5, 0.5, 0.5, i % 2)
    for (let i = 0; i < 5000; i++) v.add(i + 0.5, 0.5, 0.5, i % 3 === 0 ? 1 : 0)
    const r = v.result()
    expect(r.labels.length).toBe(5000)
    // i even: votes 0 then (1 if i%3==0 else 0) → 0; i odd: votes 1 then (1 if i%3==0 else 0) → tie 0 unless i%3==0
    for (const i of [0, 1, 3, 4, 9, 4999]) expect(r.labels[i]).toBe(i % 2 === 1 && i % 3 === 0 ? 1 : 0)
  })
})
