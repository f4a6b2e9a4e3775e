import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '@plaf/core/testing'
import { parseConfig } from '../src/config.js'
import { runDataCase } from '../src/cases/data.js'

const tmp = tempDir('bench-data')
afterAll(() => tmp.cleanup())

describe('data case (--tiny)', () => {
  it('reads the generated scene from the export folder and the .sens, both readers agreeing, with every summary field', async () => {
    const config = parseConfig(['--tiny', '--only', 'data', '--out', join(tmp.dir, 'out'), '--tmp', join(tmp.dir, 'scratch')])!
    expect(config.only).toEqual(['data'])
    const r = await runDataCase(config, {} as never)
    expect(r.checks.passed).toBe(true)
    expect(r.checks.details[0]).toBe('export and .sens readers: 3 and 3 frames of 3, 0 frames differing in colour or depth')
    expect(r.checks.details[1]).toMatch(/^\.sens reader: at most \d\.\d\d decoded frames' worth of buffers alive while the consumer holds one frame \(limit 3 frames \+ 256(\.0)? kB of runtime buffers\)$/)
    expect(Object.keys(r.summary!).sort()).toEqual([
      'export_decode_ms', 'export_frames_per_s', 'export_io_ms', 'export_mb_per_s', 'sens_decode_ms', 'sens_frames_held', 'sens_frames_per_s', 'sens_io_ms', 'sens_mb_per_s', 'sens_peak_live_mb',
    ])
    const held = r.measurements.sens_memory as { frames_held: number; peak_live_bytes: number; decoded_frame_bytes: number; gc: boolean }
    expect([held.gc, held.decoded_frame_bytes]).toEqual([true, 64 * 48 * 3 + 32 * 24 * 4])
    // The guarantee is the upper bound (checks.details[1]: 3 frames plus 256 kB). At --tiny sizes a frame
    // is 12 kB: live bytes after GC minus the baseline are then within the noise of other allocations (seen
    // 0 to more than 3 frames under load on CI), so only the bound with its allowance is asserted.
    expect(held.frames_held).toBeGreaterThanOrEqual(0)
    expect(held.peak_live_bytes).toBeLessThanOrEqual(3 * held.decoded_frame_bytes + 256_000)
    for (const [k, v] of Object.entries(r.summary!)) if (k !== 'sens_frames_held' && k !== 'sens_peak_live_mb') expect(v, k).toBeGreaterThan(0)
    expect(r.tables[0].rows).toHaveLength(2)
    expect(r.measurements.backbone_session_ms).toBeNull() // no backbone.json in this results directory
  })
})
