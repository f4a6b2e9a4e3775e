import { spawnSync } from 'node:child_process'

const cache = new Map<string, string | null>()

/**
 * A Python interpreter on which every module listed is installed, or null. Debian's packages
 * (python3-numpy, python3-onnx) install for /usr/bin/python3, which may differ from the
 * `python3` on PATH (pyenv), so that one is tried first.
 *
 * The probe locates the modules (`importlib.util.find_spec`) without importing them: importing
 * torch takes seconds, and test files probe at load time, so a full import per probe cost the
 * suite minutes. A module that is installed but fails to import makes the test that uses it fail
 * with Python's error (rather than skip), which is what a broken install should do.
 */
export function findPython(modules: readonly string[]): string | null {
  const key = modules.join(',')
  if (cache.has(key)) return cache.get(key)!
  let found: string | null = null
  const probe = `import importlib.util, sys\nsys.exit(0 if all(importlib.util.find_spec(m) for m in sys.argv[1:]) else 1)`
  for (const exe of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(exe, ['-c', probe, ...modules], { encoding: 'utf8' })
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

/** An independent Python reader for tests: whether it is there, why a test was skipped, and a runner. */
export interface PythonCheck {
  available: boolean
  /** Suffix for test names, so a skipped run says why (empty when available). */
  note: string
  /** Runs a script with the interpreter and parses the JSON it prints on stdout. */
  json(script: string, args?: readonly string[]): unknown
}

/** A PythonCheck for the modules, naming the Debian packages that provide them in the skip note. */
export function pythonCheck(modules: readonly string[], debianPackages: readonly string[]): PythonCheck {
  const exe = findPython(modules)
  return {
    available: exe !== null,
    note: exe ? '' : ` (skipped: python3 with ${modules.join(', ')} is missing; CI installs the Debian package ${debianPackages.join(', ')})`,
    json: (script, args = []) => {
      if (!exe) throw new Error(`no python3 with ${modules.join(', ')}`)
      return JSON.parse(runPython(exe, script, args))
    },
  }
}
