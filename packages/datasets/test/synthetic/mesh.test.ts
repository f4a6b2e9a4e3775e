import { describe, expect, it } from 'vitest'
import { generateScene } from '../../src/generate-scene.js'
import { tessellate } from '../../src/synthetic/mesh.js'

describe('tessellate', () => {
  const scene = generateScene({ seed: 6, room_size: [4, 3.5, 2.5], objects: 4 })
  const mesh = tessellate(scene, 0.05)
  const P = mesh.positions
  const tri = (t: number) => [0, 1, 2].map((c) => mesh.faces[3 * t + c])

  it('splits every surface into a grid of at most 5 cm (two grid edges and one diagonal per triangle)', () => {
    const len = (i: number, j: number) => Math.hypot(P[3 * i] - P[3 * j], P[3 * i + 1] - P[3 * j + 1], P[3 * i + 2] - P[3 * j + 2])
    let gridEdge = 0, diagonal = 0, notRight = 0
    for (let t = 0; t < mesh.faces.length / 3; t++) {
      const [a, b, c] = tri(t)
      const e = [len(a, b), len(b, c), len(c, a)].sort((x, y) => x - y)
      gridEdge = Math.max(gridEdge, e[1])
      diagonal = Math.max(diagonal, e[2])
      notRight = Math.max(notRight, Math.abs(e[2] ** 2 - e[0] ** 2 - e[1] ** 2))
    }
    expect(gridEdge).toBeLessThanOrEqual(0.05 + 1e-6)
    expect(gridEdge).toBeGreaterThan(0.045)
    expect(diagonal).toBeLessThanOrEqual(0.05 * Math.SQRT2 + 1e-6)
    expect(notRight).toBeLessThan(1e-5)
  })

  it('covers exactly the visible area: room faces plus five faces of each box', () => {
    const [lx, ly, lz] = scene.room
    let expected = 2 * lx * ly + 2 * lz * (lx + ly)
    for (const p of scene.primitives.filter((q) => q.kind === 'object')) {
      const [hx, hy, hz] = p.half
      expected += 4 * hx * hy + 2 * (4 * hx * hz + 4 * hy * hz)
    }
    let area = 0
    for (let t = 0; t < mesh.faces.length / 3; t++) {
      const [a, b, c] = tri(t)
      const u = [0, 1, 2].map((k) => P[3 * b + k] - P[3 * a + k]), v = [0, 1, 2].map((k) => P[3 * c + k] - P[3 * a + k])
      area += 0.5 * Math.hypot(u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0])
    }
    expect(area).toBeCloseTo(expected, 3)
  })

  it('winds triangles towards the cameras: inward for the room, outward for boxes', () => {
    const byInstance = new Map(scene.primitives.map((p) => [p.instanceId, p]))
    const centre = [scene.room[0] / 2, scene.room[1] / 2, scene.room[2] / 2]
    for (let t = 0; t < mesh.faces.length / 3; t += 13) {
      const [a, b, c] = tri(t)
      const u = [0, 1, 2].map((k) => P[3 * b + k] - P[3 * a + k]), v = [0, 1, 2].map((k) => P[3 * c + k] - P[3 * a + k])
      const n = [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]]
      const p = byInstance.get(mesh.instances[a])!
      const ref = p.kind === 'object' ? p.center : centre
      const out = [0, 1, 2].map((k) => P[3 * a + k] - ref[k])
      const dot = n[0] * out[0] + n[1] * out[1] + n[2] * out[2]
      expect(p.kind === 'object' ? dot > 0 : dot < 0, `triangle ${t} of ${p.name}`).toBe(true)
    }
  })

  it('labels each vertex with its primitive: NYU40 id, instance and albedo-based colour', () => {
    const ids = new Set(mesh.instances)
    expect(ids).toEqual(new Set(scene.primitives.map((p) => p.instanceId)))
    for (let i = 0; i < mesh.nyu40.length; i += 101) {
      const p = scene.primitives.find((q) => q.instanceId === mesh.instances[i])!
      expect(mesh.nyu40[i]).toBe(p.category.nyu40id)
      if (p.kind === 'object') for (let c = 0; c < 3; c++) {
        expect(mesh.colors[3 * i + c]).toBeGreaterThanOrEqual(Math.floor(0.85 * p.colour.rgb[c]))
        expect(mesh.colors[3 * i + c]).toBeLessThanOrEqual(p.colour.rgb[c])
      }
    }
  })
})
