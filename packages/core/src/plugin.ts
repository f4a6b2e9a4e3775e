import type { Diagnostic, DiagnosticCode } from './diagnostics.js'
import type { Frame, PortName, PortTypes } from './ports.js'
import type { ModelAccess, SessionSettings } from './models/access.js'
import type { TensorBackend } from './backends/types.js'
import type { OptionsSchema } from './option-schema.js'

/** The stage kinds, in data-flow order. */
export const STAGE_KINDS = [
  'input',
  'backbone',
  'text-encoder',
  'masker',
  'aggregator',
  'storage2d',
  'lifter',
  'storage3d',
  'querier',
  'evaluator',
] as const

/** One stage kind. */
export type StageKind = (typeof STAGE_KINDS)[number]

/** A JSON Schema object (draft 2020-12 subset that ajv 8 compiles in strict mode). */
export type JsonSchema = Record<string, unknown>

/** A warning or info reported by a plugin; the runtime stamps stage, plugin and frame. */
export type PluginNote = Partial<Diagnostic> & { code: DiagnosticCode; message: string }

/** What a plugin gets when it is created (config time). */
export interface PluginContext {
  /** The stage key in the pipeline (`backbone`, `masker`, …), or the plugin name when standalone. */
  stage: string
  /** The run directory; every output goes under it. */
  runDir: string
  /** This stage's own output directory, `<runDir>/<stage>`; create it when you first write. */
  outDir: string
  /** Directory of the pipeline file, to resolve relative paths in options. */
  baseDir: string
  /** The tensor seam chosen for this run (matmul, row normalisation, top-k, float16). */
  tensor: TensorBackend
  /** The model store (`PLAF_HOME`): `open('radio-v2.5-b')` gives the manifest and file paths. */
  models: ModelAccess
  /** Device and threads for ONNX sessions, from the pipeline's `runtime:` block. */
  session: SessionSettings
  /** Creates another registered plugin by kind and name (e.g. the querier's text encoder). */
  instantiate(kind: StageKind, use: string, options?: unknown): Promise<StageInstance>
  /** Reports a warning or info; errors are thrown as PlafError instead. */
  warn(note: PluginNote): void
  /** Free-text progress note for the log. */
  log(message: string): void
}

/** What a stage gets on each call (run time). */
export interface RunContext {
  /** The frame being processed; absent in scene-level calls. */
  frame?: { id: string; index: number }
  /** Adds a figure to this stage's report (summed over frames), e.g. bytes written. */
  metric(name: string, value: number, unit?: string): void
  warn(note: PluginNote): void
}

type Awaitable<T> = T | Promise<T>
/** Loose record of port values, used where the port set is only known at run time. */
export type PortRecord = Record<string, unknown>

/**
 * A created stage. `run` is called once per frame with the frame-scoped inputs (or once per scene,
 * at the end, for a stage whose inputs are all scene-scoped). `finish` is called once after the
 * last frame with the scene-scoped inputs and returns the scene-scoped outputs of an accumulator.
 */
export interface StageInstance<I extends PortRecord = PortRecord, O extends PortRecord = PortRecord> {
  run(inputs: I, rc: RunContext): Awaitable<O>
  finish?(inputs: PortRecord, rc: RunContext): Awaitable<PortRecord>
  /** For storage codecs: rebuilds the outputs a finished run stored (frame given for 2D codecs). */
  read?(frame?: { id: string }): Promise<PortRecord>
  /** A fingerprint of everything the options do not show (model hashes); goes into cache keys. */
  fingerprint?: string
  dispose?(): Awaitable<void>
}

/** A frame source created by an input plugin. */
export interface InputSource {
  /** Content identity of the source (hash of scene files or of generator parameters). */
  identity: string
  /** Human-readable description, e.g. the scene directory. */
  describe: string
  /** Number of frames `frames()` will yield (after any frame_step/limit), for progress and ETA. */
  frameCount: number
  /** Yields frames in order, starting at the `from`-th frame of this sequence (for --resume). */
  frames(from?: number): AsyncIterable<Frame>
  dispose?(): Awaitable<void>
}

interface PluginBase<O> {
  /** The YAML `use:` value: short, kebab-case, unique within its kind. */
  name: string
  version: string
  /** One sentence shown by `plaf plugins`. */
  description: string
  /**
   * JSON Schema of the `with:` block (additionalProperties false, defaults for every optional key),
   * typed against the options type `O` when it is known, so schema and interface cannot drift.
   */
  options: OptionsSchema<O>
  /** npm package the plugin ships in, for messages (`@plaf/masker-classic`). */
  package?: string
  /** Type-only marker for the options type; never set at run time. */
  readonly __options?: O
}

/** What an input plugin's `check` gets: where relative paths in options resolve (for API callers). */
export interface InputCheckContext {
  /** Directory of the pipeline file. Path options (`format: 'path'`) arrive absolute from the resolver. */
  baseDir: string
}

/** What a stage plugin's `check` gets: the pipeline's directory and the stage's key (`masker`). */
export interface StageCheckContext extends InputCheckContext {
  stage: string
}

/** What an input's frames carry beyond colour, which some stages need (the `backproject` lifter: both). */
export const FRAME_CAPABILITIES = ['depth', 'pose'] as const
/** One frame capability: `depth` (a depth image with its intrinsics), `pose` (camera-to-world). */
export type FrameCapability = (typeof FRAME_CAPABILITIES)[number]

