/** `config.resolved.yaml` and `manifest.json` of a run directory. */
import { existsSync, readFileSync } from 'node:fs'
import { availableParallelism, cpus, totalmem } from 'node:os'
import { join, resolve } from 'node:path'
import { stringify as toYaml } from 'yaml'
import type { SessionRecord } from '../backends/session-log.js'
import type { BackendChoice, TensorBackend } from '../backends/types.js'
import type { Diagnostic } from '../diagnostics.js'
import { recordedRandomWeights } from '../models/manifest.js'
import type { ModelRecord } from '../models/model-access.js'
import type { InputSource, StageInstance } from '../plugin.js'
import type { ResolvedPipeline, ResolvedStage } from '../pipeline/resolve.js'
import { writeFileAtomic, writeJsonAtomic } from '../util/atomic.js'
import { partialRun, partialRunWarning } from './partial-run.js'
import type { RunDir } from './run-dir.js'

/** What the manifest records about the opened stages. */
export interface ManifestSources {
  backend: TensorBackend
  choices: BackendChoice[]
  source: InputSource
  instances: readonly { stage: ResolvedStage; inst: StageInstance }[]
  /** The run's ONNX sessions as opened so far (the list grows; `finishManifest` writes it again). */
  sessions?: SessionRecord[]
  /** Models the stages opened (name, version, sha256 of the manifest and of each graph file, licence). */
  models?: readonly ModelRecord[]
}

/**
 * Writes `config.resolved.yaml` and `manifest.json` (with `ended_at: null`) at the start of a run,
 * and returns the manifest; `finishManifest` writes it again at the end.
 */
export function writeManifest(p: ResolvedPipeline, dir: RunDir, open: ManifestSources, started: Date, toolVersion = '0.0.0'): Record<string, unknown> {
  const { backend, choices, source, instances } = open
  const manifest: Record<string, unknown> = {
    tool: { name: 'plaf-ts', version: toolVersion },
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    machine: { cpus: availableParallelism(), cpu_model: cpus()[0]?.model ?? 'unknown', total_memory_bytes: totalmem() },
    pipeline: { name: p.name, file: p.file, base_dir: p.baseDir, files: p.files, config_hash: dir.configHash },
    input: { plugin: p.input.use, version: p.input.plugin.version, identity: source.identity, describe: source.describe, frames: source.frameCount },
    plugins: Object.fromEntries(p.stages.map((s) => [s.key, { plugin: s.use, kind: s.plugin.kind, version: s.plugin.version, package: s.plugin.package }])),
    fingerprints: Object.fromEntries(instances.filter((i) => i.inst.fingerprint).map((i) => [i.stage.key, i.inst.fingerprint])),
    tensor_backend: { chosen: backend.name, device: backend.device, candidates: choices satisfies BackendChoice[] },
    sessions: open.sessions ?? [],
    models: open.models ?? [],
    started_at: started.toISOString(),
    ended_at: null as string | null,
    resumed_from: dir.resumeFrom,
  }
  writeFileAtomic(join(dir.path, 'config.resolved.yaml'), `# Resolved by plaf from ${p.file}\n` + toYaml(p.config))
  writeJsonAtomic(join(dir.path, 'manifest.json'), manifest)
  return manifest
}

/** Stamps `ended_at` and writes manifest.json again. */
export function finishManifest(dir: RunDir, manifest: Record<string, unknown>): void {
  manifest.ended_at = new Date().toISOString()
  writeJsonAtomic(join(dir.path, 'manifest.json'), manifest)
}

/**
 * What a finished run's results must say before they are shown: one PLAF_RANDOM_WEIGHTS warning
 * (the text `plaf run` gives, {@link recordedRandomWeights}) per contract model with random
 * weights its manifest.json records, located at that file; and, when the run holds only part of
 * its input's frames (a `plaf run --shard i/n` directory, a `plaf merge` that left shards out:
 * {@link partialRun}), a PLAF_INPUT_INVALID warning with k of N frames and the merge to run
 * ({@link partialRunWarning}; `name` names the run in it, default `runDir` as given). `plaf query`
 * and `plaf view` print them; the viewer page shows them in a banner. Empty when the manifest is
 * missing or unreadable (opening the run reports that) or there is nothing to say. A shard.json
 * that is not JSON is a PLAF_INPUT_INVALID error naming it.
 */
export function runModelWarnings(runDir: string, name = runDir): Diagnostic[] {
  const dir = resolve(runDir)
  const file = join(dir, 'manifest.json')
  if (!existsSync(file)) return []
  let manifest: { models?: unknown } | null
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as { models?: unknown } | null
  } catch {
    return []
  }
  const out = recordedRandomWeights(manifest?.models, file)
  const partial = partialRun(dir, manifest)
  if (partial) out.push(partialRunWarning(name, partial))
  return out
}
