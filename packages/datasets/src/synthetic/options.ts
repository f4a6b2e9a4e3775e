import { PlafError, fail, optionDiagnostics, validateOptions, type JsonSchema, type OptionProperties, type OptionsSchema, type OptionsSource } from '@plaf/core'

/** Options of the procedural room (the `with:` block of `synthetic-room`, snake_case as in YAML). */
export interface SyntheticOptions {
  seed: number
  frames: number
  color_width: number
  color_height: number
  depth_width: number
  depth_height: number
  objects: number
  room_size: [number, number, number]
  depth_noise: number
  holes: number
  invalid_pose_frames: number[]
}

/** JSON Schema properties of SyntheticOptions, shared by the plugin and `writeScene`. */
export const SYNTHETIC_OPTION_PROPERTIES: OptionProperties<SyntheticOptions> = {
  seed: { type: 'integer', minimum: 0, maximum: 4294967295, default: 0, description: 'Seed of the layout, camera path and noise; the same seed gives the same scene.' },
  frames: { type: 'integer', minimum: 1, maximum: 100000, default: 12, description: 'Number of frames on one loop of the elliptical camera path.' },
  color_width: { type: 'integer', minimum: 16, maximum: 8192, default: 1296, description: 'Colour image width in pixels (ScanNet: 1296).' },
  color_height: { type: 'integer', minimum: 16, maximum: 8192, default: 968, description: 'Colour image height in pixels (ScanNet: 968).' },
  depth_width: { type: 'integer', minimum: 16, maximum: 8192, default: 640, description: 'Depth image width in pixels (ScanNet: 640).' },
  depth_height: { type: 'integer', minimum: 16, maximum: 8192, default: 480, description: 'Depth image height in pixels (ScanNet: 480).' },
  objects: { type: 'integer', minimum: 1, maximum: 7, default: 5, description: 'Number of box objects, each with its own category and colour category (red, orange, yellow, green, blue, purple, pink or brown), painted in a random shade of it.' },
  room_size: {
    type: 'array', items: { type: 'number', minimum: 2, maximum: 30 }, minItems: 3, maxItems: 3, default: [6, 5, 2.8],
    description: 'Room extent [x, y, z] in metres; the room is [0,x]×[0,y]×[0,z], z up.',
  },
  depth_noise: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Standard deviation in metres of Gaussian noise added to depth before millimetre quantisation.' },
  holes: { type: 'number', minimum: 0, maximum: 1, default: 0, description: 'Probability that a depth pixel is dropped (written as 0 = invalid).' },
  invalid_pose_frames: {
    type: 'array', items: { type: 'integer', minimum: 0 }, uniqueItems: true, default: [],
    description: 'Frame indices whose pose is reported invalid (written as -inf rows, yielded as pose null).',
  },
}

/** Schema of SyntheticOptions alone. */
export const SYNTHETIC_OPTIONS_SCHEMA: OptionsSchema<SyntheticOptions> = {
  type: 'object', additionalProperties: false, properties: SYNTHETIC_OPTION_PROPERTIES,
}

/**
 * Validates options against a schema and fills defaults; throws a PlafError with one located
 * diagnostic per problem (`optionDiagnostics`; `source` says which flags gave which option). Also
 * checks what a schema cannot: invalid_pose_frames within [0, frames).
 */
export function resolveOptions<T extends SyntheticOptions>(
  schema: JsonSchema, options: Partial<T> | undefined, what: string, source: Omit<OptionsSource, 'value'> = {},
): T {
  const r = validateOptions({ options: schema }, options ?? {})
  if (!r.ok) throw new PlafError(optionDiagnostics({ name: what, options: schema }, r.errors, { value: options ?? {}, ...source }))
  return checkSyntheticOptions(r.value as unknown as T, what)
}

/** The check a schema cannot express: every invalid_pose_frames index lies in [0, frames). Returns the options. */
export function checkSyntheticOptions<T extends SyntheticOptions>(v: T, what: string): T {
  const out = v.invalid_pose_frames.filter((i) => i >= v.frames)
  if (out.length) fail('PLAF_INVALID_OPTION', `${what}: invalid_pose_frames ${JSON.stringify(out)} are not below frames (${v.frames})`, { path: 'invalid_pose_frames' })
  return v
}
