import { join } from 'node:path'
import { writeFileAtomic, writeJsonAtomic } from '@plaf/core'
import type { TopLevelSpec } from 'vega-lite'
import { writePlot } from '../report/plots.js'
import { makeOutDir } from '../report/write.js'
import type { Ade20kProbeResult, ProbeVariantResult } from './probe.js'

const fmt = (v: number | null): string => (v === null ? '–' : v.toFixed(2))
const FONT = { config: { font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif', view: { stroke: null } } } as const

/** Grouped bars: mIoU, mAcc and aAcc (%) of each variant. */
export function probeComparisonSpec(r: Ade20kProbeResult): TopLevelSpec {
  const values = r.variants.flatMap((v) => (['miou', 'macc', 'aacc'] as const).map((m) => ({ variant: v.variant, metric: { miou: 'mIoU', macc: 'mAcc', aacc: 'aAcc' }[m], value: v[m] ?? 0 })))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'ADE20K linear probe', subtitle: `${r.variants[0]?.val.images ?? 0} validation images, ${r.variants[0]?.val.pixels ?? 0} labelled pixels` },
    data: { values },
    width: { step: 22 },
    height: 220,
    mark: 'bar',
    encoding: {
      x: { field: 'metric', type: 'nominal', title: null, axis: { labelAngle: 0 } },
      xOffset: { field: 'variant', type: 'nominal' },
      y: { field: 'value', type: 'quantitative', title: '%', scale: { domain: [0, 100] } },
      color: { field: 'variant', type: 'nominal', sort: null },
    },
    ...FONT,
  } as TopLevelSpec
}

/** Horizontal bars of per-class IoU (%) of one variant, classes present in the ground truth, best first. */
export function probeClassesSpec(v: ProbeVariantResult): TopLevelSpec {
  const values = v.classes.filter((c) => c.iou !== null).sort((a, b) => b.iou! - a.iou!).map((c) => ({ class: `${c.id} ${c.name}`, iou: c.iou, pixels: c.support }))
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: `${v.variant}: IoU per class`, subtitle: `mIoU ${fmt(v.miou)} % over ${values.length} classes present; ${v.absent.length} absent (not in the mean)` },
    data: { values },
    width: 420,
    height: { step: 14 },
    mark: { type: 'bar', color: '#4c78a8' },
    encoding: {
      y: { field: 'class', type: 'nominal', sort: null, title: null },
      x: { field: 'iou', type: 'quantitative', title: 'IoU (%)', scale: { domain: [0, 100] } },
      tooltip: [{ field: 'class' }, { field: 'iou' }, { field: 'pixels' }],
    },
    ...FONT,
  } as TopLevelSpec
}

/** The Markdown report: the comparison table, plots (when given), the protocol, each variant's best and worst classes. */
export function probeMarkdown(r: Ade20kProbeResult, plots: readonly string[] = []): string {
  const lines = [
    '# ADE20K linear probe', '',
    '| variant | mIoU | mAcc | aAcc | train rows | train pixels | rows/pixel | train s |', '|---|---|---|---|---|---|---|---|',
    ...r.variants.map((v) => `| ${v.variant} | ${fmt(v.miou)} | ${fmt(v.macc)} | ${fmt(v.aacc)} | ${v.train.rows} | ${v.train.pixels} | ${(v.train.rows / Math.max(1, v.train.pixels)).toPrecision(2)} | ${v.train.seconds} |`),
    '', `Features: ${r.feature_seconds} s for both splits (shared by the variants); tensor backend ${r.tensor_backend}.`, '',
    ...plots.map((p) => `![${p}](${p})`), ...(plots.length ? [''] : []),
    '## Protocol', '', ...Object.entries(r.protocol).map(([k, v]) => `- **${k}**: ${String(v)}`), '',
  ]
  for (const v of r.variants) {
    const present = v.classes.filter((c) => c.iou !== null).sort((a, b) => b.iou! - a.iou!)
    lines.push(`## ${v.variant}`, '', `Stages: ${v.stages.map((s) => `${s.key} (${s.use})`).join(' → ')}. ${present.length} classes present in the validation ground truth, ${v.absent.length} absent (left out of the means). Loss per epoch: ${v.train.epoch_loss.join(', ')}.`, '')
    lines.push('| class | IoU | acc | pixels |', '|---|---|---|---|')
    const shown = present.length > 10 ? [...present.slice(0, 5), ...present.slice(-5)] : present
    for (const c of shown) lines.push(`| ${c.id} ${c.name} | ${fmt(c.iou)} | ${fmt(c.acc)} | ${c.support} |`)
    lines.push('')
  }
  return lines.join('\n')
}

/**
 * Writes `probe.json` (what `--json` prints), `probe.md` and the plots (`probe-comparison` and
 * `probe-<variant>-iou` as SVG, PNG and the Vega-Lite spec) into `dir`, created if needed.
 * Returns the files written.
 */
export async function writeProbeReport(dir: string, r: Ade20kProbeResult): Promise<string[]> {
  const abs = makeOutDir(dir)
  const plots = [...(await writePlot(abs, 'probe-comparison', probeComparisonSpec(r)))]
  for (const v of r.variants) plots.push(...(await writePlot(abs, `probe-${v.variant}-iou`, probeClassesSpec(v))))
  writeJsonAtomic(join(abs, 'probe.json'), r)
  writeFileAtomic(join(abs, 'probe.md'), probeMarkdown(r, plots.filter((p) => p.endsWith('.svg'))))
  return ['probe.json', 'probe.md', ...plots]
}
