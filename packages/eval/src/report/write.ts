import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { fail, writeFileAtomic, writeJsonAtomic } from '@plaf/core'
import { evalCsv, evalJson, evalMarkdown, type EvalOutcome } from './format.js'
import { confusionSpec, perClassIouSpec, writePlot } from './plots.js'

/** Creates `dir` (and parents), naming it when that fails. */
export function makeOutDir(dir: string, flag = `--out ${dir}`): string {
  const abs = resolve(dir)
  try {
    mkdirSync(abs, { recursive: true })
  } catch (e) {
    fail('PLAF_OUTPUT_UNWRITABLE', `cannot create the output directory ${dir}: ${(e as Error).message}`, { file: abs, source: flag, path: 'out', cause: e })
  }
  return abs
}

/**
 * Writes the report of one evaluation into `dir`: `result.json` (the `--json` object),
 * `classes.csv` (per class, pooled and per scene), `report.md`, and beside it the plots
 * `per-class-iou` and `confusion` as SVG, PNG and their Vega-Lite spec. Returns the file names.
 */
export async function writeEvalReport(dir: string, o: EvalOutcome, title: string): Promise<string[]> {
  const abs = makeOutDir(dir)
  const plots = [
    ...(await writePlot(abs, 'per-class-iou', perClassIouSpec(o.set, o.pooled.scores, `${title}: IoU per class`))),
    ...(await writePlot(abs, 'confusion', confusionSpec(o.set, o.pooled.cm, `${title}: confusion matrix`))),
  ]
  writeJsonAtomic(join(abs, 'result.json'), evalJson(o))
  writeFileAtomic(join(abs, 'classes.csv'), evalCsv(o))
  writeFileAtomic(join(abs, 'report.md'), evalMarkdown(o, title, plots.filter((p) => p.endsWith('.svg'))))
  return ['result.json', 'classes.csv', 'report.md', ...plots]
}
