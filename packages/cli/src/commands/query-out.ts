import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path'
import { PlafError, diagnostic, processAlive, type Diagnostic } from '@plaf/core'

/** The manifest plaf query writes into its output directory: what it wrote there, so the next query there knows it. */
export const QUERY_MANIFEST = 'query.json'

/** Files a run directory holds: a query output directory that holds one is refused (outputs would mix with that run). */
const RUN_FILES = ['manifest.json', 'progress.json', 'config.resolved.yaml']

/**
 * What a query's output directory holds now and what replacing it will do, decided before the
 * query runs and without touching anything (see {@link checkQueryOut}).
 */
export interface QueryOutPlan {
  /** The output directory (absolute). */
  out: string
  /** Whether it exists now (it is then replaced as a whole when the new query succeeds). */
  exists: boolean
  /** The notes to print once the new query has replaced what the directory held. */
  notes: Diagnostic[]
}

/**
 * Decides whether a query may write to `out` and what that replaces, touching nothing: `out`
 * must not be (or hold) the run directory nor the run's own querier directory, and must not be a
 * run directory (PLAF_INVALID_OPTION, PLAF_RUN_DIR_USED); what it holds must be an earlier plaf
 * query's outputs (the names its query.json lists, or everything beside a scores.json written
 * before query.json existed, or a query that failed or was stopped: its query.json without a list),
 * else it is refused (PLAF_RUN_DIR_USED) unless `overwrite`, which lets the new query replace it.
 * Nothing is deleted here: {@link commitQueryOut} swaps the new query in once it has succeeded.
 */
export function checkQueryOut(out: string, runDir: string, overwrite: boolean, querierKey?: string): QueryOutPlan {
  const run = resolve(runDir)
  const rel = relative(out, run)
  const own = querierKey !== undefined && out === join(run, querierKey)
  if (own || rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel))) {
    const how = own ? `is the run's own querier output directory in` : rel === '' ? 'is' : 'contains'
    throw new PlafError(diagnostic('PLAF_INVALID_OPTION', `--out ${out} ${how} the run directory ${runDir}: a query replaces its output directory`, {
      path: 'out', source: `--out ${out}`, hint: 'give --out a directory of its own (default <run-dir>/queries)',
    }))
  }
  if (!existsSync(out)) return { out, exists: false, notes: [] }
  let entries: string[]
  try {
    entries = readdirSync(out)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new PlafError(diagnostic(code === 'ENOTDIR' ? 'PLAF_INVALID_OPTION' : 'PLAF_RUN_DIR_USED', code === 'ENOTDIR' ? `--out ${out} is a file, not a directory` : `--out ${out} cannot be read (${code ?? (e as Error).message})`, {
      path: 'out', file: out, hint: 'give --out a directory of its own (default <run-dir>/queries)', cause: e,
    }))
  }
  const runFiles = RUN_FILES.filter((f) => entries.includes(f))
  if (runFiles.length) {
    throw new PlafError(diagnostic('PLAF_RUN_DIR_USED', `--out ${out} is a run directory (it holds ${runFiles.join(', ')}): query outputs would mix with that run`, {
      path: 'out', file: out, hint: 'give --out a directory of its own (default <run-dir>/queries)',
    }))
  }
  type Earlier = { files?: unknown; texts?: unknown; labels?: unknown }
  let earlier: Earlier | null = null
  try {
    earlier = entries.includes(QUERY_MANIFEST) ? (JSON.parse(readFileSync(join(out, QUERY_MANIFEST), 'utf8')) as Earlier) : null
  } catch {
    earlier = null
  }
  // an earlier plaf query's outputs: the names its query.json lists (plain names at the top of
  // `out`), or everything (a query.json without a list: a query that failed or was stopped before
  // query outputs were staged; a scores.json without query.json: written before query.json existed)
  const listed = earlier && Array.isArray(earlier.files)
    ? new Set([QUERY_MANIFEST, ...earlier.files.filter((f): f is string => typeof f === 'string')])
    : earlier || entries.includes('scores.json') ? new Set(entries) : new Set<string>()
  const foreign = entries.filter((f) => !listed.has(f))
  const notes: Diagnostic[] = []
  if (entries.length > foreign.length) {
    const what = [...(Array.isArray(earlier?.texts) ? earlier!.texts as unknown[] : []), ...(Array.isArray(earlier?.labels) ? earlier!.labels as unknown[] : [])].map((t) => JSON.stringify(t)).join(', ')
    notes.push(diagnostic('PLAF_RUN_DIR_USED', `cleared ${out}, which held an earlier query's outputs${what ? ` (${what})` : ''}`, { severity: 'info', file: out }))
  }
  if (!foreign.length) return { out, exists: true, notes }
  if (!overwrite) {
    throw new PlafError(diagnostic('PLAF_RUN_DIR_USED', `--out ${out} holds files no earlier plaf query recorded writing (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', …' : ''}); the new query's outputs would mix with them`, {
      path: 'out', file: out, hint: 'choose another --out, or add --overwrite to delete what it holds first',
    }))
  }
  notes.push(diagnostic('PLAF_RUN_DIR_USED', `--overwrite: cleared ${out} (${foreign.length} entr${foreign.length === 1 ? 'y' : 'ies'} no query wrote)`, { severity: 'info', file: out }))
  return { out, exists: true, notes }
}

