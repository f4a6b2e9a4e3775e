import { dirname, isAbsolute, resolve } from 'node:path'
import type { JsonSchema } from '../plugin.js'
import type { LoadedPipeline } from './load.js'
import { getAt, isPlainObject } from './merge.js'
import { escapeSegment, fromPointer, originOf } from './provenance.js'

/**
 * The directory a relative path at `ptr` resolves against: that of the file that declares the
 * value (whichever file of the `extends` chain it is), as ESLint and tsconfig do. A value given
 * with `--set`, or a default no file gives, resolves against the working directory.
 */
export function declaringDir(loaded: LoadedPipeline, ptr: string, cwd: string): string {
  if (getAt(loaded.value, fromPointer(ptr)) === undefined) return cwd
  const file = originOf(loaded.provenance, ptr)?.file
  return file ? dirname(file) : cwd
}

/**
 * Makes every non-empty string that `schema` marks `format: 'path'` absolute (see
 * {@link declaringDir}), following `properties`, object-valued `additionalProperties` and `items`.
 * `value` sits at `ptr` in the pipeline; objects and arrays are updated in place.
 */
export function resolvePaths(schema: unknown, value: unknown, ptr: string, loaded: LoadedPipeline, cwd: string): unknown {
  if (!isPlainObject(schema)) return value
  const s = schema as JsonSchema
  if (typeof value === 'string') {
    if (s.format !== 'path' || value === '' || isAbsolute(value)) return value
    return resolve(declaringDir(loaded, ptr, cwd), value)
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => (value[i] = resolvePaths(s.items, v, `${ptr}/${i}`, loaded, cwd)))
  } else if (isPlainObject(value)) {
    const props = (isPlainObject(s.properties) ? s.properties : {}) as Record<string, unknown>
    for (const [k, v] of Object.entries(value)) {
      const sub = props[k] ?? s.additionalProperties
      value[k] = resolvePaths(sub, v, `${ptr}/${escapeSegment(k)}`, loaded, cwd)
    }
  }
  return value
}
