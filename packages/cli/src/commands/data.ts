import { DATASET_FORMATS, INSPECT_FORMATS, convertToRgbdFolder, inspectDataset, type DatasetFormat, type InspectReport } from '@plaf/datasets'
import type { Diagnostic } from '@plaf/core'
import { choiceDiagnostic } from '../flags.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'
import { userErrors } from '../user-errors.js'

/** Flags of `plaf data inspect`. */
export interface DataInspectOptions {
  format?: string
  json?: boolean
  /** Decode only the first usable frame (inspectDataset's `quick`). */
  quick?: boolean
  /** A .sens cut short: read the complete frames before the cut (inspectDataset's `skipDamaged`; commander sets it from --no-skip-damaged, default true). */
  skipDamaged?: boolean
}

/** Values `--format` takes: `auto` and every format name (those without a reader say so when used). */
export const FORMAT_CHOICES: readonly string[] = ['auto', ...DATASET_FORMATS]

/** A bad `--format`: `unknown data format "x"`, with the formats that have a reader in the hint. */
function formatChoice(format: string): Diagnostic | undefined {
  const bad = choiceDiagnostic('--format', format, FORMAT_CHOICES, 'data format')
  return bad && { ...bad, hint: [bad.hint, `formats with a reader so far: ${INSPECT_FORMATS.join(', ')}`].filter(Boolean).join('; ') }
}

const size = (s: { width: number; height: number } | null): string => (s ? `${s.width}×${s.height}` : 'none')
/** A measured value as printed: 10 significant digits, so float noise (318.90495999999996) reads as the value (318.90496). */
const num = (v: number): string => String(Number(v.toPrecision(10)))
const pin = (k: { fx: number; fy: number; cx: number; cy: number }): string => `fx ${num(k.fx)} fy ${num(k.fy)} cx ${num(k.cx)} cy ${num(k.cy)}`

/** The text form of an inspect report. */
export function formatInspectReport(r: InspectReport): string {
  const scale = r.intrinsics?.depth_scale == null ? 'metres' : `${r.intrinsics.depth_scale} units per metre`
  const lines = [
    `format       ${r.format}`,
    `frames       ${r.frames} (${r.usable} usable, ${r.skipped.length} skipped)`,
    `colour       ${size(r.color)}${r.format === 'ade20k' ? ' (the first image; sizes vary)' : ''}`,
    `depth        ${size(r.depth)}${r.depth ? `, ${scale}` : ''}`,
    `intrinsics   ${r.intrinsics ? `colour ${pin(r.intrinsics.color)}` : 'none (images without a camera)'}`,
    ...(r.intrinsics?.depth ? [`             depth  ${pin(r.intrinsics.depth)}`] : []),
    ...(r.intrinsics?.distortion ? [`distortion   k1 k2 p1 p2 k3 = ${r.intrinsics.distortion.coefficients.map(num).join(' ')}, ${r.intrinsics.distortion.corrected ? `corrected: frames are undistorted (border pixels moved up to ${r.intrinsics.distortion.max_shift_px} px)` : `NOT corrected: border pixels up to ${r.intrinsics.distortion.max_shift_px} px off`}`] : []),
    `labels       ${r.labels ? `${r.labels.found.length} ids found (${r.labels.set}); unknown: ${r.labels.unknown.join(', ') || 'none'}` : 'none'}`,
    ...(r.labels?.mesh ? [`mesh labels  ${r.labels.mesh.found.length} NYU40 ids on ${r.labels.mesh.vertices} vertices (${r.labels.mesh.file}); unknown: ${r.labels.mesh.unknown.join(', ') || 'none'}`] : []),
  ]
  if (r.skipped.length) {
    lines.push('skipped:')
    for (const s of r.skipped) lines.push(`  frame ${s.frame}  ${s.file}: ${s.reason}`)
  }
  for (const n of r.notes ?? []) lines.push(`note         ${n}`)
  if (r.not_checked) {
    lines.push('not checked (--quick):')
    for (const s of r.not_checked) lines.push(`  ${s}`)
  }
  return lines.join('\n')
}

/**
 * `plaf data inspect <path>`: reads the whole data set as `plaf run` would (same reader, same
 * frame checks, every frame decoded; with `--quick` only the first) and reports it. Exit 0 when the data could be read (skips
 * included), 1 when it cannot, with the error naming the file.
 */
export async function dataInspectCommand(path: string, o: DataInspectOptions, io: Io): Promise<number> {
  const format = o.format ?? 'auto'
  const bad = formatChoice(format)
  if (bad) {
    printDiagnostics(io, [bad], o.json)
    return EXIT.user
  }
  return userErrors(io, o.json, async () => {
    const report = await inspectDataset(path, format as DatasetFormat | 'auto', (done, total) => {
      if (!o.json && done % 100 === 0) io.err(`[inspect] ${done}/${total} frames read`)
    }, { quick: o.quick ?? false, skipDamaged: o.skipDamaged ?? true })
    io.out(o.json ? JSON.stringify(report, null, 2) : formatInspectReport(report))
  })
}


/** Flags of `plaf data convert`. */
export interface DataConvertOptions {
  to: string
  format?: string
  json?: boolean
}

/**
 * `plaf data convert <src> --to rgbd-folder <dir>`: reads any supported data set with its reader
 * (the frames `plaf run` would use) and writes it losslessly as an rgbd-folder.
 */
export async function dataConvertCommand(src: string, dir: string, o: DataConvertOptions, io: Io): Promise<number> {
  const format = o.format ?? 'auto'
  const bad = choiceDiagnostic('--to', o.to, ['rgbd-folder'], 'output format') ??
    formatChoice(format)
  if (bad) {
    printDiagnostics(io, [bad], o.json)
    return EXIT.user
  }
  return userErrors(io, o.json, async () => {
    const s = await convertToRgbdFolder(src, dir, format as DatasetFormat | 'auto')
    if (o.json) io.out(JSON.stringify(s, null, 2))
    else {
      io.out(`${s.from} ${src} → rgbd-folder ${s.dir}: ${s.frames} frames written` +
        `${s.skipped.length ? `, ${s.skipped.length} skipped as plaf run would (plaf data inspect ${src} lists why)` : ''}` +
        `${s.depthOutOfRange ? `, ${s.depthOutOfRange} depth pixels beyond the 16-bit range written as 0` : ''}` +
        `${s.distortion ? `; the source's lens distortion (k1 k2 p1 p2 k3 = ${s.distortion.coefficients.map(num).join(' ')}, up to ${s.distortion.max_shift_px} px at the border) is ${s.distortion.corrected ? 'corrected: the frames written are undistorted' : 'NOT corrected in what was written'}` : ''}`)
    }
  })
}