/** The hidden siblings of `out` a query stages its outputs in (`new`) and moves the replaced directory to (`old`). */
function siblingPrefix(out: string, what: 'new' | 'old', pid = process.pid): string {
  return join(dirname(out), `.${basename(out)}.plaf-query-${what}-${pid}-`)
}

/**
 * Puts right what a plaf query killed half-way left beside `out` (its process is gone): a staged
 * new query is deleted; a previous query moved aside for the swap is moved back when `out` is
 * missing (the kill fell between the two renames), else deleted. Returns info notes.
 */
export function recoverQueryOut(out: string): Diagnostic[] {
  const parent = dirname(out)
  if (!existsSync(parent)) return []
  const pattern = new RegExp(`^\\.${basename(out).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.plaf-query-(new|old)-(\\d+)-`)
  const notes: Diagnostic[] = []
  // the moved-aside previous query first, so a missing `out` gets it back
  const found = readdirSync(parent).map((f) => ({ f, m: pattern.exec(f) })).filter((x) => x.m && !processAlive(Number(x.m[2])))
  for (const { f, m } of found.sort((a, b) => (a.m![1] === 'old' ? 0 : 1) - (b.m![1] === 'old' ? 0 : 1))) {
    const p = join(parent, f)
    if (m![1] === 'old' && !existsSync(out)) {
      renameSync(p, out)
      notes.push(diagnostic('PLAF_RUN_DIR_USED', `restored ${out} from ${p}: a plaf query (process ${m![2]}) was stopped while replacing it`, { severity: 'info', file: out }))
    } else {
      rmSync(p, { recursive: true, force: true })
    }
  }
  return notes
}

/** Creates the hidden sibling directory of `out` a new query writes to (the parent is created if missing). */
export function stageQueryOut(out: string): string {
  mkdirSync(dirname(out), { recursive: true })
  return mkdtempSync(siblingPrefix(out, 'new'))
}

/**
 * Swaps the staged query in: `out` (when it exists) is renamed aside, `staged` renamed to `out`,
 * the old directory deleted. Both renames stay on one filesystem (siblings); if the second fails
 * the old directory is renamed back. A directory that cannot be renamed (a mount point) has its
 * entries replaced instead. Give it `out` with symbolic links resolved (a link would be replaced
 * by a directory).
 */
export function commitQueryOut(plan: QueryOutPlan, staged: string): void {
  const { out } = plan
  if (!existsSync(out)) {
    renameSync(staged, out)
    return
  }
  // `out` itself cannot move (a mount point): what it holds is replaced entry by entry (each
  // entry's rename is atomic, the whole is not)
  const replaceEntries = (): void => {
    for (const f of readdirSync(out)) rmSync(join(out, f), { recursive: true, force: true })
    for (const f of readdirSync(staged)) renameSync(join(staged, f), join(out, f))
    rmSync(staged, { recursive: true, force: true })
  }
  const old = mkdtempSync(siblingPrefix(out, 'old'))
  rmSync(old, { recursive: true })
  try {
    renameSync(out, old)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    if (code !== 'EBUSY' && code !== 'EPERM' && code !== 'EXDEV') throw e
    return replaceEntries()
  }
  try {
    renameSync(staged, out)
  } catch (e) {
    renameSync(old, out)
    throw e
  }
  rmSync(old, { recursive: true, force: true })
}
