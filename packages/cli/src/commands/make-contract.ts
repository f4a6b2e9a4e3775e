import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ModelStore, PlafError, plafHome } from '@plaf/core'
import { writeRadioContractModel, writeSiglipTextContractModel } from '@plaf/backbone-radio/testing'
import { writeSamContractModel } from '@plaf/masker-sam/testing'
import { choiceDiagnostic } from '../flags.js'
import { EXIT, printDiagnostics, type Io } from '../io.js'

/**
 * The contract models, under the names pipelines/scannet.yaml opens. Each is the exact I/O of the
 * public export with random weights (SAM's decoder cuts flat-coloured regions around a point, so
 * its masks follow a generated scene's objects); version `0.0.0-contract`, below any real export's,
 * so a real model installed beside it is the one a pipeline naming the model opens.
 */
const CONTRACTS = {
  radio: { name: 'radio-v2.5-b', what: 'RADIOv2.5-B + SigLIP adaptor export I/O', write: (dir: string, version: string) => writeRadioContractModel(dir, { version }) },
  'siglip-text': { name: 'siglip-so400m-text', what: 'SigLIP so400m text tower export I/O', write: (dir: string, version: string) => writeSiglipTextContractModel(dir, { version }) },
  sam: { name: 'sam-vit-h', what: 'SAM transformers.js export I/O', write: (dir: string, version: string) => writeSamContractModel(dir, { version }) },
} as const
type Contract = keyof typeof CONTRACTS
export const CONTRACT_VERSION = '0.0.0-contract'
const CHOICES = [...(Object.keys(CONTRACTS) as Contract[]), 'all'] as const

interface MakeContractFlags {
  json?: boolean
}

/**
 * `plaf models make-contract <radio|siglip-text|sam|all>…`: writes the contract models and
 * imports them into the model store (PLAF_HOME), each marked `random_weights: true` in its
 * plaf-model.json, so `plaf run pipelines/scannet.yaml` runs end to end on a fresh machine (a run
 * that opens one warns PLAF_RANDOM_WEIGHTS). Making one again changes nothing.
 */
export async function modelsMakeContractCommand(which: string[], o: MakeContractFlags, io: Io): Promise<number> {
  for (const w of which) {
    const bad = choiceDiagnostic('make-contract', w, CHOICES, 'contract model')
    if (bad) return printDiagnostics(io, [bad], o.json), EXIT.user
  }
  const chosen = which.includes('all') ? (Object.keys(CONTRACTS) as Contract[]) : [...new Set(which as Contract[])]
  const store = new ModelStore(plafHome())
  const work = mkdtempSync(join(tmpdir(), 'plaf-contract-'))
  const rows: { contract: Contract; ref: string; dir: string; unchanged: boolean }[] = []
  try {
    for (const c of chosen) {
      const spec = CONTRACTS[c]
      const dir = join(work, c)
      spec.write(dir, CONTRACT_VERSION)
      const file = join(dir, 'plaf-model.json')
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>
      writeFileSync(file, JSON.stringify({
        ...manifest,
        description: `CONTRACT MODEL, RANDOM WEIGHTS (not ${spec.name}): the ${spec.what}, for trying a pipeline end to end; its results mean nothing. Made by plaf models make-contract.`,
        random_weights: true,
      }, null, 2) + '\n')
      const m = await store.import(dir, { layout: 'plaf' })
      rows.push({ contract: c, ref: m.ref, dir: m.dir, unchanged: m.unchanged === true })
    }
  } catch (e) {
    if (!(e instanceof PlafError)) throw e
    printDiagnostics(io, e.diagnostics, o.json)
    return EXIT.user
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  if (o.json) io.out(JSON.stringify(rows.map((r) => ({ ...r, random_weights: true })), null, 2))
  else {
    for (const r of rows) io.out(`${r.unchanged ? 'already installed' : 'installed'} ${r.ref} into ${r.dir}`)
    io.err(formatWarning(rows.map((r) => r.ref)))
  }
  return EXIT.ok
}

const formatWarning = (refs: string[]): string => [
  `warning: ${refs.join(', ')} ${refs.length === 1 ? 'is a contract model' : 'are contract models'} with RANDOM WEIGHTS (random_weights: true in plaf-model.json):`,
  '  the I/O of the real exports, for trying a pipeline end to end; features, masks and query scores mean nothing.',
  '  Every run that opens one warns PLAF_RANDOM_WEIGHTS (report.json). For real results: plaf models pull <name>, or tools/export/ and plaf models import <dir>.',
].join('\n')

