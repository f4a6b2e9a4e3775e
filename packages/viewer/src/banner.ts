import type { ViewerWarning } from './wire.js'

/** Placeholder in the page's HTML template where {@link withWarnings} puts the warnings banner. */
export const WARNINGS_MARK = '<!--PLAF_WARNINGS-->'

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/** Text made safe as HTML element content or a quoted attribute value. */
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => ENTITIES[c])

/**
 * The page's warnings banner (`<div id="warnings" role="alert">`): one item per warning, its code,
 * message and hint, every text escaped. Empty for no warnings: the page then has no banner.
 */
export function warningsBanner(warnings: readonly ViewerWarning[]): string {
  if (!warnings.length) return ''
  const items = warnings.map((w) => `<li><code>${escapeHtml(w.code)}</code> ${escapeHtml(w.message)}${w.hint ? `<div class="hint">${escapeHtml(w.hint)}</div>` : ''}</li>`)
  const head = warnings.length === 1 ? 'Warning about this run' : `${warnings.length} warnings about this run`
  return `<div id="warnings" role="alert"><strong>${head}:</strong><ul>${items.join('')}</ul></div>`
}

/** The page's HTML template with the warnings banner in place (none for no warnings). */
export const withWarnings = (html: string, warnings: readonly ViewerWarning[]): string => html.replace(WARNINGS_MARK, () => warningsBanner(warnings))

/**
 * JSON made safe to inline in a `<script type="application/json">`: every `<` written as `\u003c`
 * (the same string to JSON.parse), so no text in it (a query, a model name) can end the element
 * or open a comment that changes how the HTML parser reads it.
 */
export const inlineJson = (json: string): string => json.replace(/</g, '\\u003c')
