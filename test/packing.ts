// Packing the workspace packages as npm would publish them, and installing the tarballs outside
// the repository: shared by the pack-and-install test and the README plugin test.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'

/** The repository root. */
export const repo = join(__dirname, '..')

/** One publishable package under packages/. */
export interface WorkspacePackage {
  dir: string
  name: string
  version: string
  json: PackageJson
}

/** The fields of package.json the tests look at. */
export interface PackageJson {
  name: string
  version: string
  private?: boolean
  bin?: Record<string, string>
  files?: string[]
  exports?: Record<string, Record<string, string>>
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
}

/** Every non-private package under packages/. */
export function workspacePackages(): WorkspacePackage[] {
  return readdirSync(join(repo, 'packages'))
    .map((d) => join(repo, 'packages', d))
    .filter((dir) => existsSync(join(dir, 'package.json')))
    .map((dir) => {
      const json = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as PackageJson
      return { dir, name: json.name, version: json.version, json }
    })
    .filter((p) => !p.json.private)
}

/**
 * The environment for npm and the installed plaf: no NODE_OPTIONS or npm_* settings inherited from
 * the npm/vitest process that runs the tests (they can point into the repository), and no
 * onnxruntime-node CUDA download.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [k, v] of Object.entries(process.env)) {
    if (k === 'NODE_OPTIONS' || k.startsWith('VITEST') || (/^npm_/i.test(k) && k !== 'npm_config_cache')) continue
    env[k] = v
  }
  env.ONNXRUNTIME_NODE_INSTALL = 'skip'
  env.NO_COLOR = '1'
  return env
}

/** Runs a command (with cleanEnv() plus `env`) and returns its result, whatever the exit code. */
export function spawn(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  return spawnSync(cmd, args, { cwd, env: { ...cleanEnv(), ...env }, encoding: 'utf8', timeout: 300_000, maxBuffer: 64 << 20 })
}

/** Runs a command; throws with its output unless it exits 0. */
export function exec(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): SpawnSyncReturns<string> {
  const r = spawn(cmd, args, cwd, env)
  if (r.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} (in ${cwd}) exited ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}\n${r.error ?? ''}`)
  }
  return r
}

/**
 * Runs `fn` holding a lock shared by the test files of this run (a directory in the OS temp dir):
 * vitest runs test files in parallel, and two builds must not write dist/ at the same time.
 */
function withLock<T>(name: string, fn: () => T): T {
  const lock = join(tmpdir(), `plaf-${name}.lock`)
  const deadline = Date.now() + 600_000
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e
      // a lock left by a killed run is stale after 10 minutes
      const held = statSync(lock, { throwIfNoEntry: false })
      if (held && Date.now() - held.mtimeMs > 600_000) rmSync(lock, { recursive: true, force: true })
      if (Date.now() > deadline) throw new Error(`waited 10 minutes for ${lock}`)
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200)
    }
  }
  try {
    return fn()
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

/** Brings every package's dist/ up to date (`npm run prepare`; a no-op when the build is current). */
export function buildPackages(): void {
  withLock('build', () => exec(process.execPath, [join(repo, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'packages/cli/tsconfig.lib.json'], repo))
}

/** What `npm pack --json` says about one tarball. */
export interface PackResult {
  name: string
  version: string
  filename: string
  files: { path: string; size: number }[]
}

/** `npm pack` of every publishable package into `dest`; returns npm's report with absolute tarball paths. */
export function packAll(dest: string): (PackResult & { tarball: string })[] {
  mkdirSync(dest, { recursive: true })
  const args = ['pack', '--json', '--pack-destination', dest, ...workspacePackages().flatMap((p) => ['--workspace', p.dir])]
  const packed = JSON.parse(exec('npm', args, repo).stdout) as PackResult[] // script output goes to stderr
  return packed.map((p) => ({ ...p, tarball: join(dest, p.filename) }))
}

/**
 * Every file a tarball can be made from, hashed: each package's folder (all of it but
 * node_modules and the pipelines/ its prepack writes), the repository's pipelines/ (which that
 * prepack copies) and the root package.json. Conservative: any change there is a new key.
 */
function packInputsKey(): string {
  const h = createHash('sha256')
  const add = (dir: string, skip: (rel: string) => boolean) => {
    for (const rel of (readdirSync(dir, { recursive: true }) as string[]).sort()) {
      if (skip(rel)) continue
      const file = join(dir, rel)
      if (!statSync(file, { throwIfNoEntry: false })?.isFile()) continue
      h.update(`${relative(repo, file)}\0`).update(readFileSync(file)).update('\0')
    }
  }
  for (const p of workspacePackages()) add(p.dir, (rel) => /^(node_modules|pipelines)(\/|$)/.test(rel))
  add(join(repo, 'pipelines'), () => false)
  h.update(readFileSync(join(repo, 'package.json')))
  return h.digest('hex').slice(0, 16)
}

/**
 * `packAll` shared by the test files of a run (pack-install and the README plugin test each
 * need every tarball; one `npm pack` of 14 packages takes 10–45 s on 2 cores): the tarballs are
 * made once per content of their inputs, into <os tmpdir>/plaf-test-packs-<clone>/<key> (outside
 * the repository, as the tests install them; written to a temp folder and renamed, under a lock),
 * and reused while nothing they are made from changed. Call after `buildPackages()`. Treat the
 * folder as read-only: it holds the tarballs (plaf-*.tgz) and npm's report (packs.json).
 */
export function sharedPacks(): (PackResult & { tarball: string })[] {
  const root = join(tmpdir(), `plaf-test-packs-${createHash('sha256').update(repo).digest('hex').slice(0, 8)}`)
  return withLock('packs', () => {
    const key = packInputsKey()
    const dir = join(root, key)
    const report = join(dir, 'packs.json')
    if (!existsSync(report)) {
      const tmp = `${dir}.${process.pid}.tmp`
      rmSync(tmp, { recursive: true, force: true })
      const packed = packAll(tmp).map((p) => ({ ...p, tarball: join(dir, p.filename) }))
      writeFileSync(join(tmp, 'packs.json'), JSON.stringify(packed))
      // older contents are of no use again; keep only this one
      for (const old of existsSync(root) ? readdirSync(root) : []) if (old !== key && join(root, old) !== tmp) rmSync(join(root, old), { recursive: true, force: true })
      renameSync(tmp, dir)
    }
    return JSON.parse(readFileSync(report, 'utf8')) as (PackResult & { tarball: string })[]
  })
}

/**
 * `npm install` of tarballs: `-g --prefix` for a global install, or into the project in `cwd`.
 * Dependencies come from the npm cache that `npm ci` filled (`--prefer-offline`); npm asks the
 * registry only for package metadata the cache does not hold.
 */
export function npmInstall(cwd: string, specs: string[], global?: { prefix: string }): void {
  const where = global ? ['-g', '--prefix', global.prefix] : []
  exec('npm', ['install', ...where, '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', ...specs], cwd)
}
