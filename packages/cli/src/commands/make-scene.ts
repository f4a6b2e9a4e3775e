import { parseOverride, PlafError, type Diagnostic } from '@plaf/core'
import { writeScene, type WriteSceneOptions } from '@plaf/datasets'
import { EXIT, printDiagnostics, type Io } from '../io.js'

/** Options of `plaf make-scene`. */
export interface MakeSceneOptions {
  frames?: number
  seed?: number
  objects?: number
  set?: string[]
}

/** `plaf make-scene <dir>`: a procedural scene in the ScanNet export layout. */
export async function makeSceneCommand(dir: string, o: MakeSceneOptions, io: Io): Promise<number> {
  const options: Record<string, unknown> = {}
  const bad: Diagnostic[] = []
  for (const arg of o.set ?? []) {
    const p = parseOverride(arg)
    if ('code' in p) bad.push(p)
    else options[p.path.join('.')] = p.value
  }
  if (bad.length) {
    printDiagnostics(io, bad)
    return EXIT.user
  }
  if (o.frames !== undefined) options.frames = o.frames
  if (o.seed !== undefined) options.seed = o.seed
  if (o.objects !== undefined) options.objects = o.objects
  try {
    const s = await writeScene(dir, options as Partial<WriteSceneOptions>, (p) => {
      if (p.phase === 'frames' && p.done > 0 && (p.done % 5 === 0 || p.done === p.total)) io.err(`[make-scene] ${p.done}/${p.total} frames written`)
    })
    io.out(`scene ${s.scene} written to ${s.dir}: ${s.frames} frames (invalid poses: ${s.invalidPoseFrames.join(', ') || 'none'}), ` +
      `${s.objects.length} objects (${s.objects.map((x) => x.name).join(', ')}), mesh ${s.vertices} vertices / ${s.faces} faces, ` +
      `${s.files} files, ${(s.bytes / 1e6).toFixed(1)} MB in ${(s.elapsedMs / 1000).toFixed(1)} s`)
    return EXIT.ok
  } catch (e) {
    if (e instanceof PlafError) {
      printDiagnostics(io, e.diagnostics)
      return EXIT.user
    }
    throw e
  }
}
