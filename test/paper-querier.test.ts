import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadPipeline } from '@plaf/core'

// The paper pipeline's querier settings are what the docs say they are (packages/query/README.md
// "The paper pipeline", docs/paper-config.md): plain cosine as the official code, threshold auto
// (Otsu) since SigLIP's cosines are far below the querier's generic 0.5.
const root = process.cwd()
const flat = (file: string) => readFileSync(join(root, file), 'utf8').replace(/\s+/g, ' ')

describe('pipelines/scannet.yaml querier', () => {
  it('queries with mode cosine and threshold auto, as packages/query/README.md and docs/paper-config.md say', () => {
    const loaded = loadPipeline(join(root, 'pipelines', 'scannet.yaml'), { env: {} })
    expect(loaded.diagnostics.filter((d) => d.severity === 'error')).toEqual([])
    const querier = (loaded.value.stages as Record<string, { use: string; with: Record<string, unknown> }>).querier
    expect(querier.use).toBe('text')
    expect(querier.with).toMatchObject({ encoder: 'siglip-text', mode: 'cosine', threshold: 'auto' })
    expect(flat('packages/query/README.md')).toContain('**The paper pipeline** (`pipelines/scannet.yaml`, SigLIP text) queries with `mode: cosine` and `threshold: auto`.')
    expect(flat('docs/paper-config.md')).toContain('cosine similarity, no templates, no softmax; `threshold: auto`')
    // the source the choice cites
    expect(flat('pipelines/scannet.yaml')).toContain('plaf-official.md §4.1')
  })
})
