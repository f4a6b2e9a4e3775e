// `prepack` of @plaf/cli: copies the repository's pipelines/demo.yaml into the package
// (pipelines/demo.yaml, listed in `files`), so an installed `plaf demo` has its pipeline without
// the clone. Written to a temporary name and renamed, so concurrent packs never see half a file.
// The editor-schema comment is replaced: the committed schema is not part of the package.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const source = fileURLToPath(new URL('../../../pipelines/demo.yaml', import.meta.url))
const dir = fileURLToPath(new URL('../pipelines/', import.meta.url))
const target = `${dir}demo.yaml`
if (!existsSync(source)) {
  // packing an unpacked tarball again: the copy it already holds is the pipeline
  if (existsSync(target)) process.exit(0)
  console.error(`pack-demo: ${source} not found and the package holds no ${target}`)
  process.exit(1)
}
const text = readFileSync(source, 'utf8').replace(
  /^# yaml-language-server: \$schema=.*\n/,
  '# Packed into @plaf/cli from the PLAF-TS repository\'s pipelines/demo.yaml: `plaf demo` runs it.\n',
)
mkdirSync(dir, { recursive: true })
const tmp = `${target}.${process.pid}.tmp`
writeFileSync(tmp, text)
renameSync(tmp, target)
