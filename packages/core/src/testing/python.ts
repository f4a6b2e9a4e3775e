import { spawnSync } from 'node:child_process'

const cache = new Map<string, string | null>()

/**
 * A Python interpreter that can import every module listed, or null. Debian's packages
 * (python3-numpy, python3-onnx) install for /usr/bin/python3, which may differ from the
 * `python3` on PATH (pyenv), so that one is tried first.
 */
export function findPython(modules: readonly string[]): string | null {
  const key = modules.join(',')
  if (cache.has(key)) return cache.get(key)!
  let found: string | null = null
  for (const exe of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(exe, ['-c', modules.map((m) => `import ${m}`).join('; ') || 'pass'], { encoding: 'utf8' })
    if (r.status === 0) {
      found = exe
      break
    }
  }
  cache.set(key, found)
  return found
}

/** Runs a Python snippet with the interpreter from findPython; throws with stderr on failure. */
export function runPython(exe: string, code: string, args: readonly string[] = []): string {
  const r = spawnSync(exe, ['-c', code, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`)
  return r.stdout
}
