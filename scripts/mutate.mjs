#!/usr/bin/env node
// `npm run mutate`: Stryker over the numeric kernels and the file formats (stryker.config.json),
// then a small committed summary of its JSON report (reports/mutation/, git-ignored):
// docs/mutation-summary.json with per-file counts of each mutant status and the score Stryker
// prints, (killed + timeout) / (killed + timeout + survived + no coverage), plus the date, the
// commit the run started from, its wall time and the command. Prints the per-file table that
// docs/testing.md quotes. Extra arguments go to `stryker run` (e.g. --mutate <file>); a run over such
// a subset writes its summary to reports/mutation/summary.partial.json instead, so the committed
// whole-project summary is never replaced by a partial one.
// `node scripts/mutate.mjs --summary-only <report.json>…` only summarises reports (of runs over
// different files, e.g. `--mutate` subsets) into docs/mutation-summary.json; run details, if any,
// come as JSON in MUTATION_RUNS.
import { execSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'

const STATUSES = ['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError', 'RuntimeError', 'Ignored']

const git = (cmd) => {
  try {
    return execSync(`git ${cmd}`, { encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}

function score(c) {
  const detected = c.Killed + c.Timeout
  const valid = detected + c.Survived + c.NoCoverage
  return valid === 0 ? null : Math.round((10000 * detected) / valid) / 100
}

function summarise(reportPaths, outPath, runs) {
  const zero = () => Object.fromEntries(STATUSES.map((s) => [s, 0]))
  const total = zero()
  const files = {}
  const entries = reportPaths.flatMap((p) => Object.entries(JSON.parse(readFileSync(p, 'utf8')).files))
  for (const [file, { mutants }] of entries.sort(([a], [b]) => a.localeCompare(b))) {
    const c = zero()
    for (const m of mutants) {
      c[m.status]++
      total[m.status]++
    }
    files[file] = { ...c, score: score(c) }
  }
  writeFileSync(outPath, JSON.stringify({ runs, total: { ...total, score: score(total) }, files }, null, 2) + '\n')
  console.log('| file | score % | killed | timeout | survived | no coverage |\n|---|---:|---:|---:|---:|---:|')
  for (const [f, c] of [...Object.entries(files), ['**all files**', { ...total, score: score(total) }]]) {
    console.log(`| ${f.replace(/^packages\//, '')} | ${c.score ?? '–'} | ${c.Killed} | ${c.Timeout} | ${c.Survived} | ${c.NoCoverage} |`)
  }
  console.log(`\nwrote ${outPath}: ${score(total)} % over ${Object.keys(files).length} files`)
}

const args = process.argv.slice(2)
if (args[0] === '--summary-only') {
  const reports = args.length > 1 ? args.slice(1) : ['reports/mutation/mutation.json']
  summarise(reports, 'docs/mutation-summary.json', JSON.parse(process.env.MUTATION_RUNS ?? '[]'))
} else {
  const started = new Date()
  const commit = git('rev-parse --short HEAD')
  // Uncommitted changes to what is mutated or tested make the recorded commit approximate.
  const dirty = git('status --porcelain -- packages/*/src/kernels packages/core/src/formats packages/*/test')
  const status = spawnSync('npx', ['stryker', 'run', ...args], { stdio: 'inherit' }).status ?? 1
  const minutes = Math.round((Date.now() - started.getTime()) / 600) / 100
  if (status !== 0) process.exit(status)
  // A run over a subset (`--mutate <file>`) must not replace the committed whole-project summary:
  // its summary goes beside the report; merge it with --summary-only when it is meant to count.
  const partial = args.some((a) => a === '--mutate' || a.startsWith('--mutate=') || a === '-m')
  summarise(['reports/mutation/mutation.json'], partial ? 'reports/mutation/summary.partial.json' : 'docs/mutation-summary.json', [{
    date: started.toISOString(), commit, uncommitted: dirty ? dirty.split('\n').map((l) => l.trim()) : [],
    command: ['npm run mutate', ...args].join(' '), minutes,
  }])
}
