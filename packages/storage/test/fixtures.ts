import { mulberry32 } from '@plaf/core'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { validateOptions, type SemanticMap3D, type SemanticMemory2D, type StageInstance, type StagePlugin } from '@plaf/core'
import { createTestContext, pythonCheck } from '@plaf/core/testing'

/** Shared helpers from @plaf/core/testing: `tempDir(name)` is `plaf-<name>-XXXXXX` with its `cleanup()`. */
export { maxAbsDiff, tempDir } from '@plaf/core/testing'

/** Deterministic pseudo-random numbers in [0, 1): mulberry32 from @plaf/core. */
export const rng = mulberry32

/** Unit-norm random rows (row 0 left at zero when `background`). */
function unitRows(rows: number, d: number, rand: () => number, background: boolean): Float32Array {
  const data = new Float32Array(rows * d)
  for (let r = background ? 1 : 0; r < rows; r++) {
    let s = 0
    for (let k = 0; k < d; k++) s += (data[r * d + k] = rand() * 2 - 1) ** 2
    const inv = 1 / Math.sqrt(s)
    for (let k = 0; k < d; k++) data[r * d + k] *= inv
  }
  return data
}

/** A SemanticMemory2D of rectangles painted over a background: ids 0..masks, (masks+1)×d table. */
export function makeMemory(h: number, w: number, d: number, masks: number, seed = 1, space = 'test-space'): SemanticMemory2D {
  const rand = rng(seed)
  const ids = new Uint16Array(h * w)
  for (let k = 1; k <= masks; k++) {
    const x0 = Math.floor(rand() * w)
    const y0 = Math.floor(rand() * h)
    const x1 = Math.min(w, x0 + 1 + Math.floor(rand() * w * 0.5))
    const y1 = Math.min(h, y0 + 1 + Math.floor(rand() * h * 0.5))
    for (let y = y0; y < y1; y++) ids.fill(k, y * w + x0, y * w + x1)
  }
  return { ids: { data: ids, shape: [h, w] }, features: { data: unitRows(masks + 1, d, rand, true), shape: [masks + 1, d] }, space }
}

/** A SemanticMap3D of n points referencing an m-row pool. */
export function makeMap(n: number, m: number, d: number, seed = 2, space = 'test-space'): SemanticMap3D {
  const rand = rng(seed)
  const positions = new Float32Array(3 * n).map(() => (rand() - 0.5) * 8)
  const colors = new Uint8Array(3 * n).map(() => Math.floor(rand() * 256))
  const refs = new Uint32Array(n).map(() => Math.floor(rand() * m))
  return { positions, colors, refs, pool: { data: unitRows(m, d, rand, false), shape: [m, d] }, space }
}

/** Files in a directory, temporaries (dot files) included, sorted; [] when it does not exist. */
/**
 * Records the current size of every file map.json lists, as if its writer had written them: for
 * tests that replace a map's file on purpose (an older spelling, a damaged stream) and check what
 * the reader says about its contents, past open3D's size check.
 */
export function recordSizes(dir: string): void {
  const man = JSON.parse(readFileSync(join(dir, 'map.json'), 'utf8')) as { files: Record<string, { name: string; bytes: number }> }
  for (const f of Object.values(man.files)) f.bytes = statSync(join(dir, f.name)).size
  writeFileSync(join(dir, 'map.json'), JSON.stringify(man, null, 2) + '\n')
}

export const listDir = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir).sort() : [])

const numpy = pythonCheck(['numpy'], ['python3-numpy'])
/** True when a python3 with numpy is there (the independent .npy reader). */
export const hasNumpy = numpy.available
/** Suffix for numpy test names, so a skipped run says why. */
export const numpyNote = numpy.note
/** Runs a Python script and parses the JSON it prints. */
export const runPython = (script: string, args: string[] = []): unknown => numpy.json(script, args)

/** Creates a plugin instance with validated options (defaults filled in) writing under `runDir/<stage>`. */
export async function openStage(plugin: StagePlugin, options: Record<string, unknown>, runDir: string, stage = 'store'): Promise<{ inst: StageInstance; outDir: string }> {
  const v = validateOptions(plugin, options)
  if (!v.ok) throw new Error(JSON.stringify(v.errors))
  const ctx = createTestContext({ runDir, stage })
  return { inst: await plugin.create(v.value, ctx), outDir: ctx.outDir }
}
