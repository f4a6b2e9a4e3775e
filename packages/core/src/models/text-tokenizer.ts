import { existsSync, readFileSync } from 'node:fs'
import { Tokenizer } from '@huggingface/tokenizers'
import { fail } from '../diagnostics.js'
import type { OpenedModel } from './access.js'
import type { TokenizerInfo } from './manifest.js'
import { cleanText } from './text-clean.js'

/** Token ids of a batch, fixed length, ready to feed an ONNX `input_ids` int64 [n, L] input. */
export interface TokenBatch {
  ids: BigInt64Array
  shape: [n: number, length: number]
}

/** A model's tokenizer: clean → tokenizer.json pipeline (with its special tokens) → fixed length. */
export interface TextTokenizer {
  readonly info: TokenizerInfo
  /** The text as the tokenizer sees it after the manifest's `clean`. */
  clean(text: string): string
  /** Ids of the cleaned text with the tokenizer's own special tokens, before truncation and padding. */
  encodeRaw(text: string): number[]
  /** Ids cut or padded to `context_length` (see {@link fitToLength}). */
  encode(text: string): number[]
  /** Every text encoded into one int64 [n, context_length] tensor. */
  encodeBatch(texts: readonly string[]): TokenBatch
}

/**
 * Cuts or pads `ids` to `info.context_length`. Longer: the first L ids are kept, and with
 * `keep_eos_on_truncate` the last one is replaced by `eos_id` (open_clip's CLIP tokenizer, and what
 * Hugging Face truncation with special tokens gives). Shorter: `pad_id` fills the rest.
 */
export function fitToLength(ids: readonly number[], info: TokenizerInfo): number[] {
  const L = info.context_length
  if (ids.length >= L) {
    const out = ids.slice(0, L)
    if (info.keep_eos_on_truncate && info.eos_id !== undefined && ids.length > L) out[L - 1] = info.eos_id
    return out
  }
  const out = ids.slice()
  while (out.length < L) out.push(info.pad_id)
  return out
}

/** Reads a JSON object file of a model (tokenizer.json, its config, tokens.json), with named errors. */
export function readTokenizerJson(file: string, what: string, model: string): object {
  if (!existsSync(file)) {
    fail('PLAF_MODEL_CORRUPT', `model ${model}: ${what} ${file} does not exist`, { file, hint: `plaf models verify ${model}  (re-pull or re-import the model)` })
  }
  try {
    const v = JSON.parse(readFileSync(file, 'utf8')) as unknown
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error('not a JSON object')
    return v
  } catch (e) {
    fail('PLAF_MODEL_INVALID', `model ${model}: ${what} ${file} is not a valid JSON object: ${(e as Error).message}`, { file })
  }
}

/** Tokenizer model types the engine implements. */
const TOKENIZER_MODELS = ['Unigram', 'BPE', 'WordPiece']

/**
 * Builds a tokenizer from parsed `tokenizer.json` (and optional `tokenizer_config.json`) objects.
 * The tokenizer runs in `@huggingface/tokenizers`, the engine of transformers.js: its normalizer,
 * pre-tokenizer, model and post-processor are exactly those the file declares. `name`/`file` only
 * label errors.
 */
export function createTextTokenizer(json: object, config: object, info: TokenizerInfo, name: string, file?: string): TextTokenizer {
  if (!Number.isInteger(info.context_length) || info.context_length < 1) {
    fail('PLAF_MODEL_INVALID', `model ${name}: text.tokenizer.context_length must be a positive integer`, { file, path: 'text.tokenizer.context_length', actual: String(info.context_length) })
  }
  const model = (json as { model?: { type?: unknown } }).model
  if (!model || typeof model !== 'object') {
    fail('PLAF_MODEL_INVALID', `model ${name}: ${file ?? 'tokenizer.json'} has no "model" section, so it is not a Hugging Face tokenizer.json`, { file, expected: 'a tokenizer.json with model.type Unigram, BPE or WordPiece' })
  }
  // @huggingface/tokenizers implements these three; any other type (WordLevel, …) would fall back to
  // its untyped 'Legacy' model, which maps unknown words to no id at all
  const type = (model as { type?: unknown }).type
  if (!TOKENIZER_MODELS.includes(type as string)) {
    fail('PLAF_MODEL_INVALID', `model ${name}: ${file ?? 'tokenizer.json'} has a ${JSON.stringify(type)} model, which the tokenizer engine (@huggingface/tokenizers) does not implement`, {
      file, path: 'model.type', expected: TOKENIZER_MODELS.join(', '), actual: String(type),
    })
  }
  let tok: Tokenizer
  try {
    tok = new Tokenizer(json, config)
    tok.encode('a')
  } catch (e) {
    fail('PLAF_MODEL_INVALID', `model ${name}: ${file ?? 'tokenizer.json'} cannot be loaded: ${(e as Error).message}`, { file, cause: e })
  }
  const clean = (text: string) => cleanText(text, info.clean)
  const encodeRaw = (text: string) => {
    const { ids, tokens } = tok.encode(clean(text))
    const bad = ids.findIndex((id: unknown) => !Number.isInteger(id))
    if (bad >= 0) {
      fail('PLAF_MODEL_INVALID', `model ${name}: ${file ?? 'tokenizer.json'} maps the token ${JSON.stringify(tokens[bad])} of ${JSON.stringify(text)} to no id (no unknown-token id for it)`, {
        file, actual: JSON.stringify(tokens[bad]), expected: 'a vocabulary that covers every token or names an unk token',
      })
    }
    return ids
  }
  const encode = (text: string) => fitToLength(encodeRaw(text), info)
  for (const [k, id] of [['pad_id', info.pad_id], ['eos_id', info.eos_id]] as const) {
    if (id !== undefined && (!Number.isInteger(id) || tok.id_to_token(id) === undefined)) {
      fail('PLAF_MODEL_INVALID', `model ${name}: text.tokenizer.${k} ${id} is not an id of the tokenizer's vocabulary`, { file, path: `text.tokenizer.${k}`, actual: String(id), expected: 'an id of tokenizer.json' })
    }
  }
  return {
    info,
    clean,
    encodeRaw,
    encode,
    encodeBatch(texts) {
      const L = info.context_length
      const ids = new BigInt64Array(texts.length * L)
      texts.forEach((t, i) => {
        const row = encode(t)
        for (let j = 0; j < L; j++) ids[i * L + j] = BigInt(row[j])
      })
      return { ids, shape: [texts.length, L] }
    },
  }
}

/**
 * Loads the tokenizer of a text model: `text.tokenizer.file` (and `config_file`) from the model
 * directory, with the manifest's clean-up, context length, pad and eos ids.
 */
export function loadTextTokenizer(model: OpenedModel): TextTokenizer {
  const { manifest } = model
  const info = manifest.text?.tokenizer
  if (!info) {
    fail('PLAF_MODEL_INVALID', `model ${manifest.name} is not a text model: its plaf-model.json has no text.tokenizer`, {
      path: 'text.tokenizer', expected: 'text: { tokenizer: { file, context_length, pad_id, clean } }', hint: `plaf models info ${manifest.name}`,
    })
  }
  const file = model.path(info.file)
  const json = readTokenizerJson(file, 'tokenizer file', manifest.name)
  const config = info.config_file ? readTokenizerJson(model.path(info.config_file), 'tokenizer config', manifest.name) : {}
  return createTextTokenizer(json, config, info, manifest.name, file)
}
