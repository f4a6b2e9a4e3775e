import { readFileSync } from 'node:fs'
import { fail } from '../diagnostics.js'

/**
 * A JSON file's value; a file that cannot be read or parsed is PLAF_INPUT_INVALID naming it and
 * what the parser said (a run's manifest.json, report.json, shard.json; a scan's annotations).
 */
export function readJsonFile(file: string): any {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch (e) {
    return fail('PLAF_INPUT_INVALID', `${file} is not valid JSON: ${(e as Error).message}`, { file, cause: e })
  }
}
