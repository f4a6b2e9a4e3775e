import { closestNames, diagnostic, flagOrigin, type Diagnostic } from '@plaf/core'

/**
 * The diagnostic for a flag whose value is not one of `choices` (`--backend nope`), located at the
 * flag like every other option error; undefined when the value is fine.
 */
export function choiceDiagnostic(flag: string, value: string, choices: readonly string[], what: string): Diagnostic | undefined {
  if (choices.includes(value)) return undefined
  const near = closestNames(value, choices)
  const { source, column } = flagOrigin(`${flag} ${value}`)
  return diagnostic('PLAF_INVALID_OPTION', `unknown ${what} "${value}"`, {
    source, column, path: flag.replace(/^--/, ''), expected: `one of ${choices.join(', ')}`, actual: value,
    hint: near.length ? `did you mean "${near[0]}"?` : undefined,
  })
}

/** A flag's text as a value: a number when it reads as one, else the string (the schema says what is wrong). */
export const flagValue = (raw: string): unknown => (raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw)
