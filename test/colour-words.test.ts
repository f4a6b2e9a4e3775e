// Colour words as people use them, end to end through the plaf CLI: generated scenes whose objects
// are painted in everyday shades (a random shade of each object's colour category, drawn from a
// naming study other than the one the colour lexicon learnt from), the demo pipeline unchanged but
// for its queries, and every category word scored against the scene's ground-truth mesh.
//
// Seeds tried with the final model (color-lexicon 0.3.0: shading anchored within each surface and
// an illumination prior, see packages/backbone-lexicon/README.md), 7 objects each (one category
// absent): 1 to 9. Seeds 2, 3, 4, 6, 7, 8 and 9 meet the goal for every word (IoU 0.63–0.94, the
// absent word selects nothing). Over the 63 objects, 61 words reached IoU ≥ 0.6 with their object,
// and on all 9 seeds the absent word selected nothing. The 2 misses come from the masks, not the
// naming (traced stage by stage in the README):
// - seed 1, "dull purple" trash can: IoU 0.46 (0.90 with 0.2.0). Its pixels are named purple (1.00),
//   but in frame 5 it is small (2 × 3 patches) and felzenszwalb's segment for it is 29 % edge strips
//   of the wall, cabinet and chair around it, so the mask row scores 0.698 (0.2.0: 0.700), just
//   under 0.7, and 89 of its 167 vertices take that row.
// - seed 5, "baby pink" trash can: IoU 0.56 (pink on every pixel): its frame-3 segment is 66 % edge
//   strips of other surfaces (row 0.50).
// The strips come from the masker's σ = 0.8 smoothing; with masker sigma 0 (nothing else changed)
// all 9 seeds meet the goal (63 of 63 words ≥ 0.6; seed 1 purple 1.00, seed 5 pink 0.90). That is a
// masker choice, outside the colour lexicon. Rather than change the demo's σ after seeing this
// test, masker-classic 0.2.0 reassigns such strips by unsmoothed colour (felzenszwalb
// `edge_strips: reassign`, judged on ground truth of other seeds): with it seed 1 meets the goal
// (purple 0.92, every word 0.74–0.94), so it is a normal test again. Seeds 1 to 9 with it (runs
// PLAF_COLOUR_WORDS_SEEDS=5,3,4,6 and 7,8,9): 8 of 9 meet the goal, 62 of 63 words ≥ 0.6 (mean
// 0.854; before 61, mean 0.834), the absent word selects nothing on all 9. Seed 5's baby pink can
// still misses (0.565): the leak into its mask there is wider than the 2 px strips the pass handles.
// With 0.2.0 (no colour constancy) only seeds 2, 3 and 8 met the goal: shaded yellows read as green
// or brown, pale orange as brown, coral pink as red.
// Seed 1 was the seed chosen before any result: it was a known failure (it.fails) until
// masker-classic 0.2.0. Seed 2 is a regression guard chosen after the results: it is no
// evidence on its own. Try more with PLAF_COLOUR_WORDS_SEEDS=3,4,5 (at most 4 more a run: the
// scenes are made in one 600 s hook).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { decodePly } from '@plaf/core'
import { OBJECT_COLOURS, readLabelledMesh, readSceneMeta, sceneObjects, vertexInstances } from '@plaf/datasets'
import { nearestWithin, plaf, tempDir } from './helpers.js'

const repo = join(__dirname, '..')
const demo = join(repo, 'pipelines', 'demo.yaml')
const { dir, cleanup } = tempDir('colour-words')
const words = OBJECT_COLOURS.map((c) => c.name)
/** A mesh vertex counts only where the map saw it: a map point within this distance (metres). */
const OBSERVED = 0.1
/** Seeds: the regression guard, and the seed chosen before any result. */
const GUARD = 2
const FIRST = 1
/** More seeds to try, e.g. PLAF_COLOUR_WORDS_SEEDS=4,6,8 (each adds a scene, a run and a goal check; at most 4 a run on a loaded 2-core machine). */
const MORE = (process.env.PLAF_COLOUR_WORDS_SEEDS ?? '').split(',').filter((x) => x.trim() !== '').map(Number)

const sceneDir = (seed: number) => join(dir, `seed${seed}`, 'scene0001_00')
const runDir = (seed: number) => join(dir, `seed${seed}`, 'run')

/** Generates a 7-object scene (every category but one; the one left out is the negative control) and runs the demo pipeline on it. */
async function runScene(seed: number): Promise<void> {
  await plaf(['make-scene', sceneDir(seed), '--seed', String(seed), '--objects', '7', '--frames', '12'])
  await plaf(['run', demo, '--set', `input.with.scene=${sceneDir(seed)}`, '--out', runDir(seed), '--set', `runtime.cache_dir=${join(dir, 'cache')}`,
    '--set', `stages.querier.with.queries=[${words.join(',')}]`, '--progress', 'none'])
}

