import { fail } from '../diagnostics.js'
import type { OpenedModel } from './access.js'
import { readTokenizerJson, type TextTokenizer } from './text-tokenizer.js'

/**
 * File the export tools (tools/export) write beside a text model: tricky strings and the ids the
 * exporting (Python, official) tokenizer gave them, `{ texts: string[], input_ids: number[][] }`.
 */
export const TOKENIZER_GOLDEN_FILE = 'tokens.json'

const isIdRow = (r: unknown, L: number): r is number[] => Array.isArray(r) && r.length === L && r.every((x) => Number.isInteger(x))

/**
 * Checks this tokenizer against the exporting tokenizer's ids in `tokens.json`, when the model lists
 * that file: every golden string must give exactly the same ids (cleaning, pieces, special tokens,
 * truncation and padding included), so a model imported from the real export is tokenised as its
 * authors tokenised it, or refused with the first difference. Returns the number of strings checked
 * (0 without the file).
 */
export function checkTokenizerGolden(model: OpenedModel, tokenizer: TextTokenizer): number {
  const { manifest } = model
  if (!manifest.files.some((f) => f.path === TOKENIZER_GOLDEN_FILE)) return 0
  const file = model.path(TOKENIZER_GOLDEN_FILE)
  const golden = readTokenizerJson(file, 'tokenizer golden file', manifest.name) as { texts?: unknown; input_ids?: unknown }
  const L = tokenizer.info.context_length
  const { texts, input_ids: ids } = golden
  if (!Array.isArray(texts) || !texts.every((t) => typeof t === 'string') || !Array.isArray(ids) || ids.length !== texts.length || !ids.every((r) => isIdRow(r, L))) {
    fail('PLAF_MODEL_INVALID', `model ${manifest.name}: ${file} must hold "texts" (strings) and "input_ids" (one row of ${L} integer ids per text)`, {
      file, expected: `{ texts: string[], input_ids: number[n][${L}] }`,
    })
  }
  texts.forEach((text: string, i) => {
    const want = ids[i] as number[]
    const got = tokenizer.encode(text)
    const j = got.findIndex((id, k) => id !== want[k])
    if (j >= 0) {
      fail('PLAF_MODEL_INVALID', `model ${manifest.name}: the tokenizer gives other ids than the exporting tokenizer for ${JSON.stringify(text)} (${TOKENIZER_GOLDEN_FILE}, text ${i}): id ${got[j]} at position ${j}, the export has ${want[j]}`, {
        file, path: `input_ids[${i}][${j}]`, expected: want.slice(0, j + 4).join(' '), actual: got.slice(0, j + 4).join(' '),
        hint: 'tokenizer.json or the manifest\'s text.tokenizer settings (clean, context_length, pad_id, keep_eos_on_truncate) differ from the exporting tokenizer',
      })
    }
  })
  return texts.length
}
