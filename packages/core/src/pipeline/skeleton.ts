import { TENSOR_BACKENDS } from '../backends/types.js'

const stageRef = {
  type: 'object',
  additionalProperties: false,
  required: ['use'],
  properties: {
    use: { type: 'string', description: 'Plugin name (see `plaf plugins`).' },
    with: { type: 'object', description: "The plugin's options." },
    from: {
      type: 'object',
      description: 'Explicit wiring: input port → `stage.port` (default: latest earlier producer of the port type).',
      additionalProperties: { type: 'string', pattern: '^[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+$' },
    },
  },
} as const

/** Runtime settings with their defaults. */
export interface RuntimeSettings {
  tensor_backend: 'auto' | (typeof TENSOR_BACKENDS)[number]
  device: 'auto' | 'cpu' | 'cuda' | 'webgpu'
  cache: boolean
  cache_dir: string
  threads: number
  /** Frames read and not yet completed, at most: 1 runs one frame at a time. */
  frames_in_flight: number
  progress: 'auto' | 'bar' | 'lines' | 'none'
  /** Seconds one stage call may take (runtime.stage_timeout). */
  stage_timeout: number
  /** Model hub base URL for models missing from the store. */
  hub?: string
  /** Never use the network (missing models are an error). */
  offline: boolean
}

/** JSON Schema of the pipeline file itself; `with:` blocks are checked per plugin afterwards. */
export const pipelineSkeletonSchema = {
  $id: 'plaf://pipeline-skeleton',
  type: 'object',
  additionalProperties: false,
  required: ['input', 'stages'],
  properties: {
    name: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', description: 'Run name (default: the file name); used in ${name}.' },
    description: { type: 'string', description: 'Free text.' },
    extends: {
      description: 'Pipeline file(s) this one extends, relative to this file. Maps deep-merge, lists are replaced, null deletes.',
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    },
    plugins: {
      type: 'array',
      items: { type: 'string' },
      description: 'Third-party plugins: npm package names or paths relative to this file (.js/.mjs/.ts).',
    },
    vars: { type: 'object', description: 'Values for ${vars.KEY} interpolation.' },
    input: { ...stageRef, description: 'The frame source.' },
    stages: {
      type: 'object',
      minProperties: 1,
      description: 'Ordered stages: key → { use, with }.',
      additionalProperties: stageRef,
    },
    runtime: {
      type: 'object',
      additionalProperties: false,
      description: 'How the pipeline runs.',
      properties: {
        tensor_backend: { enum: ['auto', ...TENSOR_BACKENDS], default: 'auto', description: 'Tensor seam implementation (auto tries them in order).' },
        device: { enum: ['auto', 'cpu', 'cuda', 'webgpu'], default: 'auto', description: 'Execution device for model sessions.' },
        cache: { type: 'boolean', default: true, description: 'Cache stage outputs by content hash.' },
        cache_dir: { type: 'string', format: 'path', default: '.plaf-cache', description: 'Cache directory; relative to the file that sets it (the default: to the working directory).' },
        threads: { type: 'integer', minimum: 0, default: 0, description: 'Threads for model sessions (0 = all cores).' },
        frames_in_flight: {
          type: 'integer', minimum: 1, maximum: 64, default: 2,
          description: 'Frames in flight at most: the next frame is read while models run on the current one, and stages whose inputs are ready run side by side (results identical to 1: one frame at a time).',
        },
        progress: { enum: ['auto', 'bar', 'lines', 'none'], default: 'auto', description: 'Progress display (auto: bar on a TTY, lines otherwise).' },
        stage_timeout: { type: 'number', exclusiveMinimum: 0, default: 1800, description: 'Seconds one stage call (one frame, or a scene-level finish) may take before the run fails with the stage and frame named.' },
        hub: { type: 'string', pattern: '^https?://', description: 'Model hub base URL ({hub}/{repo}/resolve/{revision}/{path}, as Hugging Face); a model missing from PLAF_HOME is pulled from it. The --hub flag and PLAF_HUB take precedence.' },
        offline: { type: 'boolean', default: false, description: 'Never use the network: a model missing from PLAF_HOME is an error (PLAF_OFFLINE=1 does the same).' },
      },
      default: {},
    },
    output: {
      type: 'object',
      additionalProperties: false,
      description: 'Where the run directory goes.',
      properties: { dir: { type: 'string', format: 'path', default: 'runs/${name}', description: 'Run directory; relative to the file that sets it (the default: to the working directory).' } },
      default: {},
    },
    sweep: {
      type: 'object',
      additionalProperties: false,
      required: ['matrix'],
      description: 'A matrix of overrides; each combination runs into its own sub-directory.',
      properties: {
        matrix: {
          type: 'object',
          minProperties: 1,
          description: 'Dotted path → list of values.',
          additionalProperties: { type: 'array', minItems: 1 },
        },
        include: { type: 'array', items: { type: 'object' }, description: 'Extra combinations (path → value).' },
        exclude: { type: 'array', items: { type: 'object' }, description: 'Combinations to skip (path → value, partial match).' },
        max_variants: { type: 'integer', minimum: 1, default: 100, description: 'Most variants a sweep may have; counted before anything is expanded, checked by validate.' },
      },
    },
  },
} as const
