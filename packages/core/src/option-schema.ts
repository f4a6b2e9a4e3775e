/**
 * JSON Schema types checked against a plugin's options interface, so the schema (what YAML is
 * validated against, with defaults filled in) and the interface (what `create` reads) cannot drift:
 * a key in one and not the other, a different type, a default or enum value of the wrong type, or a
 * nullable interface key whose schema does not allow null, fail to typecheck. Like ajv's
 * `JSONSchemaType`, but it leaves `required` optional (options with defaults are filled in before
 * `create` sees them), accepts extra keywords (`plafPlugin`, `markdownDescription`,
 * `format: 'path'`, …) and falls back to a plain {@link JsonSchema} where a type has no schema
 * form (`unknown`, `any`, functions, typed arrays).
 */
import type { JsonSchema } from './plugin.js'

/** Annotations and extension keywords any schema node may carry. */
type Keywords = { description?: string; title?: string; markdownDescription?: string; [keyword: string]: unknown }

type IsAny<T> = 0 extends 1 & T ? true : false
/** Values with no JSON Schema form: their schema is not checked. */
type Opaque = ((...args: never[]) => unknown) | ArrayBufferView | ArrayBuffer | Date | Map<unknown, unknown> | Set<unknown>
/** `type:` of a kind, or a pair with 'null' when the interface allows null. */
type Ty<N extends string, Nullable extends boolean> = Nullable extends true ? readonly [N, 'null'] | readonly ['null', N] : N

/** Literal unions (`'float16' | 'float32'`, `1 | 2`) must list their values in `enum` (or `const`). */
type Values<U, D> = [string] extends [U] ? { enum?: readonly D[]; const?: D } : [number] extends [U] ? { enum?: readonly D[]; const?: D } : { enum: readonly D[] } | { const: D }

type StringNode<U extends string, N extends boolean, D> = Keywords & Values<U, D> & {
  type?: Ty<'string', N>
  default?: D
  minLength?: number
  maxLength?: number
  pattern?: string
  format?: string
} & ([string] extends [U] ? { type: Ty<'string', N> } : unknown)

type NumberNode<U extends number, N extends boolean, D> = Keywords & Values<U, D> & {
  type: Ty<'number' | 'integer', N>
  default?: D
  minimum?: number
  maximum?: number
  exclusiveMinimum?: number
  exclusiveMaximum?: number
  multipleOf?: number
}

type BooleanNode<N extends boolean, D> = Keywords & { type: Ty<'boolean', N>; default?: D; const?: boolean }

type ArrayNode<E, N extends boolean, D> = Keywords & {
  type: Ty<'array', N>
  items: SchemaFor<E>
  minItems?: number
  maxItems?: number
  uniqueItems?: boolean
  default?: D
}

/** Every key of the interface, and no other, with its schema (the object literal's excess-property check catches extra keys). */
export type OptionProperties<O> = { [K in keyof O]-?: SchemaFor<Exclude<O[K], undefined>> }

type ObjectNode<U, N extends boolean, D> = Keywords &
  (string extends keyof U
    ? { type: Ty<'object', N>; properties?: Partial<OptionProperties<U>>; additionalProperties?: boolean | SchemaFor<U[keyof U]>; default?: D }
    : { type: Ty<'object', N>; properties: OptionProperties<U>; required?: readonly (keyof U & string)[]; additionalProperties?: boolean; default?: D })

/** The schema of one kind of value (`U` without null; `N`: the interface also allows null). */
type Single<U, N extends boolean, D> = [U] extends [string]
  ? StringNode<U, N, D>
  : [U] extends [number]
    ? NumberNode<U, N, D>
    : [U] extends [boolean]
      ? BooleanNode<N, D>
      : [U] extends [Opaque]
        ? JsonSchema
        : [U] extends [readonly (infer E)[]]
          ? ArrayNode<E, N, D>
          : [U] extends [object]
            ? ObjectNode<U, N, D>
            : never

/** One branch of an `anyOf`: the schema of one kind of value in a union. */
type Branch<T> =
  | ([Extract<T, string>] extends [never] ? never : Single<Extract<T, string>, false, Extract<T, string>>)
  | ([Extract<T, number>] extends [never] ? never : Single<Extract<T, number>, false, Extract<T, number>>)
  | ([Extract<T, boolean>] extends [never] ? never : Single<Extract<T, boolean>, false, Extract<T, boolean>>)
  | ([Extract<T, readonly unknown[]>] extends [never] ? never : Single<Extract<T, readonly unknown[]>, false, Extract<T, readonly unknown[]>>)
  | ([Exclude<T, string | number | boolean | null | readonly unknown[]>] extends [never] ? never : Single<Exclude<T, string | number | boolean | null | readonly unknown[]>, false, Exclude<T, string | number | boolean | null | readonly unknown[]>>)
  | (null extends T ? Keywords & { type: 'null' } : never)

/** A union of kinds (`number | [h: number, w: number]`) is written as `anyOf`, one branch per kind. */
type AnyOfNode<T> = Keywords & { anyOf: readonly Branch<T>[]; default?: T }

/** The JSON Schema of a value of type `T`, as it may appear in an options schema. */
export type SchemaFor<T> =
  IsAny<T> extends true
    ? JsonSchema
    : unknown extends T
      ? JsonSchema
      : [T] extends [never]
        ? never
        : [T] extends [null]
          ? Keywords & { type: 'null' }
          : (null extends T ? Single<Exclude<T, null>, true, T> : Single<T, false, T>) | AnyOfNode<T>

/**
 * The options schema of a plugin whose `create` takes `O`: an object schema that rejects unknown
 * keys (`additionalProperties: false`) and gives a schema for every key of `O`. A plain
 * {@link JsonSchema} when `O` is not known (`any`, `unknown`).
 */
export type OptionsSchema<O> =
  IsAny<O> extends true
    ? JsonSchema
    : unknown extends O
      ? JsonSchema
      : [O] extends [object]
        ? string extends keyof O
          ? ObjectNode<O, false, O>
          : Keywords & { type: 'object'; additionalProperties: false; properties: OptionProperties<O>; required?: readonly (keyof O & string)[] }
        : JsonSchema
