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
    expect(r.checks).toEqual({ passed: true, details: ['export and .sens readers: 3 and 3 frames of 3, 0 frames differing in colour or depth'] })
    expect(Object.keys(r.summary!).sort()).toEqual([
      'export_decode_ms', 'export_frames_per_s', 'export_io_ms', 'export_mb_per_s', 'sens_decode_ms', 'sens_frames_per_s', 'sens_io_ms', 'sens_mb_per_s',
    ])
    for (const v of Object.values(r.summary!)) expect(v).toBeGreaterThan(0)
    expect(r.tables[0].rows).toHaveLength(2)
    expect(r.measurements.backbone_session_ms).toBeNull() // no backbone.json in this results directory
  })
})