/** An input plugin: yields frames. */
export interface InputPlugin<O = any> extends PluginBase<O> {
  kind: 'input'
  outputs: { frame: 'Frame' }
  create(options: O, ctx: PluginContext): Promise<InputSource>
  /**
   * Optional cheap check of the source, called by the resolver (so by `plaf validate`, and by
   * `plaf run` before anything is created or written) once the options are valid: existence and
   * layout of files, cross-option rules; never decoding frames. Returns what is wrong (severity
   * error unless given); each note's `path` is the dotted option path inside `with:` (`scene`), so
   * the diagnostic points at that option's line and column in the YAML.
   */
  check?(options: O, ctx: InputCheckContext): PluginNote[] | Promise<PluginNote[]>
  /**
   * What the frames carry (`depth`, `pose`). A stage whose `requires` the input does not provide
   * is refused at validate time, at that stage. Undefined (and no `capabilities`): no claim,
   * nothing is checked (a stage then skips frames without depth or pose at run time, counted).
   * A frame may still lack a pose the input provides (lost tracking: a counted skip).
   */
  provides?: readonly FrameCapability[]
  /**
   * For an input where it depends on the options: what the frames carry with these (validated)
   * options; replaces `provides`. Called by the resolver only once `check` found nothing wrong; a
   * thrown PlafError means "cannot say" (nothing is checked).
   */
  capabilities?(options: O, ctx: InputCheckContext): readonly FrameCapability[] | Promise<readonly FrameCapability[]>
}

/** What a plugin's `embeddingSpace` gets: the model store (read-only) and the pipeline's directory. */
export interface EmbeddingSpaceContext {
  models: ModelAccess
  baseDir: string
}

/** A stage plugin of any non-input kind. */
export interface StagePlugin<
  O = any,
  I extends Record<string, PortName> = Record<string, PortName>,
  P extends Record<string, PortName> = Record<string, PortName>,
> extends PluginBase<O> {
  kind: Exclude<StageKind, 'input'>
  inputs: I
  outputs: P
  /** True when run() outputs depend only on inputs, options and fingerprint (safe to cache). */
  cacheable?: boolean
  /** What the frames it reads must carry (see `InputPlugin.provides`); checked at validate time. */
  requires?: readonly FrameCapability[]
  /**
   * Optional, for queriers: whether `run` reads the frame's pixels (`rgb`, `depth`, `labels`) or
   * camera with these (validated, defaulted) options. False lets a query on a finished run
   * (`openRun`) walk the stored frames by id without decoding the input's images; the frame it
   * then gets carries its `id` only (reading anything else throws PLAF_INTERNAL). Undefined: it does.
   */
  readsFramePixels?(options: O): boolean
  create(options: O, ctx: PluginContext): Promise<StageInstance<PortsOf<I>, Partial<PortsOf<P>>>>
  /**
   * Optional cheap check of the options, called by the resolver (so by `plaf validate`, and by
   * `plaf run` before anything is created) once the stage's options are valid against the schema:
   * cross-option rules the schema cannot express, and that files the options name are there (the
   * `text` querier's `mesh`); no model opened, nothing run. Returns what is
   * wrong (severity error unless given); each note's `path` is the dotted option path inside
   * `with:` (`point_grids.0`), so the diagnostic points at that option's line and column. A thrown
   * PlafError counts as its diagnostics.
   */
  check?(options: O, ctx: StageCheckContext): PluginNote[] | Promise<PluginNote[]>
  /**
   * Optional, for backbones and text encoders: the embedding space id the stage's vectors will be
   * in with these (validated, defaulted) options, without running anything (for a model-backed
   * plugin: its manifest's `embedding_space`). The resolver rejects a pipeline whose backbone and
   * text encoder answer differently, at validate time. Throwing `PLAF_MODEL_MISSING` is fine: the
   * check then becomes a warning. Undefined: no claim.
   */
  embeddingSpace?(options: O, ctx: EmbeddingSpaceContext): string | undefined | Promise<string | undefined>
  /**
   * Optional, for backbones: whether the FeatureGrid it produces with these options carries the
   * grid before its language adaptor and the adaptor itself (`FeatureGrid.adaptor`), from the
   * manifest alone. Consulted for stages whose `needsSeparateAdaptor` answers. Throwing
   * `PLAF_MODEL_MISSING` is fine: the check becomes a warning. Absent: never.
   */
  separateAdaptor?(options: O, ctx: EmbeddingSpaceContext): boolean | Promise<boolean>
  /**
   * Optional, for stages that read a FeatureGrid: with these options, the dotted option path
   * (inside `with:`) that needs the backbone's separate adaptor (e.g. `adaptor` of `mask-mean`
   * set to `after-average`), or undefined. The resolver then refuses, at that option's line, a
   * pipeline whose FeatureGrid producer cannot hand the adaptor out (`PLAF_INVALID_OPTION`).
   */
  needsSeparateAdaptor?(options: O): string | undefined
}

/** Any plugin. */
export type Plugin = InputPlugin | StagePlugin

/** Port values for a record of port names. */
export type PortsOf<P extends Record<string, PortName>> = { [K in keyof P]: PortTypes[P[K]] }

/** Identity helper that keeps the plugin's literal types (ports, options) for inference. */
export function defineStage<O, I extends Record<string, PortName>, P extends Record<string, PortName>>(
  plugin: StagePlugin<O, I, P>,
): StagePlugin<O, I, P> {
  return plugin
}

/** Identity helper for input plugins. */
export function defineInput<O>(plugin: InputPlugin<O>): InputPlugin<O> {
  return plugin
}
