import type { Diagnostic } from '@plaf/core'
import type { ClassSet } from '../classes.js'
import type { ConfusionMatrix } from '../metrics/confusion.js'
import type { SegmentationScores } from '../metrics/scores.js'
import type { RunManifestSummary } from '../scannet/run-map.js'
import { confusionJson, scoresJson, type EvalJson } from './result.js'

/** What every `plaf eval` benchmark hands to the reports: protocol, class set, scenes and the pooled matrix. */
export interface EvalOutcome {
  protocol: object
  set: ClassSet
  scenes: { scene: string; cm: ConfusionMatrix; scores: SegmentationScores; run?: RunManifestSummary; unpredicted?: number; prediction?: string }[]
  pooled: { cm: ConfusionMatrix; scores: SegmentationScores }
  /** Warnings of the evaluation (a run made from another scene, predictions outside the set, …). */
  warnings?: Diagnostic[]
}

/** A fraction as a percentage with one decimal, as papers print mIoU (`41.1`); `-` for null. */
export const pct = (x: number | null): string => (x === null ? '-' : (100 * x).toFixed(1))

/** A count with thousands separators. */
export const count = (n: number): string => Math.round(n).toLocaleString('en-US')

/** The `--json` object (also `result.json` of `--out`). */
export function evalJson(o: EvalOutcome): EvalJson {
  const runs = o.scenes.map((s) => s.run).filter((r): r is RunManifestSummary => r !== undefined)
  return {
    protocol: o.protocol as Record<string, unknown>,
    ...scoresJson(o.set, o.pooled.scores),
    runs,
    sources: o.scenes.map((s) => ({ scene: s.scene, prediction: s.prediction ?? null })),
    ...(o.scenes.length > 1 ? { scenes: o.scenes.map((s) => ({ scene: s.scene, ...scoresJson(o.set, s.scores) })) } : {}),
    confusion: confusionJson(o.set, o.pooled.cm),
    ...(o.warnings?.length ? { warnings: o.warnings } : {}),
  }
}

/** Per-class rows as CSV: `scene,id,name,iou,acc,support,predicted` (pooled first, then each scene when several). */
export function evalCsv(o: EvalOutcome): string {
  const lines = ['scene,id,name,iou,acc,support,predicted']
  const q = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s)
  const add = (scene: string, s: SegmentationScores) => {
    for (const c of s.classes) lines.push([q(scene), o.set.ids[c.index], q(o.set.names[c.index]), c.iou ?? '', c.acc ?? '', c.support, c.predicted].join(','))
  }
  add(o.scenes.length > 1 ? 'pooled' : o.scenes[0].scene, o.pooled.scores)
  if (o.scenes.length > 1) for (const s of o.scenes) add(s.scene, s.scores)
  return lines.join('\n') + '\n'
}

/** `key: value` lines of the protocol block (arrays joined, nulls as `-`). */
export function protocolLines(protocol: object): string[] {
  return Object.entries(protocol).map(([k, v]) => `${k}: ${v === null ? '-' : Array.isArray(v) ? v.join(', ') || '-' : String(v)}`)
}

/** The run manifest lines: pipeline, config hash, plugins, models with their hashes. */
export function manifestLines(runs: RunManifestSummary[]): string[] {
  const out: string[] = []
  for (const r of runs) {
    out.push(`run ${r.dir}: pipeline ${r.pipeline}, config sha256 ${r.config_hash ?? '-'}`)
    out.push(`  plugins: ${Object.entries(r.plugins).map(([k, v]) => `${k}=${v}`).join(', ')}`)
    out.push(`  text encoder: ${r.text_encoder.plugin} ${JSON.stringify(r.text_encoder.options)}; ${r.storage2d ? `2D memories read from ${r.storage2d}` : `map read from ${r.storage3d}`}`)
    out.push(`  models: ${r.models.length ? r.models.map((m) => JSON.stringify(m)).join('; ') : 'none (weight-free plugins)'}`)
  }
  return out
}

function classTable(o: EvalOutcome, s: SegmentationScores): string[] {
  const rows = [['id', 'class', 'IoU %', 'acc %', 'support', 'predicted']]
  for (const c of s.classes) {
    rows.push([String(o.set.ids[c.index]), o.set.names[c.index] + (c.support === 0 ? ' (absent)' : ''), pct(c.iou), pct(c.acc), count(c.support), count(c.predicted)])
  }
  return rows.map((r) => `| ${r.join(' | ')} |`).flatMap((line, i) => (i === 0 ? [line, '|---:|---|---:|---:|---:|---:|'] : [line]))
}

