#!/usr/bin/env node
// The project's test command (README "Run the tests"): lint, typecheck and build every package
// through Nx, then one root vitest run over all packages and test/. Ends with the plain line
// "N passed, N failed" taken from vitest's JSON reporter, and exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'

const env = { ...process.env, NX_DAEMON: 'false', NX_TUI: 'false', NX_NO_CLOUD: 'true' }
const run = (cmd, args) => {
  console.log(`\n$ ${cmd} ${args.join(' ')}`)
  return spawnSync(cmd, args, { stdio: 'inherit', env }).status ?? 1
}
/** Runs commands at the same time (2 cores: one each), then prints each one's output in order; resolves to their exit codes. */
const runTogether = (cmds) => Promise.all(cmds.map(([cmd, args]) => new Promise((done) => {
  let output = ''
  const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout.on('data', (d) => (output += d))
  child.stderr.on('data', (d) => (output += d))
  child.on('error', (e) => done({ cmd, args, output: output + String(e), status: 1 }))
  child.on('close', (status) => done({ cmd, args, output, status: status ?? 1 }))
}))).then((results) => results.map(({ cmd, args, output, status }) => {
  console.log(`\n$ ${cmd} ${args.join(' ')}`)
  process.stdout.write(output)
  return status
}))

const extra = process.argv.slice(2)
const nx = run('npx', ['nx', 'run-many', '-t', 'lint', 'typecheck', 'build', '--parallel=2', '--outputStyle=static'])
// test/ (the cross-package end-to-end tests) is not an Nx project: lint and typecheck it here,
// both at once (independent, single-threaded; about 20 s each on 2 cores).
const e2e = nx === 0 ? (await runTogether([['npx', ['eslint', 'test']], ['npx', ['tsc', '-p', 'test/tsconfig.json']]])).find((s) => s !== 0) ?? 0 : 1
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
