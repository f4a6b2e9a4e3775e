import { readFileSync } from 'node:fs'
import { closestNames, fail } from '@plaf/core'
import { BACKGROUND_CLASSES, classSet, promptName, type ClassSet } from './classes.js'

/** Which classes are queried and with which texts. */
export interface ClassPrompts {
  /** Class indices that are queried (the others can never be predicted). */
  classes: number[]
  /** Per queried class, its full prompt texts (names under every template); their unit embeddings are averaged. */
  prompts: string[][]
  /** The prompts file, when one was given. */
  file?: string
}

/**
 * The prompts of a class set: every class by its name (`promptName`), or, with a prompts file
 * (JSON `{ "<class name>": "text" | ["text", …] }`), only the classes it lists, with its texts.
 * Each text is put through every template (`{}` = the text; none: the text alone).
 */
export function classPrompts(set: ClassSet, templates: readonly string[], file?: string, flag = `--prompts ${file}`): ClassPrompts {
  const t = templates.length ? templates : ['{}']
  for (const tpl of t) {
    if (!tpl.includes('{}')) fail('PLAF_INVALID_OPTION', `template "${tpl}" has no {} for the class text`, { source: `--templates ${tpl}`, path: 'templates', expected: 'a template with {}, e.g. "a {} in a scene"', actual: tpl })
  }
  const expand = (texts: string[]) => texts.flatMap((x) => t.map((tpl) => tpl.replaceAll('{}', x)))
  if (file === undefined) return { classes: set.names.map((_, k) => k), prompts: set.names.map((n) => expand([promptName(n)])) }
  let json: unknown
  try {
    json = JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    const missing = (e as NodeJS.ErrnoException).code === 'ENOENT'
    return fail(missing ? 'PLAF_FILE_NOT_FOUND' : 'PLAF_INPUT_INVALID', `${file} ${missing ? 'does not exist' : `is not valid JSON: ${(e as Error).message}`}`, { file, source: flag, path: 'prompts', cause: e })
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    fail('PLAF_INPUT_INVALID', `${file} must be a JSON object of class name → prompt text(s)`, { file, expected: '{ "chair": "a chair", "table": ["a table", "a desk"] }' })
  }
  const classes: number[] = []
  const prompts: string[][] = []
  for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
    const k = set.names.indexOf(name)
    if (k < 0 && BACKGROUND_CLASSES.includes(name) && classSet(set.name).names.includes(name)) {
      fail('PLAF_INPUT_INVALID', `${file}: "${name}" is a background class of ${set.name}, which --background exclude leaves out (not queried, its ground truth ignored)`, {
        file, path: name, expected: `a class --background exclude keeps (not ${BACKGROUND_CLASSES.join(', ')})`, actual: name,
        hint: `drop "${name}" from ${file}, or evaluate with --background include`,
      })
    }
    if (k < 0) {
      const near = closestNames(name, set.names)
      fail('PLAF_INPUT_INVALID', `${file}: "${name}" is not a class of ${set.name}${near.length ? ` (did you mean "${near[0]}"?)` : ''}`, { file, path: name, expected: `a class name of ${set.name}`, actual: name })
    }
    const texts = typeof value === 'string' ? [value] : Array.isArray(value) && value.length && value.every((v) => typeof v === 'string' && v) ? (value as string[]) : null
    if (!texts || texts.some((x) => !x.trim())) fail('PLAF_INPUT_INVALID', `${file}: "${name}" must map to a text or a non-empty list of texts`, { file, path: name, actual: JSON.stringify(value) })
    classes.push(k)
    prompts.push(expand(texts))
  }
  if (!classes.length) fail('PLAF_INPUT_INVALID', `${file} lists no class`, { file })
  return { classes, prompts, file }
}
