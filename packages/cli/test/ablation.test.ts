import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { expandSweep, resolvePipeline, sweepOverrides, type ResolvedPipeline } from '@plaf/core'
import { writeScene } from '@plaf/datasets'
import { builtinRegistry } from '../src/builtins.js'
import { tempDir } from './helpers.js'

const pipelines = join(__dirname, '../../../pipelines')

/** What ablation.yaml changes on purpose in the stages it shares with demo.yaml (stage.option). */
const CHANGED = new Set(['querier.write_overlays'])

describe('pipelines/ablation.yaml compares the demo\'s own setting', () => {
  it('every variant runs each stage it shares with demo.yaml with demo.yaml\'s options, but for what it sweeps or changes on purpose', async () => {
    const scene = join(tempDir(), 'scene0000_00')
    await writeScene(scene, { frames: 1, color_width: 64, color_height: 48, depth_width: 32, depth_height: 24, mesh_spacing: 0.5 })
    const set = [`input.with.scene=${scene}`]
    const demo = await resolvePipeline(join(pipelines, 'demo.yaml'), builtinRegistry(), { overrides: set })
    const ablation = await resolvePipeline(join(pipelines, 'ablation.yaml'), builtinRegistry(), { overrides: set })
    expect(demo.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    expect(ablation.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    const variants = expandSweep(ablation.pipeline!.sweep!)
    expect(variants.map((v) => v.name)).toEqual([
      'masker.use=felzenszwalb,storage2d.feature_dtype=float16', 'masker.use=felzenszwalb,storage2d.feature_dtype=float32',
      'masker.use=grid,storage2d.feature_dtype=float16', 'masker.use=grid,storage2d.feature_dtype=float32',
    ])
    const byKey = (p: ResolvedPipeline) => new Map(p.stages.map((s) => [s.key, s]))
    const base = byKey(demo.pipeline!)
    let compared = 0
    for (const v of variants) {
      const r = await resolvePipeline(join(pipelines, 'ablation.yaml'), builtinRegistry(), { overrides: [...set, ...sweepOverrides(v, ablation.loaded.provenance)], checkSweep: false })
      expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
      const swept = new Set(v.overrides.map((o) => o.split('=')[0]!.replace(/^stages\./, '').replace('.with.', '.')))
      for (const [key, s] of byKey(r.pipeline!)) {
        const d = base.get(key)
        if (!d || d.use !== s.use) continue // a stage demo.yaml lacks, or the grid that replaces its masker
        for (const option of new Set([...Object.keys(d.options), ...Object.keys(s.options)])) {
          if (swept.has(`${key}.${option}`) || CHANGED.has(`${key}.${option}`)) continue
          expect(s.options[option], `${v.name}: stages.${key}.with.${option}`).toEqual(d.options[option])
          compared++
        }
      }
      // the Felzenszwalb variants run demo.yaml's masker exactly (sigma 0.8, k 800, min_size 400, max_side 640)
      if (v.name.startsWith('masker.use=felzenszwalb')) expect(byKey(r.pipeline!).get('masker')!.options).toEqual(base.get('masker')!.options)
    }
    expect(compared).toBeGreaterThan(20)
  })
})
