import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, resolve } from 'node:path'
import { PlafError, diagnostic, type Diagnostic } from '../diagnostics.js'

/** One scene of a `--scenes` list: its folder and where it was listed. */
export interface ListedScene {
  dir: string
  name: string
  file: string
  line: number
}

/**
 * Reads a scene list (`plaf run --scenes`, `plaf eval scannet --scenes`): one scene folder a line,
 * relative to the list file, `#` starts a comment. A missing list, an empty one, a missing folder,
 * or a scene name (folder name: it names the scene's run directory and results) listed twice is a
 * located error.
 */
export function readSceneList(file: string, flag = `--scenes ${file}`): ListedScene[] {
  const abs = resolve(file)
  if (!existsSync(abs)) throw new PlafError(diagnostic('PLAF_FILE_NOT_FOUND', `scene list ${file} does not exist`, { file: abs, source: flag, path: 'scenes' }))
  const out: ListedScene[] = []
  const bad: Diagnostic[] = []
  const seen = new Map<string, number>()
  readFileSync(abs, 'utf8').split(/\r?\n/).forEach((text, i) => {
    const t = text.replace(/(^|\s)#.*$/, '').trim()
    if (!t) return
    const dir = isAbsolute(t) ? t : resolve(dirname(abs), t)
    const line = i + 1
    const name = basename(dir)
    if (!existsSync(dir)) bad.push(diagnostic('PLAF_INPUT_INVALID', `scene ${t} does not exist (${dir})`, { file: abs, line, column: text.indexOf(t) + 1, actual: t }))
    else if (seen.has(name)) bad.push(diagnostic('PLAF_INPUT_INVALID', `scene ${name} is listed twice (first on line ${seen.get(name)})`, { file: abs, line, column: text.indexOf(t) + 1, actual: t }))
    seen.set(name, seen.get(name) ?? line)
    out.push({ dir, name, file: abs, line })
  })
  if (bad.length) throw new PlafError(bad)
  if (!out.length) throw new PlafError(diagnostic('PLAF_INPUT_INVALID', `scene list ${file} lists no scene`, { file: abs, hint: 'one scene directory a line; # starts a comment' }))
  return out
}
