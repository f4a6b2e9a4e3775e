import { spawnSync } from 'node:child_process'

/** True when `python3 -c 'import numpy'` works: the independent .npy reader for these tests. */
export const hasNumpy = spawnSync('python3', ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0

/** Suffix for test names that need numpy, so a skipped run says why. */
export const numpyNote = hasNumpy ? '' : ' (skipped: python3-numpy is missing; CI installs the Debian package python3-numpy)'

/** Runs a Python script with numpy and parses the JSON it prints on stdout. */
export function runPython(script: string, args: string[] = []): unknown {
  const r = spawnSync('python3', ['-c', script, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 })
  if (r.status !== 0) throw new Error(`python3 failed (${r.status}): ${r.stderr}`)
  return JSON.parse(r.stdout)
}