function summary(s: SegmentationScores): string {
  return `mIoU ${pct(s.miou)}  fmIoU ${pct(s.fmiou)}  mAcc ${pct(s.macc)}  overall acc ${pct(s.oacc)}  (${count(s.samples)} samples scored, ${count(s.ignored)} ignored, ${count(s.outsidePredictions)} predictions outside the set or missing${s.absent.length ? `; ${s.absent.length} classes absent from the ground truth, left out of the means` : ''})`
}

/** The confusion matrix as a Markdown table (rows = ground truth), for class sets up to 40 classes. */
function confusionTable(o: EvalOutcome): string[] {
  const k = o.pooled.cm.classes
  if (k > 40) return [`(${k} classes: see confusion.svg and result.json)`]
  const head = `| GT \\ pred | ${o.set.names.join(' | ')} | outside |`
  const rule = `|---|${'---:|'.repeat(k + 1)}`
  const rows = o.set.names.map((n, g) => `| ${n} | ${Array.from(o.pooled.cm.counts.subarray(g * (k + 1), (g + 1) * (k + 1)), count).join(' | ')} |`)
  return [head, rule, ...rows]
}

/** The Markdown report: protocol, runs, summary, per-class table, confusion matrix, per-scene table, plots. */
export function evalMarkdown(o: EvalOutcome, title: string, plots: string[] = []): string {
  const runs = o.scenes.map((s) => s.run).filter((r): r is RunManifestSummary => r !== undefined)
  const several = o.scenes.length > 1
  const md = [
    `# ${title}`, '',
    // what qualifies every number below (random-weight models, a run made from another scene, …)
    ...(o.warnings?.length ? ['## Warnings', '', ...o.warnings.map((d) => `- ${d.code}: ${d.message}${d.hint ? ` (${d.hint})` : ''}`), ''] : []),
    '## Protocol', '', ...protocolLines(o.protocol).map((l) => `- ${l}`),
    ...o.scenes.filter((s) => s.prediction).map((s) => `- source ${s.scene}: ${s.prediction}`), '',
    ...(runs.length ? ['## Runs', '', '```', ...manifestLines(runs), '```', ''] : []),
    `## ${several ? `Pooled over ${o.scenes.length} scenes` : 'Result'}`, '', summary(o.pooled.scores), '',
    ...classTable(o, o.pooled.scores), '',
    ...plots.map((p) => `![${p}](${p})`), ...(plots.length ? [''] : []),
    '## Confusion matrix (pooled counts)', '', ...confusionTable(o), '',
  ]
  if (several) {
    md.push('## Per scene', '', '| scene | mIoU % | fmIoU % | mAcc % | samples |', '|---|---:|---:|---:|---:|')
    for (const s of o.scenes) md.push(`| ${s.scene} | ${pct(s.scores.miou)} | ${pct(s.scores.fmiou)} | ${pct(s.scores.macc)} | ${count(s.scores.samples)} |`)
    md.push('')
  }
  return md.join('\n')
}

/** The terminal summary: protocol block, runs, per-class table, the means. */
export function evalText(o: EvalOutcome): string[] {
  const runs = o.scenes.map((s) => s.run).filter((r): r is RunManifestSummary => r !== undefined)
  const s = o.pooled.scores
  const name = Math.max(5, ...o.set.names.map((n) => n.length + (s.classes[o.set.names.indexOf(n)]?.support === 0 ? 9 : 0)))
  const lines = ['protocol:', ...protocolLines(o.protocol).map((l) => `  ${l}`)]
  for (const sc of o.scenes) if (sc.prediction) lines.push(`  source ${sc.scene}: ${sc.prediction}`)
  if (runs.length) lines.push(...manifestLines(runs))
  lines.push('', `  ${'class'.padEnd(name)}  IoU %  acc %     support`)
  for (const c of s.classes) {
    const n = o.set.names[c.index] + (c.support === 0 ? ' (absent)' : '')
    lines.push(`  ${n.padEnd(name)}  ${pct(c.iou).padStart(5)}  ${pct(c.acc).padStart(5)}  ${count(c.support).padStart(10)}`)
  }
  if (o.scenes.length > 1) {
    lines.push('', 'per scene:')
    for (const sc of o.scenes) lines.push(`  ${sc.scene}  mIoU ${pct(sc.scores.miou)}  fmIoU ${pct(sc.scores.fmiou)}  mAcc ${pct(sc.scores.macc)}`)
    lines.push('', `pooled (one confusion matrix over ${o.scenes.length} scenes): ${summary(s)}`)
  } else lines.push('', summary(s))
  const unpredicted = o.scenes.reduce((a, sc) => a + (sc.unpredicted ?? 0), 0)
  if (unpredicted > 0) lines.push(`${count(unpredicted)} scored samples got no prediction (no map point or mask there): counted as misses`)
  return lines
}
