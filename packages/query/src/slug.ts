/** Longest slug `slugify` returns (the official script's safe names stop at 50 characters too). */
const MAX_SLUG = 50

/**
 * A file-name-safe form of a query: lower case, accents stripped, every run of other characters
 * turned into one `-`, trimmed, at most 50 characters; `query` when nothing is left.
 * `"Red Chair / Sofa"` → `red-chair-sofa`.
 */
export function slugify(text: string): string {
  const s = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, MAX_SLUG)
    .replace(/^-+|-+$/g, '')
  return s || 'query'
}

/** Slugs for a list of queries, made unique by `-2`, `-3`, … suffixes in order of appearance. */
export function uniqueSlugs(texts: readonly string[]): string[] {
  const seen = new Map<string, number>()
  return texts.map((t) => {
    const base = slugify(t)
    const n = (seen.get(base) ?? 0) + 1
    seen.set(base, n)
    return n === 1 ? base : `${base}-${n}`
  })
}
