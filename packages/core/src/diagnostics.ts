/**
 * Diagnostics are data: every problem the runtime finds is one of these objects. Only the CLI
 * turns them into text. Codes are kept sorted here; add new ones in order.
 */
export const DIAGNOSTIC_CODES = [
  'PLAF_BACKEND_UNAVAILABLE',
  'PLAF_CACHE_DAMAGED',
  'PLAF_CAPABILITY_MISSING',
  'PLAF_DOWNLOAD_FAILED',
  'PLAF_DUPLICATE_PLUGIN',
  'PLAF_EMPTY_RESULT',
  'PLAF_EXTENDS_CYCLE',
  'PLAF_EXTENDS_NOT_FOUND',
  'PLAF_FILE_NOT_FOUND',
  'PLAF_FRAME_SKIPPED',
  'PLAF_INPUT_INVALID',
  'PLAF_INTERNAL',
  'PLAF_INTERPOLATION',
  'PLAF_INTERRUPTED',
  'PLAF_INTRINSICS_SCALED',
  'PLAF_INVALID_OPTION',
  'PLAF_INVALID_OVERRIDE',
  'PLAF_INVALID_PIPELINE',
  'PLAF_MISSING_OPTION',
  'PLAF_MODEL_CONFLICT',
  'PLAF_MODEL_CORRUPT',
  'PLAF_MODEL_INVALID',
  'PLAF_MODEL_IO_MISMATCH',
  'PLAF_MODEL_MISSING',
  'PLAF_MODEL_RUN_FAILED',
  'PLAF_OFFLINE',
  'PLAF_OPTIONS_DROPPED',
  'PLAF_OUTPUT_UNWRITABLE',
  'PLAF_PLUGIN_INVALID',
  'PLAF_PLUGIN_LOAD_FAILED',
  'PLAF_PLUGIN_OUTSIDE_TREE',
  'PLAF_PORT_UNCONNECTED',
  'PLAF_PORT_VALUE_INVALID',
  'PLAF_RANDOM_WEIGHTS',
  'PLAF_RESUME_MISMATCH',
  'PLAF_RUN_DIR_USED',
  'PLAF_RUN_LOCKED',
  'PLAF_RUN_NOT_QUERYABLE',
  'PLAF_SPACE_MISMATCH',
  'PLAF_STAGE_FAILED',
  'PLAF_STAGE_STALLED',
  'PLAF_STAGE_TIMEOUT',
  'PLAF_UNKNOWN_OPTION',
  'PLAF_UNKNOWN_PLUGIN',
  'PLAF_YAML_SYNTAX',
] as const

/** A diagnostic code. */
export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number]

/** How bad it is: errors stop a run, warnings are counted and reported. */
export type Severity = 'error' | 'warning' | 'info'

/** One problem, with everything needed to locate and fix it. */
export interface Diagnostic {
  code: DiagnosticCode
  severity: Severity
  message: string
  /** File the problem is in (a pipeline YAML, a scene file, a model). */
  file?: string
  /** 1-based line and column in `file`. */
  line?: number
  column?: number
  /** Dotted option path, e.g. `stages.masker.with.k`. */
  path?: string
  plugin?: string
  stage?: string
  frame?: string
  expected?: string
  actual?: string
  /** Text shown as a hint, e.g. closest names or the command that lists options. */
  hint?: string
  /** The `--set` argument that introduced the value, when it came from the command line. */
  source?: string
  cause?: unknown
}

/** Builds a diagnostic; `severity` defaults to error. */
export function diagnostic(code: DiagnosticCode, message: string, rest: Partial<Diagnostic> = {}): Diagnostic {
  const d: Diagnostic = { code, severity: rest.severity ?? 'error', message }
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) (d as unknown as Record<string, unknown>)[k] = v
  return d
}

/** An error carrying one or more diagnostics; what every PLAF API throws for user-facing problems. */
export class PlafError extends Error {
  readonly diagnostics: Diagnostic[]
  constructor(diagnostics: Diagnostic | Diagnostic[], options?: { cause?: unknown }) {
    const list = Array.isArray(diagnostics) ? diagnostics : [diagnostics]
    super(list.map((d) => `${d.code}: ${d.message}`).join('\n'), options)
    this.name = 'PlafError'
    this.diagnostics = list
  }
  /** The first diagnostic's code. */
  get code(): DiagnosticCode {
    return this.diagnostics[0].code
  }
}

/** Shorthand to throw a single-diagnostic PlafError. */
export function fail(code: DiagnosticCode, message: string, rest: Partial<Diagnostic> = {}): never {
  throw new PlafError(diagnostic(code, message, rest), { cause: rest.cause })
}

/** True when a list holds at least one error. */
export const hasErrors = (list: readonly Diagnostic[]): boolean => list.some((d) => d.severity === 'error')
