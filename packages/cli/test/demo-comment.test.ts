// pipelines/demo.yaml's comment on the dense baseline states what the demo measures (README's demo output).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(__dirname, '../../..')

describe('pipelines/demo.yaml', () => {
  it('the dense2d comment names the per-frame size the demo measures (README: 2D dense per-pixel baseline … MB/frame)', () => {
    const demo = readFileSync(join(root, 'pipelines/demo.yaml'), 'utf8')
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const measured = /2D dense per-pixel baseline\s+[\d.]+ MB for \d+ frames? \(([\d.]+) MB\/frame\)/.exec(readme)?.[1]
    const said = /H×W×D baseline[^#\n]*?([\d.]+) MB a frame/.exec(demo)?.[1]
    expect(measured).toBeDefined()
    expect(said).toBe(measured)
  })
})
