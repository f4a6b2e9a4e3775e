import { type Diagnostic, PlafError, diagnostic } from '../diagnostics.js'
import type { ResolvedPipeline, ResolvedStage } from '../pipeline/resolve.js'
import { PORT_SCOPES, type Frame, type PortName, checkPort } from '../ports.js'
import type { PluginContext, PortRecord, PortsOf, StageInstance } from '../plugin.js'
import type { RunReport } from './report.js'
import { wrapError } from './stats.js'

/** A storage codec of a finished run, opened to read back what it stored. */
export interface StoredReader {
  stage: ResolvedStage
  inst: StageInstance & { read: NonNullable<StageInstance['read']> }
}

/** PLAF_RUN_NOT_QUERYABLE: the run cannot be queried as asked. */
export const notQueryable = (message: string, rest: Partial<Diagnostic> = {}): PlafError =>
  new PlafError(diagnostic('PLAF_RUN_NOT_QUERYABLE', message, rest))

/** Runs `f` as `stage` did in the run: what it throws is wrapped like the runtime does (`wrapError`). */
export async function asStage<T>(stage: ResolvedStage, frame: string | undefined, f: () => T | Promise<T>): Promise<T> {
  try {
    return await f()
  } catch (e) {
    throw wrapError(e, stage, frame)
  }
}

/** True when a codec's read failed only because it never stored this frame. */
export function isNotStored(e: unknown, frame: string): boolean {
  return e instanceof PlafError && e.diagnostics.every((d) => d.code === 'PLAF_FILE_NOT_FOUND' && d.frame === frame)
}

const cmp = (a: number, b: number): number => (a < b ? -1 : a > b ? 1 : 0)

/** Frames stored and bytes per stored frame, as the codec reported them (`frames`, `bytes` metrics). */
function storedFigures(report: RunReport, key: string): { frames: number; perFrame: number } {
  const m = report.stages?.[key]?.metrics ?? {}
  const frames = m.frames ?? report.frames?.processed ?? 0
  return { frames, perFrame: m.bytes !== undefined && frames > 0 ? m.bytes / frames : Infinity }
}

/**
 * Opens the codec of `kind` to read the run's stored values back for `querier`: only stages whose
 * instance has `read` and that store a port type the querier takes in that scope (2D: frame, 3D:
 * scene) qualify. The stage named by the caller wins (an error if it does not qualify); otherwise
 * the one that stored the most frames, then the fewest bytes per frame (from the run's report),
 * then the first in the pipeline. Returns undefined when none qualifies.
 */
export async function openStoredReader(
  p: ResolvedPipeline, kind: 'storage2d' | 'storage3d', named: string | undefined, querier: ResolvedStage,
  report: RunReport, ctxFor: (stage: ResolvedStage) => PluginContext, configFile: string,
): Promise<StoredReader | undefined> {
  const scope = kind === 'storage2d' ? 'frame' : 'scene'
  const wanted = new Set(Object.values(querier.plugin.inputs).filter((t) => t !== 'Frame' && PORT_SCOPES[t] === scope))
  const ofKind = p.stages.filter((s) => s.plugin.kind === kind)
  let candidates = ofKind
  if (named !== undefined) {
    const s = ofKind.find((x) => x.key === named)
    if (!s) {
      throw notQueryable(`the run has no ${kind} stage "${named}"`, {
        file: configFile, actual: named, expected: ofKind.length ? `one of ${ofKind.map((x) => x.key).join(', ')}` : `a ${kind} stage`,
      })
    }
    candidates = [s]
  }
  candidates = candidates.filter((s) => Object.values(s.plugin.inputs).some((t) => wanted.has(t)))
  if (named !== undefined && !candidates.length) {
    throw notQueryable(`${kind} stage "${named}" (${ofKind.find((x) => x.key === named)!.use}) stores nothing querier "${querier.key}" reads`, {
      file: configFile, expected: [...wanted].join(' or ') || `no ${scope} input`,
    })
  }
  const opened: StoredReader[] = []
  try {
    for (const s of candidates) {
      const inst = await asStage(s, undefined, () => s.plugin.create(structuredClone(s.options), ctxFor(s)))
      if (inst.read) opened.push({ stage: s, inst: inst as StoredReader['inst'] })
      else await inst.dispose?.()
    }
  } catch (e) {
    for (const o of opened) await o.inst.dispose?.()
    throw e
  }
  if (named !== undefined && !opened.length) {
    throw notQueryable(`${kind} stage "${named}" (${candidates[0].use}) cannot read back what it stored: its plugin has no read()`, { file: configFile })
  }
  const rank = new Map(opened.map((o) => [o, storedFigures(report, o.stage.key)]))
  opened.sort((a, b) => rank.get(b)!.frames - rank.get(a)!.frames || cmp(rank.get(a)!.perFrame, rank.get(b)!.perFrame))
  for (const o of opened.slice(1)) await o.inst.dispose?.()
  return opened[0]
}

/**
 * The querier's inputs for one call: `Frame` ports get `frame`; other ports of `scope` get the
 * value of the same port type that `reader.read` returned (checked with `checkPort`). Ports the
 * stored values cannot feed are left out, as for a port a run leaves unconnected.
 */
export function storedInputs(
  querier: ResolvedStage, scope: 'frame' | 'scene', reader: StoredReader, stored: PortRecord, frame?: Frame,
): PortsOf<Record<string, PortName>> {
  const out: PortRecord = {}
  for (const [port, type] of Object.entries(querier.plugin.inputs) as [string, PortName][]) {
    if (type === 'Frame') {
      if (frame) out[port] = frame
      continue
    }
    if (PORT_SCOPES[type] !== scope) continue
    const from = Object.entries(reader.stage.plugin.inputs).find(([, t]) => t === type)?.[0]
    if (from === undefined) continue
    const bad = checkPort(type, stored?.[from])
    if (bad) {
      const { key, use } = reader.stage
      throw new PlafError(diagnostic('PLAF_PORT_VALUE_INVALID', `stage ${key} (${use})${frame ? ` frame ${frame.id}` : ''}: read() gave no valid ${type} as "${from}": ${bad}`, {
        stage: key, plugin: use, frame: frame?.id,
      }))
    }
    out[port] = stored[from]
  }
  return out as PortsOf<Record<string, PortName>>
}
