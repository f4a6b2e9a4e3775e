import { describe, expect, it } from 'vitest'
import { checkPort } from '@plaf/core'
import { generateScene } from '../../src/generate-scene.js'
import { castRays } from '../../src/synthetic/raycast.js'
import { createRenderer, toFramePort } from '../../src/synthetic/render.js'

const small = { color_width: 160, color_height: 120, depth_width: 80, depth_height: 60, frames: 6 }
describe('createRenderer', () => {
  const scene = generateScene({ ...small, seed: 1, objects: 7, invalid_pose_frames: [4] })
  const renderer = createRenderer(scene)

  it('writes millimetre z-depth of the ray cast at depth resolution', () => {
    const f = renderer.render(2)
    const hits = castRays(scene.rays, scene.depthIntrinsics, scene.poses[2])
    expect(f.depthMm).toHaveLength(80 * 60)
    expect(f.depthMm).toEqual(Uint16Array.from(hits.depth, (z) => Math.round(z * 1000)))
    expect(Math.min(...f.depthMm)).toBeGreaterThan(0)
  })

  it('labels every colour pixel with the raw id and instance of the primitive hit there', () => {
    const f = renderer.render(3)
    const hits = castRays(scene.rays, scene.colorIntrinsics, scene.poses[3])
    const labels = Uint16Array.from(hits.prim, (q) => scene.primitives[q].category.labelId)
    const instances = Uint8Array.from(hits.prim, (q) => scene.primitives[q].instanceId)
    expect(f.labels).toEqual(labels)
    expect(f.instances).toEqual(instances)
    expect(new Set(f.labels).size).toBeGreaterThan(3)
  })

  it('keeps each object’s pixels within its shading range: brightness in [0.85, 1] of the albedo, ±2 levels of noise', () => {
    const seen = new Set<string>()
    const bad: string[] = []
    let checked = 0
    for (let k = 0; k < scene.poses.length; k++) {
      const f = renderer.render(k)
      for (let i = 0; i < f.instances.length; i++) {
        const p = scene.primitives[f.instances[i] - 1]
        if (p.kind !== 'object') continue
        seen.add(p.colour.name)
        checked++
        const px = [f.rgb[3 * i], f.rgb[3 * i + 1], f.rgb[3 * i + 2]]
        const inRange = px.every((v, c) => v >= Math.round(0.85 * p.colour.rgb[c]) - 2 && v <= p.colour.rgb[c] + 2)
        if (!inRange) bad.push(`frame ${k} pixel ${i} ${p.name}: ${px}`)
      }
    }
    expect(bad.slice(0, 5)).toEqual([])
    expect(checked).toBeGreaterThan(1000)
    expect(seen.size).toBeGreaterThanOrEqual(5)
  })

  it('adds seeded depth noise and holes when asked', () => {
    const clean = createRenderer(generateScene({ ...small, seed: 1 })).render(0)
    const noisy = createRenderer(generateScene({ ...small, seed: 1, depth_noise: 0.01, holes: 0.2 })).render(0)
    let holes = 0, n = 0, sum2 = 0
    for (let i = 0; i < clean.depthMm.length; i++) {
      if (noisy.depthMm[i] === 0) { holes++; continue }
      const d = noisy.depthMm[i] - clean.depthMm[i]
      sum2 += d * d
      n++
    }
    expect(holes / clean.depthMm.length).toBeGreaterThan(0.15)
    expect(holes / clean.depthMm.length).toBeLessThan(0.25)
    expect(Math.sqrt(sum2 / n)).toBeGreaterThan(8) // σ = 10 mm
    expect(Math.sqrt(sum2 / n)).toBeLessThan(12)
    expect(Array.from(createRenderer(generateScene({ ...small, seed: 1, depth_noise: 0.01, holes: 0.2 })).render(0).depthMm)).toEqual(Array.from(noisy.depthMm))
  })

  it('converts to a conforming Frame port; invalid poses become null', () => {
    const good = toFramePort(scene, renderer.render(0))
    const bad = toFramePort(scene, renderer.render(4))
    expect(checkPort('Frame', good)).toBeNull()
    expect(checkPort('Frame', bad)).toBeNull()
    expect(good.id).toBe('000000')
    expect(good.pose).toEqual(scene.poses[0])
    expect(bad.pose).toBeNull()
    expect(good.depth!.data[1234]).toBe(Math.fround(renderer.render(0).depthMm[1234] / 1000))
    expect(good.colorIntrinsics).toEqual(scene.colorIntrinsics)
    expect(good.depthIntrinsics).toEqual(scene.depthIntrinsics)
  })
})
