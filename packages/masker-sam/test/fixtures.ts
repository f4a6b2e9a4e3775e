import { mkdirSync, renameSync } from 'node:fs'
import { join } from 'node:path'
import { localModelAccess, validateOptions, type Frame, type MaskSet, type ModelAccess } from '@plaf/core'
import { createRunContext, createTestContext, makeFrame, tempDir, type TempDir } from '@plaf/core/testing'
import { samMasker } from '../src/plugin.js'
import type { SamOptions } from '../src/options-schema.js'
import { writeSamContractModel, type SamContractOptions } from '../src/testing/index.js'

/** A temporary model store with SAM-contract models, and a ModelAccess over it. */
export interface TestStore {
  home: TempDir
  models: ModelAccess
  /** Writes a contract model as `<name>@<version>`; returns its folder. */
  add(o?: SamContractOptions): string
}

/** A fresh store; call `home.cleanup()` afterwards. */
export function testStore(): TestStore {
  const home = tempDir('sam-store')
  mkdirSync(home.path('models'), { recursive: true })
  return {
    home,
    models: localModelAccess(home.dir),
    add(o = {}) {
      // Written aside, then moved to `<name>@<version>` (the name comes from the layout's default).
      const tmp = join(home.dir, 'models', '.incoming')
      const m = writeSamContractModel(tmp, o)
      const dir = join(home.dir, 'models', `${m.name}@${m.version}`)
      renameSync(tmp, dir)
      return dir
    },
  }
}

/** Colours of the scene's four quadrants (far apart after SAM's normalisation). */
export const QUADRANT_COLOURS = [[220, 40, 40], [40, 200, 60], [40, 60, 220], [230, 220, 60]] as const

/** An h×w scene of four flat quadrants split at (sx, sy): quadrant q = (x ≥ sx) + 2·(y ≥ sy). */
export function quadrants(h: number, w: number, sx: number, sy: number): Frame {
  return makeFrame(h, w, (x, y) => [...QUADRANT_COLOURS[(x < sx ? 0 : 1) + (y < sy ? 0 : 2)]!])
}

/** IoU of a mask with the rectangle [x0, x1) × [y0, y1). */
export function rectIou(set: MaskSet, i: number, [x0, y0, x1, y1]: readonly number[]): number {
  const m = set.masks[i]!
  const [bx, by, bw, bh] = m.bbox
  let inter = 0
  for (let y = 0; y < bh; y++) {
    for (let x = 0; x < bw; x++) {
      if (m.bitmap[y * bw + x] && bx + x >= x0! && bx + x < x1! && by + y >= y0! && by + y < y1!) inter++
    }
  }
  return inter / (m.area + (x1! - x0!) * (y1! - y0!) - inter)
}

/** Creates `sam` with validated options over `models`, runs one frame, disposes. */
export async function runSam(models: ModelAccess, frame: Frame, options: Partial<SamOptions> & Record<string, unknown> = {}): Promise<{ set: MaskSet; logs: string[] }> {
  const v = validateOptions(samMasker, options)
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  const logs: string[] = []
  const ctx = createTestContext({ stage: 'masker', models })
  ctx.log = (m) => void logs.push(m)
  const inst = await samMasker.create(v.value as unknown as SamOptions, ctx)
  try {
    const out = await inst.run({ frame }, createRunContext({ id: frame.id, index: 0 }))
    return { set: out.masks!, logs }
  } finally {
    await inst.dispose?.()
  }
}
