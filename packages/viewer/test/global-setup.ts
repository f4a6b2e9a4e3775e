import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** Bundles the page before the tests (a fresh clone has no dist/page; the bundle must match the sources). */
export default function setup(): void {
  const script = fileURLToPath(new URL('../scripts/bundle.mjs', import.meta.url))
  const r = spawnSync(process.execPath, [script], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`bundling the viewer page failed:\n${r.stderr}`)
}
