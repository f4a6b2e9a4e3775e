#!/usr/bin/env node
// Bundles the viewer page (page/main.ts + three.js) into dist/page/viewer.js with esbuild, and
// copies page/index.html next to it. The package's build runs it (Nx target `bundle`, which
// `build` depends on); `plaf view` serves these files and `--export` inlines them. Nothing is
// fetched at run time. Files are written to a temporary name and renamed, so two builds at once
// (nx build and a test setup) never leave a half-written bundle.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, 'dist', 'page')
mkdirSync(out, { recursive: true })
const r = await build({
  entryPoints: [join(root, 'page', 'main.ts')],
  outfile: join(out, 'viewer.js'),
  write: false,
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['es2022'],
  minify: true,
  legalComments: 'eof',
  metafile: true,
  logLevel: 'warning',
})
const put = (file, bytes) => {
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, bytes)
  renameSync(tmp, file)
}
for (const f of r.outputFiles) put(f.path, f.contents)
put(join(out, 'index.html'), readFileSync(join(root, 'page', 'index.html')))
const bytes = r.outputFiles.reduce((a, f) => a + f.contents.length, 0)
console.log(`viewer page bundled: ${join('dist', 'page', 'viewer.js')} (${(bytes / 1024).toFixed(0)} kB)`)
