import { decodeHTML } from 'entities'

/** How text is cleaned before tokenising (`TokenizerInfo.clean`). */
export type TextCleanMode = 'siglip' | 'clip' | 'none'

// Python's str.isspace() set, which `re`'s \s and str.strip() use on str patterns (JS \s differs:
// it has U+FEFF and lacks U+001C–U+001F and U+0085).
const PY_SPACE = '\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000'
const SPACE_RUN = new RegExp(`[${PY_SPACE}]+`, 'g')
const EDGES = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g')
// Python's string.punctuation: the 32 ASCII punctuation characters.
const ASCII_PUNCT = /[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g

const strip = (s: string): string => s.replace(EDGES, '')

/**
 * open_clip's `basic_clean`: NFC (the normalisation `ftfy.fix_text` ends with), HTML entities
 * decoded twice (`&amp;amp;` → `&`, as `html.unescape(html.unescape(t))`), then stripped. ftfy's
 * mojibake repair (text decoded with the wrong codec) is not reproduced.
 */
export function basicClean(text: string): string {
  return strip(decodeHTML(decodeHTML(text.normalize('NFC'))).normalize('NFC'))
}

/** open_clip's `whitespace_clean`: runs of whitespace become one space; ends stripped. */
export function whitespaceClean(text: string): string {
  return strip(text.replace(SPACE_RUN, ' '))
}

/**
 * open_clip's `canonicalize_text` (SigLIP, `clean='canonicalize'`): `_` → space, ASCII
 * punctuation removed, lower-cased, whitespace collapsed and stripped.
 */
export function canonicalizeText(text: string): string {
  return whitespaceClean(text.replace(/_/g, ' ').replace(ASCII_PUNCT, '').toLowerCase())
}

/**
 * Cleans `text` as a model's tokenizer expects: `siglip` = canonicalize(basic_clean(t)) (open_clip's
 * SigLIP tokenizer); `clip` = whitespace_clean(basic_clean(t)).lower() (open_clip's SimpleTokenizer);
 * `none` = unchanged.
 */
export function cleanText(text: string, mode: TextCleanMode): string {
  if (mode === 'siglip') return canonicalizeText(basicClean(text))
  if (mode === 'clip') return whitespaceClean(basicClean(text)).toLowerCase()
  return text
}
