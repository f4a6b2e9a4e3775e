import { describe, expect, it } from 'vitest'
import { generateScene } from '../src/generate-scene.js'
import { distanceToSurface, pointInstances } from '../src/ground-truth.js'
import { describePrimitives } from '../src/scene-meta.js'
import { tessellate } from '../src/synthetic/mesh.js'

describe('distanceToSurface', () => {
  const box = {
    name: 'b', kind: 'object' as const, colour: 'red', rgb: [220, 20, 20] as [number, number, number], rawCategory: 'chair', labelId: 2,
    nyu40id: 5, nyu40class: 'chair', instanceId: 7, center: [1, 2, 0.5] as [number, number, number], halfExtents: [0.4, 0.2, 0.5] as [number, number, number], yaw: Math.PI / 2,
  }
  it('measures outside, on and inside a rotated box', () => {
    // Yaw 90°: the box's x axis is world +y, so it spans x ∈ [0.8, 1.2], y ∈ [1.6, 2.4].
    expect(distanceToSurface(box, 1, 2.4, 0.5)).toBeCloseTo(0, 12)
    expect(distanceToSurface(box, 1, 2.7, 0.5)).toBeCloseTo(0.3, 12)
    expect(distanceToSurface(box, 1.5, 2.7, 0.5)).toBeCloseTo(Math.hypot(0.3, 0.3), 12)
    expect(distanceToSurface(box, 1.1, 2, 0.5)).toBeCloseTo(0.1, 12)
    expect(distanceToSurface(box, 1, 2, 1.25)).toBeCloseTo(0.25, 12)
  })
})

describe('pointInstances', () => {
  it('recovers the tessellator’s per-vertex instance ids from geometry and NYU40 labels alone', () => {
    const scene = generateScene({ seed: 11, room_size: [4, 3.5, 2.5], objects: 5 }) // a seed whose layout fits 5 objects in this small room (generator 2)
    const mesh = tessellate(scene, 0.1)
    const meta = { primitives: describePrimitives(scene) }
    const got = pointInstances(meta, mesh.positions, { nyu40: mesh.nyu40, tolerance: 1e-3 })
    let wrong = 0
    for (let i = 0; i < got.length; i++) {
      if (got[i] === mesh.instances[i]) continue
      // Wall corners lie on two walls of the same class: either answer is right.
      const walls = [3, 4, 5, 6]
      if (walls.includes(got[i]) && walls.includes(mesh.instances[i])) continue
      wrong++
    }
    expect(wrong).toBe(0)
  })

  it('gives the nearest surface within the tolerance and 0 beyond it', () => {
    const scene = generateScene({ seed: 9, room_size: [4, 3.5, 2.5], objects: 2 })
    const meta = { primitives: describePrimitives(scene) }
    const chair = meta.primitives[6]
    const top = chair.center[2] + chair.halfExtents[2]
    const pts = Float32Array.from([
      chair.center[0], chair.center[1], top + 0.01, // just above the first object's top
      chair.center[0], chair.center[1], top + 0.05, // too far above it
      0.005, scene.room[1] / 2, 2.2, // next to wall x=0, well above any object
      scene.room[0] / 2, scene.room[1] / 2, scene.room[2] - 0.015, // under the ceiling
    ])
    expect(Array.from(pointInstances(meta, pts, { tolerance: 0.02 }))).toEqual([chair.instanceId, 0, 3, 2])
    // With labels, only primitives of that NYU40 class are candidates.
    expect(Array.from(pointInstances(meta, pts.subarray(0, 3), { tolerance: 0.02, nyu40: [2] }))).toEqual([0])
  })
})
