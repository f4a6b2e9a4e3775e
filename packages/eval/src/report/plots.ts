import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TopLevelSpec } from 'vega-lite'
import type { ClassSet } from '../classes.js'
import type { ConfusionMatrix } from '../metrics/confusion.js'
import type { SegmentationScores } from '../metrics/scores.js'

/**
 * Plots are Vega-Lite specifications compiled to Vega and rendered to SVG headless (no browser,
 * no canvas: Vega's SVG string renderer), then rasterised to PNG by sharp (librsvg). The specs
 * are data, so each plot's `.vl.json` is written beside it for anyone to restyle.
 */

/** Renders a Vega-Lite spec to an SVG string. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  // vega and vega-lite load on first use: importing them costs ~0.2 s of CPU, and every plaf command loads this package
  const [{ View, parse }, { compile }] = await Promise.all([import('vega'), import('vega-lite')])
  const view = new View(parse(compile(spec).spec), { renderer: 'none' })
  try {
    return await view.toSVG()
  } finally {
    view.finalize()
  }
}

/** Writes `<name>.svg`, `<name>.png` (2× density) and `<name>.vl.json` into `dir`; returns the file names. */
export async function writePlot(dir: string, name: string, spec: TopLevelSpec): Promise<string[]> {
  const svg = await renderSvg(spec)
  writeFileSync(join(dir, `${name}.svg`), svg)
  const sharp = (await import('sharp')).default // on first use, as vega
  await sharp(Buffer.from(svg), { density: 144 }).png().toFile(join(dir, `${name}.png`))
  writeFileSync(join(dir, `${name}.vl.json`), JSON.stringify(spec, null, 2) + '\n')
  return [`${name}.svg`, `${name}.png`, `${name}.vl.json`]
}

const FONT = { config: { font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif', view: { stroke: null } } } as const

/** Horizontal bars of per-class IoU (%), classes in the set's order; absent classes are listed in the subtitle. */
export function perClassIouSpec(set: ClassSet, s: SegmentationScores, title: string): TopLevelSpec {
  const values = s.classes.filter((c) => c.iou !== null).map((c) => ({ class: set.names[c.index], iou: +(100 * (c.iou as number)).toFixed(2), support: c.support }))
  const absent = s.absent.map((i) => set.names[i])
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: `mIoU ${s.miou === null ? '-' : (100 * s.miou).toFixed(1)} %${absent.length ? ` · absent from GT (not in the mean): ${absent.slice(0, 8).join(', ')}${absent.length > 8 ? ` +${absent.length - 8}` : ''}` : ''}` },
    data: { values },
    width: 420,
    height: { step: 16 },
    layer: [
      { mark: { type: 'bar', color: '#4c78a8' }, encoding: { y: { field: 'class', type: 'nominal', sort: null, title: null }, x: { field: 'iou', type: 'quantitative', title: 'IoU (%)', scale: { domain: [0, 100] } } } },
      { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { y: { field: 'class', type: 'nominal', sort: null }, x: { field: 'iou', type: 'quantitative' }, text: { field: 'iou', type: 'quantitative', format: '.1f' } } },
    ],
    ...FONT,
  } as TopLevelSpec
}

/** Heat map of the confusion matrix, each ground-truth row normalised to fractions (the outside column included). */
export function confusionSpec(set: ClassSet, cm: ConfusionMatrix, title: string): TopLevelSpec {
  const k = cm.classes
  const cols = [...set.names, 'outside / none']
  const values: { gt: string; pred: string; fraction: number; count: number }[] = []
  for (let g = 0; g < k; g++) {
    let row = 0
    for (let p = 0; p <= k; p++) row += cm.counts[g * (k + 1) + p]
    if (row === 0) continue
    for (let p = 0; p <= k; p++) {
      const c = cm.counts[g * (k + 1) + p]
      if (c > 0) values.push({ gt: set.names[g], pred: cols[p], fraction: +(c / row).toFixed(4), count: c })
    }
  }
  // rows: classes in the ground truth; columns: those and every class predicted, then "outside"
  const rowSums = new Float64Array(k), colSums = new Float64Array(k + 1)
  for (let g = 0; g < k; g++) for (let p = 0; p <= k; p++) { rowSums[g] += cm.counts[g * (k + 1) + p]; colSums[p] += cm.counts[g * (k + 1) + p] }
  const rows = set.names.filter((_, g) => rowSums[g] > 0)
  const columns = [...cols.filter((_, p) => p < k && (rowSums[p] > 0 || colSums[p] > 0)), cols[k]]
  const cell = columns.length > 60 ? 4 : columns.length > 25 ? 10 : 18
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: title, subtitle: 'rows: ground truth (fraction of the row); columns: prediction; classes absent from both left out' },
    data: { values },
    width: { step: cell },
    height: { step: cell },
    mark: 'rect',
    encoding: {
      x: { field: 'pred', type: 'nominal', scale: { domain: columns }, title: 'predicted', axis: columns.length > 60 ? { labels: false, ticks: false } : { labelAngle: -60 } },
      y: { field: 'gt', type: 'nominal', scale: { domain: rows }, title: 'ground truth', axis: rows.length > 60 ? { labels: false, ticks: false } : {} },
      color: { field: 'fraction', type: 'quantitative', scale: { scheme: 'blues', domain: [0, 1] }, title: 'fraction' },
    },
    ...FONT,
  } as TopLevelSpec
}

/** Storage against mIoU for a sweep: one point per variant, told apart by colour and shape (legend below), bytes on a log axis. */
export function storageSpec(rows: { variant: string; bytes: number; miou: number | null }[], title: string, bytesTitle: string): TopLevelSpec {
  const values = rows.filter((r) => r.miou !== null && r.bytes > 0).map((r) => ({ variant: r.variant, kb: +(r.bytes / 1000).toFixed(1), miou: +(100 * (r.miou as number)).toFixed(2) }))
  const legend = { orient: 'bottom', direction: 'vertical', title: 'variant', labelLimit: 600 }
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    data: { values },
    width: 420,
    height: 280,
    mark: { type: 'point', filled: true, size: 120, opacity: 0.85 },
    encoding: {
      x: { field: 'kb', type: 'quantitative', scale: { type: 'log' }, title: bytesTitle },
      y: { field: 'miou', type: 'quantitative', title: 'mIoU (%)', scale: { zero: false, padding: 12 } },
      color: { field: 'variant', type: 'nominal', legend },
      shape: { field: 'variant', type: 'nominal', legend },
      tooltip: [{ field: 'variant' }, { field: 'kb', title: 'kB' }, { field: 'miou', title: 'mIoU %' }],
    },
    ...FONT,
  } as TopLevelSpec
}
