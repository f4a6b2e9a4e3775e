/**
 * Worker threads that run from the build and from the TypeScript sources alike.
 *
 * From the build (`dist/`, also inside an installed npm tarball) a worker module `name.js` sits
 * next to the module that starts it and runs as the ES module it is. From the sources (vitest with
 * the `@plaf/source` export condition) only `name.ts` exists, and Node 20 cannot run it: a worker
 * gets neither vitest's transform nor type stripping. So the worker module and the modules it
 * imports by relative path are transpiled once per process with the `typescript` package (a
 * dependency of core for `.ts` plugins; loaded only here) to CommonJS and joined into one script
 * run with `eval: true`, whose `require` resolves them to each other. That needs no loader hook, no
 * temp file and no extra dependency. Other imports are `require`d as from the importing file (Node
 * built-ins in the workers so far: a package imported this way must be loadable as CommonJS).
 */
import { existsSync, readFileSync } from 'node:fs'
import { dirname, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Worker } from 'node:worker_threads'
import { PlafError, diagnostic } from '../diagnostics.js'

/** How a worker is started: its built module, or its sources joined into one CommonJS script. */
export type WorkerScript = { kind: 'built'; url: URL } | { kind: 'source'; entry: string; code: string }

const joined = new Map<string, Promise<string>>()

/**
 * The script of the worker module `name` (no extension) beside `here` (the starting module's
 * `import.meta.url`): `name.js` when it exists there (the build), else `name.ts` and what it
 * imports, joined by {@link workerFromSources}.
 */
export async function workerScript(here: string | URL, name: string): Promise<WorkerScript> {
  const built = new URL(`./${name}.js`, here)
  if (built.protocol === 'file:' && existsSync(fileURLToPath(built))) return { kind: 'built', url: built }
  const entry = fileURLToPath(new URL(`./${name}.ts`, here))
  return { kind: 'source', entry, code: await workerFromSources(entry) }
}

/**
 * Starts a worker from its script. No inherited node flags: the worker needs none, and some break
 * it (`node --input-type=module -e …` would make a file worker fail to start).
 */
export function startWorker(script: WorkerScript, workerData: unknown): Worker {
  return script.kind === 'built' ? new Worker(script.url, { workerData, execArgv: [] }) : new Worker(script.code, { eval: true, workerData, execArgv: [] })
}

/**
 * One CommonJS script (for `new Worker(code, { eval: true })`) that runs the TypeScript module
 * `entry` (an absolute path or file URL): it and every module it imports by a relative path
 * (`./x.js` is `x.ts`), found by following the imports, each transpiled to CommonJS. The result is
 * kept for the process. A source that does not parse, or a relative import with no `.ts` file
 * behind it, is a PLAF_INTERNAL error naming the file (and the line and column of a syntax error).
 */
export function workerFromSources(entry: string | URL): Promise<string> {
  const file = typeof entry === 'string' ? resolve(entry) : fileURLToPath(entry)
  let code = joined.get(file)
  if (!code) {
    code = join(file)
    joined.set(file, code)
    // a failure is not kept: the next call reads the sources again
    code.catch(() => joined.delete(file))
  }
  return code
}

async function join(entry: string): Promise<string> {
  const ts = (await import('typescript')).default
  const modules = new Map<string, { code: string; deps: Record<string, string> }>()
  const todo = [entry]
  for (let file = todo.pop(); file !== undefined; file = todo.pop()) {
    if (modules.has(file)) continue
    if (!existsSync(file)) throw failure(`worker source not found: ${file}`, { file })
    const res = ts.transpileModule(readFileSync(file, 'utf8'), {
      fileName: file,
      reportDiagnostics: true,
      compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
    })
    const bad = res.diagnostics?.find((d) => d.category === ts.DiagnosticCategory.Error)
    if (bad) {
      const at = bad.file && bad.start !== undefined ? bad.file.getLineAndCharacterOfPosition(bad.start) : undefined
      const where = at ? `${file}:${at.line + 1}:${at.character + 1}` : file
      throw failure(`worker source ${where} does not parse: ${ts.flattenDiagnosticMessageText(bad.messageText, ' ')}`, { file, line: at && at.line + 1, column: at && at.character + 1 })
    }
    // TypeScript writes every import it keeps as a require call of its specifier; type-only ones are dropped.
    const deps: Record<string, string> = {}
    for (const m of res.outputText.matchAll(/\brequire\("(\.{1,2}\/[^"]*)"\)/g)) {
      const target = sourceOf(file, m[1]!)
      if (!existsSync(target)) throw failure(`worker source ${file} imports "${m[1]}", but ${relative(dirname(file), target)} does not exist beside it`, { file })
      deps[m[1]!] = target
      todo.push(target)
    }
    modules.set(file, { code: res.outputText, deps })
  }
  // Each module runs in a function of its own, with a `require` that maps its relative imports to
  // the other modules and requires anything else as from its file.
  const defs = [...modules].map(
    ([file, { code, deps }]) => `${JSON.stringify(file)}: [${JSON.stringify(deps)}, function (module, exports, require, __filename, __dirname) {\n${code}\n}]`,
  )
  return [
    `const { createRequire } = require('node:module');`,
    `const { dirname } = require('node:path');`,
    `const defs = {\n${defs.join(',\n')}\n};`,
    'const done = {};',
    'function load(file) {',
    '  if (!done[file]) {',
    '    const module = { exports: {} };',
    '    done[file] = module;',
    '    const [deps, run] = defs[file];',
    '    const outside = createRequire(file);',
    '    run(module, module.exports, (spec) => (spec in deps ? load(deps[spec]) : outside(spec)), file, dirname(file));',
    '  }',
    '  return done[file].exports;',
    '}',
    `load(${JSON.stringify(entry)});`,
  ].join('\n')
}

/** The `.ts` file a relative import names: `./x.js` (or `./x`) from `from` is `x.ts` beside it. */
function sourceOf(from: string, spec: string): string {
  return resolve(dirname(from), spec.replace(/\.js$/, '')) + '.ts'
}

function failure(message: string, at: { file: string; line?: number; column?: number }): PlafError {
  return new PlafError(diagnostic('PLAF_INTERNAL', message, at))
}
