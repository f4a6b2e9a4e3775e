import { describe, expect, it } from 'vitest'
import { PlafError } from '../../src/diagnostics.js'
import { buildModel } from '../../src/backends/onnx-graph.js'
import { openOnnxSession, ortMessage } from '../../src/backends/onnx-session.js'

// an image encoder's fixed input, as a SAM vision_encoder's [1, 3, 1024, 1024]
const fixed = buildModel({
  inputs: [{ name: 'pixel_values', type: 'float32', shape: [1, 3, 8, 8] }],
  outputs: [{ name: 'out', type: 'float32', shape: [1, 3, 8, 8] }],
  nodes: [{ op: 'Identity', inputs: ['pixel_values'], outputs: ['out'] }],
})

describe('ONNX Runtime errors keep their whole message', () => {
  it('a wrongly sized input names every index, the size given and the size expected', async () => {
    const s = await openOnnxSession(fixed, { name: 'fixed-encoder' })
    try {
      const e = await s.run({ pixel_values: { type: 'float32', data: new Float32Array(3 * 4 * 4), dims: [1, 3, 4, 4] } }).then(() => undefined, (x: unknown) => x)
      expect(e).toBeInstanceOf(PlafError)
      const { message } = (e as PlafError).diagnostics[0]!
      expect(message).toMatch(/^ONNX run failed for fixed-encoder: Got invalid dimensions for input: pixel_values for the following indices; index: 2 Got: 4 Expected: 8; index: 3 Got: 4 Expected: 8/)
      expect(message).not.toContain('\n')
    } finally {
      await s.release()
    }
  })

  it('ortMessage joins the lines, trimmed, dropping empty ones', () => {
    expect(ortMessage('first\n index: 2 Got: 4 Expected: 8\n\n  last  \n')).toBe('first; index: 2 Got: 4 Expected: 8; last')
  })
})
