import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import {
  PlafError, createStandaloneContext, diagnostic, hasErrors, resolvePipeline, selectTensorBackend, validateOptions,
  type ResolvedStage, type StageInstance,
} from '@plaf/core'
import { builtinRegistry } from '../builtins.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'

/** Options of `plaf query`. */
export interface QueryOptions {
  text: string[]
  out?: string
  threshold?: number
  json?: boolean
}

const noRc = (frame?: { id: string; index: number }) => ({ frame, metric: () => {}, warn: () => {} })

/**
 * `plaf query <run-dir> --text T…`: embeds the texts with the run's text encoder and scores the
 * stored 2D memories and 3D map, reading them with the run's own storage codecs; no backbone,
 * masker or aggregator runs. Outputs go to `<run-dir>/queries` (or --out).
 */
export async function queryCommand(runDir: string, o: QueryOptions, io: Io): Promise<number> {
  const dir = resolve(runDir)
  if (!o.text.length) throw new PlafError(diagnostic('PLAF_INVALID_OVERRIDE', 'plaf query needs at least one --text', { source: `plaf query ${runDir}` }))
  const configFile = join(dir, 'config.resolved.yaml')
  const manifestFile = join(dir, 'manifest.json')
  for (const f of [configFile, manifestFile, join(dir, 'report.json')]) {
    if (!existsSync(f)) throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `${dir} is not a finished run: ${f} is missing`, { file: f }))
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { pipeline: { base_dir: string } }
  const r = await resolvePipeline(configFile, builtinRegistry())
  printDiagnostics(io, r.diagnostics)
  if (!r.pipeline || hasErrors(r.diagnostics)) return EXIT.user
  const p = { ...r.pipeline, baseDir: manifest.pipeline.base_dir }
  const byKind = (kind: string) => p.stages.find((s) => s.plugin.kind === kind)
  const querier = byKind('querier')
  const store2d = p.stages.find((s) => s.plugin.kind === 'storage2d' && s.use === 'mask-indexed') ?? byKind('storage2d')
  const store3d = byKind('storage3d')
  if (!querier) throw new PlafError(diagnostic('PLAF_INVALID_PIPELINE', `the run in ${dir} has no querier stage, so its text encoder is unknown`, { file: configFile }))
  const { backend } = await selectTensorBackend(p.runtime.tensor_backend)
  const outDir = resolve(o.out ?? join(dir, 'queries'))
  const ctxFor = (s: ResolvedStage | undefined, out?: string) =>
    ({ ...createStandaloneContext({ stage: s?.key ?? 'input', runDir: dir, baseDir: p.baseDir, tensor: backend, plugins: p.registry.list() }), ...(out ? { outDir: out } : {}) })
  const opened: StageInstance[] = []
  const open = async (s: ResolvedStage, options: Record<string, unknown>, out?: string) => {
    const inst = await s.plugin.create(options, ctxFor(s, out))
    opened.push(inst)
    return inst
  }
  try {
    const qOptions = validateOptions(querier.plugin, { ...querier.options, queries: o.text, ...(o.threshold !== undefined ? { threshold: o.threshold } : {}) })
    if (!qOptions.ok) throw new PlafError(diagnostic('PLAF_INVALID_OPTION', `query options: ${qOptions.errors.map((e) => `${e.instancePath} ${e.message}`).join('; ')}`))
    const t0 = performance.now()
    const q = await open(querier, qOptions.value, outDir)
    const s2 = store2d ? await open(store2d, store2d.options) : undefined
    const s3 = store3d ? await open(store3d, store3d.options) : undefined
    let frames = 0
    if (s2?.read) {
      const source = await p.input.plugin.create(structuredClone(p.input.options), ctxFor(undefined))
      try {
        for await (const frame of source.frames()) {
          const stored = await s2.read({ id: frame.id }).catch(() => undefined)
          if (!stored) continue
          await q.run({ frame, memory: stored.memory } as never, noRc({ id: frame.id, index: frame.index }))
          frames++
        }
      } finally {
        await source.dispose?.()
      }
    }
    if (s3?.read && q.finish) await q.finish({ map: (await s3.read()).map }, noRc())
    const ms = performance.now() - t0
    const scoresFile = join(outDir, 'scores.json')
    const scores = existsSync(scoresFile) ? JSON.parse(readFileSync(scoresFile, 'utf8')) : {}
    if (o.json) io.out(JSON.stringify({ out: outDir, frames, ms, scores }, null, 2))
    else io.out(`queried ${o.text.map((t) => JSON.stringify(t)).join(', ')} on ${frames} stored frames${s3 ? ' and the 3D map' : ''} in ${ms.toFixed(0)} ms (no features recomputed)\noutputs: ${outDir}`)
    return EXIT.ok
  } finally {
    for (const i of opened) await i.dispose?.()
    await backend.dispose()
  }
}
