import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { JsonSchema, Plugin } from './plugin.js'

/**
 * The one ajv instance for plugin options: strict schemas, every error, defaults filled in.
 * `plafPlugin: <kind>` marks a string option that names another plugin (checked by the resolver);
 * `format: 'path'` one that is a path (resolved against the file that declares it).
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults: true, allowUnionTypes: true, verbose: true })
  ajv.addKeyword({ keyword: 'plafPlugin', schemaType: 'string' })
  ajv.addKeyword({ keyword: 'markdownDescription', schemaType: 'string' })
  // `format: path` marks a string option that is a file or directory path: any string validates,
  // and the resolver makes a relative one absolute against the file that declares it.
  ajv.addFormat('path', true)
  return ajv
}

const shared = createAjv()
const compiled = new WeakMap<object, ValidateFunction>()

/** Compiles (once) the options schema of a plugin. Throws when the schema itself is invalid. */
export function optionsValidator(plugin: Pick<Plugin, 'options'>): ValidateFunction {
  let v = compiled.get(plugin.options)
  if (!v) {
    v = shared.compile(plugin.options as JsonSchema)
    compiled.set(plugin.options, v)
  }
  return v
}

/** Result of validating a `with:` block; `value` has defaults filled in. */
export interface OptionsResult {
  ok: boolean
  value: Record<string, unknown>
  errors: ErrorObject[]
}

/** Validates options (a deep copy, defaults filled in) against a plugin's schema. */
export function validateOptions(plugin: Pick<Plugin, 'options'>, options: unknown): OptionsResult {
  const value = structuredClone(options ?? {}) as Record<string, unknown>
  const v = optionsValidator(plugin)
  const ok = v(value) as boolean
  return { ok, value, errors: ok ? [] : [...(v.errors ?? [])] }
}