beforeAll(async () => {
  for (const seed of [GUARD, FIRST, ...MORE]) await runScene(seed)
}, 600_000)
afterAll(cleanup)

/**
 * Per word: IoU of its thresholded 3D scores, moved to the mesh, with its objects' vertices, and
 * the vertices it selects. Only observed vertices count (a map point within OBSERVED), for truth
 * and prediction alike: the floor under a couch or a wall behind a cabinet was never in a frame,
 * so no method can select or miss it (with the 0.5 m transfer alone it takes the couch's scores).
 */
function selections(seed: number): Record<string, { iou: number; selected: number; truth: number; shades: string[]; by: Record<string, number> }> {
  const scene = sceneDir(seed)
  const run = runDir(seed)
  const meta = readSceneMeta(scene)
  const mesh = readLabelledMesh(join(scene, `${meta.scene}_vh_clean_2.labels.ply`))
  const gt = vertexInstances(scene, meta)
  const threshold = JSON.parse(readFileSync(join(run, 'querier', 'scores.json'), 'utf8')).threshold as number
  const out: Record<string, { iou: number; selected: number; truth: number; shades: string[]; by: Record<string, number> }> = {}
  const names = new Map(meta.primitives.map((p) => [p.instanceId, p.name]))
  for (const word of words) {
    const objects = sceneObjects(meta).filter((o) => o.colour === word)
    const ids = new Set(objects.map((o) => o.instanceId))
    const ply = decodePly(readFileSync(join(run, 'querier', `${word}.ply`)))
    const { x, y, z, score } = ply.properties as Record<string, Float32Array>
    const pts = new Float32Array(x.length * 3)
    for (let i = 0; i < x.length; i++) pts.set([x[i], y[i], z[i]], 3 * i)
    // each mesh vertex takes its nearest map point's score (within 0.5 m, else not selected)
    const nn = nearestWithin(pts, mesh.positions, 0.5)
    const seen = nearestWithin(pts, mesh.positions, OBSERVED)
    let inter = 0, union = 0, selected = 0, truth = 0
    const by: Record<string, number> = {}
    for (let v = 0; v < nn.length; v++) {
      if (seen[v] < 0) continue
      const pred = nn[v] >= 0 && score[nn[v]] >= threshold
      const isObj = ids.has(gt[v])
      if (pred) {
        selected++
        const n = names.get(gt[v]) ?? 'nothing'
        by[n] = (by[n] ?? 0) + 1
      }
      if (isObj) truth++
      if (pred && isObj) inter++
      if (pred || isObj) union++
    }
    out[word] = { iou: union ? inter / union : 0, selected, truth, shades: objects.map((o) => o.shade ?? '?'), by }
  }
  return out
}

/** The goal of issue 21: each present category's word has IoU ≥ 0.6 with its object, the absent word selects nothing. */
function checkGoal(seed: number): void {
  const s = selections(seed)
  console.log('colour words, seed', seed, JSON.stringify(s, null, 1))
  const present = new Set(sceneObjects(readSceneMeta(sceneDir(seed))).map((o) => o.colour))
  const absent = words.filter((w) => !present.has(w))
  expect(absent).toHaveLength(1)
  for (const w of present) expect(s[w].iou, `${w} (${s[w].shades.join(', ')})`).toBeGreaterThanOrEqual(0.6)
  for (const w of absent) expect(s[w].selected, `${w} is in no object of the scene`).toBe(0)
}

describe('colour words name categories, not CSS values', () => {
  it('paints objects in shades of their category, not the CSS value of the word', () => {
    for (const seed of [GUARD, FIRST]) {
      const objects = sceneObjects(readSceneMeta(sceneDir(seed)))
      expect(objects).toHaveLength(7)
      for (const o of objects) {
        const category = OBJECT_COLOURS.find((c) => c.name === o.colour)!
        expect(category.shades.find((s) => s.name === o.shade)?.rgb).toEqual(o.rgb)
      }
    }
  })

  it(`seed ${GUARD}: each category word selects its object (IoU ≥ 0.6 on observed mesh vertices); the absent category selects nothing`, () => {
    checkGoal(GUARD)
  })

  // Failed until masker-classic 0.2.0 (see the header): the dull purple trash can's mask was edge strips.
  it(`seed ${FIRST} (chosen before any result): the same goal`, () => {
    checkGoal(FIRST)
  })

  for (const seed of MORE) it(`seed ${seed} (PLAF_COLOUR_WORDS_SEEDS): the same goal`, () => checkGoal(seed))
})
