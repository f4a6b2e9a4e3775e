import { parseOverride, PlafError, type Diagnostic } from '@plaf/core'
import { SEQUENCE_FORMATS, writeScene, writeSyntheticSequence, type SequenceFormat, type WriteSceneOptions } from '@plaf/datasets'
import { choiceDiagnostic, flagValue } from '../flags.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'
import { userErrors } from '../user-errors.js'

/** Options of `plaf make-scene`: flag values as typed, checked against the scene schema. */
export interface MakeSceneOptions {
  frames?: string
  seed?: string
  objects?: string
  /** Also write `<scene>.sens` (ScanNet's raw format). */
  sens?: boolean
  /** `scannet` (default), or a sequence format: `rgbd-folder`, `replica`. */
  format?: string
  set?: string[]
}

/** `plaf make-scene <dir>`: a procedural scene in the ScanNet export layout. */
export async function makeSceneCommand(dir: string, o: MakeSceneOptions, io: Io): Promise<number> {
  const options: Record<string, unknown> = {}
  // The command-line text each option came from, so its errors point at the flag.
  const flags: Record<string, string> = {}
  const bad: Diagnostic[] = []
  for (const arg of o.set ?? []) {
    const p = parseOverride(arg)
    if ('code' in p) bad.push(p)
    else {
      options[p.path.join('.')] = p.value
      flags[p.path.join('.')] = `--set ${arg}`
    }
  }
  if (bad.length) {
    printDiagnostics(io, bad)
    return EXIT.user
  }
  for (const key of ['frames', 'seed', 'objects'] as const) {
    const raw = o[key]
    if (raw === undefined) continue
    options[key] = flagValue(raw)
    flags[key] = `--${key} ${raw}`
  }
  const format = o.format ?? 'scannet'
  const badFormat = choiceDiagnostic('--format', format, ['scannet', ...SEQUENCE_FORMATS], 'scene format')
  if (badFormat) {
    printDiagnostics(io, [badFormat])
    return EXIT.user
  }
  if (format !== 'scannet') {
    if (o.sens) {
      printDiagnostics(io, [{ code: 'PLAF_INVALID_OPTION', severity: 'error', message: `--sens writes a ScanNet .sens; it does not go with --format ${format}`, path: 'sens', source: '--sens' }])
      return EXIT.user
    }
    return userErrors(io, false, async () => {
      const s = await writeSyntheticSequence(dir, format as SequenceFormat, options, { flags })
      io.out(`${s.format} sequence written to ${s.dir}: ${s.frames} frames (invalid poses: ${s.invalidPoseFrames.join(', ') || 'none'}) in ${(s.elapsedMs / 1000).toFixed(1)} s`)
      if (s.cameraFile) io.out(s.cameraFile.written ? `shared camera written to ${s.cameraFile.file} (Replica keeps one cam_params.json for every sequence in that folder)` : `shared camera ${s.cameraFile.file} already holds this camera; left as it was`)
    })
  }
  if (o.sens) {
    options.sens = true
    flags.sens = '--sens'
  }
  try {
    const s = await writeScene(dir, options as Partial<WriteSceneOptions>, (p) => {
      if (p.phase === 'frames' && p.done > 0 && (p.done % 5 === 0 || p.done === p.total)) io.err(`[make-scene] ${p.done}/${p.total} frames written`)
    }, { flags })
    io.out(`scene ${s.scene} written to ${s.dir}: ${s.frames} frames (invalid poses: ${s.invalidPoseFrames.join(', ') || 'none'}), ` +
      `${s.objects.length} objects (${s.objects.map((x) => x.name).join(', ')}), mesh ${s.vertices} vertices / ${s.faces} faces, ` +
      `${s.files} files${o.sens ? ` (with ${s.scene}.sens)` : ''}, ${(s.bytes / 1e6).toFixed(1)} MB in ${(s.elapsedMs / 1000).toFixed(1)} s`)
    return EXIT.ok
  } catch (e) {
    if (e instanceof PlafError) {
      printDiagnostics(io, e.diagnostics)
      return EXIT.user
    }
    throw e
  }
}

