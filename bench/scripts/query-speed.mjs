#!/usr/bin/env node
// `plaf query` on a finished demo run: how long the command takes, end to end, for five texts.
//
//   node bench/scripts/query-speed.mjs [--runs N] [--dir DIR] [--out bench/results/query-cli.json] [--cli path/to/plaf.js]
//
// Makes the demo run once in DIR (default: the OS temp dir; reused when it is there), then times
// child processes of the built CLI (packages/cli/bin/plaf.js, so build first: npm run prepare):
//   startup   `plaf --version`: Node plus loading the CLI and every built-in plugin (wall and CPU)
//   query     `plaf query <run> --text ×5 --json`: wall time of the process, and the command's own
//             `timings.totalMs` (open the run's codecs, walk the frames, score, write the outputs)
//   images    the same with --images (masks, overlays, contact sheets, map snapshots)
// Runs alternate so load changes hit every kind; medians and minima are reported with the load
// average, and the JSON is written atomically enough for a results file (write, then rename).
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const args = process.argv.slice(2)
const opt = (name, dflt) => {
  const i = args.indexOf(name)
  return i >= 0 ? args[i + 1] : dflt
}
// --cli: another build's bin/plaf.js (e.g. a copy of the built packages, when other work rebuilds dist/ meanwhile)
const cli = resolve(opt('--cli', join(root, 'packages/cli/bin/plaf.js')))
const runs = Number(opt('--runs', '5'))
const dir = resolve(opt('--dir', join(tmpdir(), 'plaf-bench-query')))
const out = resolve(opt('--out', join(root, 'bench/results/query-cli.json')))
const TEXTS = ['orange', 'yellow', 'brown', 'pink', 'blue']

const run = join(dir, 'run')
if (!existsSync(join(run, 'report.json'))) {
  process.stderr.write(`making the demo run in ${run} …\n`)
  execFileSync(process.execPath, [cli, 'demo', '--out', run, '--scene', join(dir, 'scene'), '--progress', 'none'], { stdio: ['ignore', 'ignore', 'inherit'] })
}

// CPU time (user + system, all threads) of the child as well as wall time: on a shared machine
// the wall time grows with the load, the CPU time much less. GNU time reports it where installed.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null
function timed(argv) {
  const t0 = performance.now()
  const cmd = gnuTime ? [gnuTime, ['-f', 'plaf-cpu %U %S', process.execPath, cli, ...argv]] : [process.execPath, [cli, ...argv]]
  const r = spawnSync(cmd[0], cmd[1], { encoding: 'utf8', maxBuffer: 64 << 20 })
  const ms = performance.now() - t0
  if (r.status !== 0) throw new Error(`plaf ${argv.join(' ')} exited ${r.status}: ${r.stderr}`)
  const cpu = /plaf-cpu ([\d.]+) ([\d.]+)/.exec(r.stderr)
  return { ms, cpuMs: cpu ? (Number(cpu[1]) + Number(cpu[2])) * 1000 : NaN, stdout: r.stdout }
}

const query = (images) => ['query', run, ...TEXTS.flatMap((t) => ['--text', t]), '--out', join(dir, images ? 'q-images' : 'q'), '--json', ...(images ? ['--images'] : [])]
const samples = {
  startup_ms: [], startup_cpu_ms: [], process_ms: [], process_cpu_ms: [], query_ms: [], frames_2d_ms: [], map_3d_ms: [],
  images_process_ms: [], images_process_cpu_ms: [], images_query_ms: [],
}
const load = [loadavg()[0]]
timed(query(false)) // warm the file cache
for (let i = 0; i < runs; i++) {
  process.stderr.write(`round ${i + 1}/${runs}\n`)
  const st = timed(['--version'])
  samples.startup_ms.push(st.ms)
  samples.startup_cpu_ms.push(st.cpuMs)
  const q = timed(query(false))
  const r = JSON.parse(q.stdout)
  samples.process_ms.push(q.ms)
  samples.process_cpu_ms.push(q.cpuMs)
  samples.query_ms.push(r.timings.totalMs)
  samples.frames_2d_ms.push(r.timings.frames2dMs)
  samples.map_3d_ms.push(r.timings.map3dMs)
  const im = timed(query(true))
  samples.images_process_ms.push(im.ms)
  samples.images_process_cpu_ms.push(im.cpuMs)
  samples.images_query_ms.push(JSON.parse(im.stdout).timings.totalMs)
}
load.push(loadavg()[0])

const median = (v) => {
  const s = [...v].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const r1 = (x) => Math.round(x * 10) / 10
const summary = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, { median: r1(median(v)), min: r1(Math.min(...v)), runs: v.map(r1) }]))
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim()
  } catch {
    return null
  }
})()
const result = {
  case: 'query-cli',
  what: `plaf query on the demo run (12 frames of 1296×968, ${TEXTS.length} texts), child processes of the built CLI`,
  texts: TEXTS,
  goal: 'under a second for five queries on the demo run',
  summary,
  machine: { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, load_average: load.map(r1) },
  commit,
}
mkdirSync(dirname(out), { recursive: true })
writeFileSync(`${out}.tmp`, JSON.stringify(result, null, 2) + '\n')
renameSync(`${out}.tmp`, out)
for (const [k, v] of Object.entries(summary)) process.stdout.write(`${k.padEnd(18)} median ${String(v.median).padStart(8)} ms   min ${String(v.min).padStart(8)} ms\n`)
process.stdout.write(`load average ${load.map(r1).join(' → ')} on ${cpus().length} cores; ${out}\n`)
