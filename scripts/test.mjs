#!/usr/bin/env node
// The project's test command (README "Run the tests"): lint, typecheck and build every package
// through Nx, then one root vitest run over all packages and test/. Ends with the plain line
// "N passed, N failed" taken from vitest's JSON reporter, and exits non-zero on any failure.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

const env = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' }
const run = (cmd, args) => {
  console.log(`\n$ ${cmd} ${args.join(' ')}`)
  return spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1
}

const extra = process.argv.slice(2)
const nx = run('npx', ['nx', 'run-many', '-t', 'lint', 'typecheck', 'build', '--parallel=2', '--outputStyle=static'])
// test/ (the cross-package end-to-end tests) is not an Nx project: lint and typecheck it here.
const e2e = nx === 0 ? run('npx', ['eslint', 'test']) || run('npx', ['tsc', '-p', 'test/tsconfig.json']) : 1
if (nx !== 0 || e2e !== 0) {
  console.log('0 passed, 1 failed')
  console.error('lint, typecheck or build failed (see above)')
  process.exit(1)
}
mkdirSync('.reports', { recursive: true })
const report = '.reports/vitest.json'
rmSync(report, { force: true })
const vitest = run('npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extra])
if (!existsSync(report)) {
  console.log('0 passed, 1 failed')
  console.error('vitest wrote no JSON report')
  process.exit(1)
}
const r = JSON.parse(readFileSync(report, 'utf8'))
// A test file that fails to load has no assertions but a failed status: count it as one failure.
const brokenFiles = r.testResults.filter((t) => t.status === 'failed' && t.assertionResults.length === 0).length
const failed = r.numFailedTests + brokenFiles
console.log(`${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + r.numTodoTests} skipped`)
process.exit(vitest !== 0 || failed > 0 || r.numPassedTests === 0 ? 1 : 0)
