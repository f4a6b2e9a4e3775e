import { describe, expect, it } from 'vitest'
import { PlafError } from '@plaf/core'
import { generateScene } from '../../src/generate-scene.js'
import { OBJECT_COLOURS } from '../../src/synthetic/catalogue.js'
import { projectPoint } from '../../src/synthetic/camera.js'

describe('generateRoom', () => {
  it('is deterministic in its options and changes with the seed', () => {
    const a = generateScene({ seed: 4 }), b = generateScene({ seed: 4 }), c = generateScene({ seed: 5 })
    expect(JSON.stringify(a.primitives)).toBe(JSON.stringify(b.primitives))
    expect(a.poses.map((p) => Array.from(p))).toEqual(b.poses.map((p) => Array.from(p)))
    expect(JSON.stringify(a.primitives)).not.toBe(JSON.stringify(c.primitives))
  })

  it('draws each object a shade of its colour category: many shades over seeds, the same for one seed', () => {
    const drawn = new Map<string, Set<string>>()
    for (let seed = 0; seed < 40; seed++) {
      for (const o of generateScene({ seed, objects: 7 }).primitives.filter((p) => p.kind === 'object')) {
        if (!drawn.has(o.colour.name)) drawn.set(o.colour.name, new Set())
        drawn.get(o.colour.name)!.add(o.colour.shade!)
      }
    }
    expect([...drawn.keys()].sort()).toEqual(OBJECT_COLOURS.map((c) => c.name).sort())
    for (const [name, shades] of drawn) expect(shades.size, name).toBeGreaterThanOrEqual(5)
    const a = generateScene({ seed: 9 }).primitives.map((p) => p.colour)
    expect(generateScene({ seed: 9 }).primitives.map((p) => p.colour)).toEqual(a)
  })

  it('places objects of distinct categories and colours inside the room, apart, on the floor', () => {
    for (let seed = 0; seed < 20; seed++) {
      const s = generateScene({ seed, objects: 7 })
      const objects = s.primitives.filter((p) => p.kind === 'object')
      expect(objects).toHaveLength(7)
      expect(new Set(objects.map((o) => o.category.nyu40id)).size).toBe(7)
      expect(new Set(objects.map((o) => o.colour.name)).size).toBe(7)
      for (const o of objects) {
        // a shade of its own category, by name and value
        const category = OBJECT_COLOURS.find((c) => c.name === o.colour.name)!
        expect(category.shades.find((c) => c.name === o.colour.shade)?.rgb).toEqual(o.colour.rgb)
      }
      expect(new Set(s.primitives.map((p) => p.instanceId)).size).toBe(s.primitives.length)
      for (const o of objects) {
        expect(o.center[2]).toBeCloseTo(o.half[2], 12)
        // Every corner inside the room.
        for (const sx of [-1, 1]) for (const sy of [-1, 1]) {
          const x = o.center[0] + sx * o.half[0] * Math.cos(o.yaw) - sy * o.half[1] * Math.sin(o.yaw)
          const y = o.center[1] + sx * o.half[0] * Math.sin(o.yaw) + sy * o.half[1] * Math.cos(o.yaw)
          expect(x > 0 && x < s.room[0] && y > 0 && y < s.room[1]).toBe(true)
        }
        for (const q of objects) {
          if (q === o) continue
          const gap = Math.hypot(o.center[0] - q.center[0], o.center[1] - q.center[1]) - Math.hypot(o.half[0], o.half[1]) - Math.hypot(q.half[0], q.half[1])
          expect(gap).toBeGreaterThanOrEqual(0.1 - 1e-9)
        }
      }
    }
  })

  it('moves the camera on an ellipse at 1.3–1.7 m, outside every object, looking at the room centre', () => {
    const s = generateScene({ seed: 2, frames: 24 })
    const objects = s.primitives.filter((p) => p.kind === 'object')
    for (const pose of s.poses) {
      const [x, y, z] = [pose[3], pose[7], pose[11]]
      expect(z).toBeGreaterThanOrEqual(1.3 - 1e-9)
      expect(z).toBeLessThanOrEqual(1.7 + 1e-9)
      for (const o of objects) expect(Math.hypot(x - o.center[0], y - o.center[1])).toBeGreaterThan(Math.hypot(o.half[0], o.half[1]))
      const c = projectPoint(s.colorIntrinsics, pose, s.room[0] / 2, s.room[1] / 2, 0.6)
      expect(c[2]).toBeGreaterThan(0)
      expect(Math.abs(c[0] - s.colorIntrinsics.cx)).toBeLessThan(s.colorIntrinsics.width / 4)
      expect(Math.abs(c[1] - s.colorIntrinsics.cy)).toBeLessThan(s.colorIntrinsics.height / 4)
    }
  })

  it('derives depth intrinsics from colour intrinsics with the pixel-centre rule', () => {
    const s = generateScene({ color_width: 640, color_height: 480, depth_width: 320, depth_height: 240 })
    expect(s.depthIntrinsics.fx).toBeCloseTo(s.colorIntrinsics.fx / 2, 12)
    expect(s.depthIntrinsics.cx).toBeCloseTo((s.colorIntrinsics.cx + 0.5) / 2 - 0.5, 12)
    expect(s.colorIntrinsics.fx).toBeCloseTo((1169.621094 * 640) / 1296, 9)
  })

  it('reports impossible or invalid options as PLAF_INVALID_OPTION', () => {
    const code = (f: () => unknown) => {
      try {
        f()
      } catch (e) {
        return (e as PlafError).diagnostics[0]
      }
    }
    expect(code(() => generateScene({ objects: 7, room_size: [3, 3, 2.5] }))).toMatchObject({ code: 'PLAF_INVALID_OPTION', path: 'objects' })
    expect(code(() => generateScene({ frames: 3, invalid_pose_frames: [1, 3] }))).toMatchObject({
      code: 'PLAF_INVALID_OPTION', message: 'synthetic-room: invalid_pose_frames [3] are not below frames (3)',
    })
    // the same located diagnostics as pipeline files, never raw ajv wording
    expect(code(() => generateScene({ color_width: 2.5 } as never))).toEqual({
      code: 'PLAF_INVALID_OPTION', severity: 'error', message: 'color_width must be integer', path: 'color_width', plugin: 'synthetic-room',
      expected: 'integer', actual: '2.5', hint: 'options: plaf plugins synthetic-room',
    })
    expect(code(() => generateScene({ colour_width: 200 } as never))).toEqual({
      code: 'PLAF_UNKNOWN_OPTION', severity: 'error', message: 'colour_width is not a known option', path: 'colour_width', plugin: 'synthetic-room',
      expected: expect.stringMatching(/^one of seed, frames, color_width, /), actual: 'colour_width', hint: 'did you mean "color_width"? options: plaf plugins synthetic-room',
    })
  })
})
