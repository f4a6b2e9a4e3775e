import { createHash } from 'node:crypto'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildModel } from '../backends/onnx-graph.js'
import type { ModelManifest, TokenizerInfo } from '../models/manifest.js'
import { mulberry32 } from '../util/random.js'
import { clipBpeTokenizerJson, unigramTokenizerJson, type UnigramPiece } from './tokenizers.js'

/** Everything a generated ONNX text model, its tokenizer and its manifest are made of. */
export interface TextContractSpec {
  name: string
  version: string
  /** Manifest family (`siglip-text`, `clip-text`). */
  family: string
  description: string
  /** ONNX file name (as the real export names it). */
  file: string
  /** `unigram`: SentencePiece-style (SigLIP/T5); `clip-bpe`: CLIP's byte-level BPE. */
  tokenizer: 'unigram' | 'clip-bpe'
  /** Words the vocabulary spells whole (besides single characters / bytes); default {@link CONTRACT_TEXT_WORDS}. */
  words?: readonly string[]
  contextLength: number
  /** Output width D (the manifest's feature_dim unless `manifestDim` says otherwise). */
  featureDim: number
  /** Declared in the manifest instead of featureDim (for D-mismatch tests). */
  manifestDim?: number
  embeddingSpace: string
  clean: TokenizerInfo['clean']
  /** Pad id; `eos` = the end-of-text id (SigLIP pads with eos), otherwise a number (CLIP: 0). */
  pad: 'eos' | number
  /** Names of the graph's input and output (the real exports: input_ids, text_embeds). */
  inputName?: string
  outputName?: string
  /** Width of the token embedding table. */
  width?: number
  seed: number
}

/** A generated text model directory. */
export interface TextContractModel {
  dir: string
  manifest: ModelManifest
  /** Token table V×width, bias (width) and projection width×D, row-major, to recompute embeddings by hand. */
  weights: { table: Float32Array; bias: Float32Array; projection: Float32Array; vocab: number; padId: number }
}

/** Indoor-scene words the generated vocabularies hold whole; other text falls back to characters or bytes. */
export const CONTRACT_TEXT_WORDS: readonly string[] = [
  'a', 'an', 'the', 'of', 'photo', 'picture', 'chair', 'table', 'sofa', 'lamp', 'window', 'door', 'bed', 'desk', 'shelf',
  'cabinet', 'kitchen', 'plant', 'wall', 'floor', 'ceiling', 'red', 'green', 'blue', 'white', 'black', 'wooden', 'small', 'large',
]

const sha256 = (b: Uint8Array | string): string => createHash('sha256').update(b).digest('hex')

function unigramPieces(words: readonly string[]): UnigramPiece[] {
  const chars = [...'abcdefghijklmnopqrstuvwxyz0123456789']
  const whole = [...new Set(words)].map((w, i): UnigramPiece => [`▁${w}`, -2 - i / 100])
  const starts = chars.filter((c) => !words.includes(c)).map((c, i): UnigramPiece => [`▁${c}`, -7 - i / 100])
  return [['▁', -3], ...whole, ...chars.map((c, i): UnigramPiece => [c, -6 - i / 100]), ...starts]
}

/** Merges that spell each word left to right (`c h`, `ch a`, …, `chai r</w>`). */
function spellingMerges(words: readonly string[]): string[] {
  const merges = new Set<string>()
  for (const w of words) {
    const cs = [...w]
    if (cs.length < 2) continue
    let left = cs[0]!
    for (let i = 1; i < cs.length; i++) {
      const right = i === cs.length - 1 ? `${cs[i]}</w>` : cs[i]!
      merges.add(`${left} ${right}`)
      left += right
    }
  }
  return [...merges]
}

/**
 * Writes a small ONNX text tower with the exact I/O of a real export, `input_ids` int64 [B, L] →
 * `text_embeds` f32 [B, D], its `tokenizer.json` (SentencePiece Unigram or CLIP byte-level BPE over
 * `words` plus single characters) and `plaf-model.json`. The network is a token table lookup
 * (Gather), the mean over the positions whose id is not the pad id, plus a bias, and a projection
 * (MatMul), with mulberry32 weights. Without attention, last-token or end-of-text pooling would
 * see the same token for every text, and a mean over all L positions would be dominated by the
 * padding; the masked mean keeps different texts apart.
 */
export function writeTextContractModel(dir: string, spec: TextContractSpec): TextContractModel {
  const words = spec.words ?? CONTRACT_TEXT_WORDS
  const tokJson = spec.tokenizer === 'unigram' ? unigramTokenizerJson({ pieces: unigramPieces(words) }) : clipBpeTokenizerJson({ merges: spellingMerges(words) })
  const V = spec.tokenizer === 'unigram'
    ? (tokJson.model as { vocab: unknown[] }).vocab.length
    : Object.keys((tokJson.model as { vocab: object }).vocab).length
  const eos = spec.tokenizer === 'unigram' ? 1 : V - 1
  const E = spec.width ?? 16
  const D = spec.featureDim
  const L = spec.contextLength
  const rng = mulberry32(spec.seed)
  const table = Float32Array.from({ length: V * E }, () => 2 * rng() - 1)
  const projection = Float32Array.from({ length: E * D }, () => (2 * rng() - 1) / Math.sqrt(E))
  const bias = Float32Array.from({ length: E }, () => (2 * rng() - 1) / 4)
  const padId = spec.pad === 'eos' ? eos : spec.pad
  const inputName = spec.inputName ?? 'input_ids'
  const outputName = spec.outputName ?? 'text_embeds'
  const bytes = buildModel({
    name: spec.name,
    inputs: [{ name: inputName, type: 'int64', shape: ['B', L] }],
    outputs: [{ name: outputName, type: 'float32', shape: ['B', D] }],
    initializers: [
      { name: 'token_table', type: 'float32', dims: [V, E], data: table },
      { name: 'projection', type: 'float32', dims: [E, D], data: projection },
      { name: 'bias', type: 'float32', dims: [E], data: bias },
      { name: 'pad_id', type: 'int64', dims: [], data: [padId] },
      { name: 'one', type: 'float32', dims: [], data: [1] },
      { name: 'axis1', type: 'int64', dims: [1], data: [1] },
      { name: 'axis2', type: 'int64', dims: [1], data: [2] },
    ],
    nodes: [
      { op: 'Gather', inputs: ['token_table', inputName], outputs: ['tokens'], attributes: { axis: 0 } },
      { op: 'Equal', inputs: [inputName, 'pad_id'], outputs: ['is_pad'] },
      { op: 'Not', inputs: ['is_pad'], outputs: ['keep'] },
      { op: 'Cast', inputs: ['keep'], outputs: ['mask'], attributes: { to: 1 } },
      { op: 'Unsqueeze', inputs: ['mask', 'axis2'], outputs: ['mask3'] },
      { op: 'Mul', inputs: ['tokens', 'mask3'], outputs: ['kept'] },
      { op: 'ReduceSum', inputs: ['kept', 'axis1'], outputs: ['sum'], attributes: { keepdims: 0 } },
      { op: 'ReduceSum', inputs: ['mask', 'axis1'], outputs: ['count0'], attributes: { keepdims: 1 } },
      { op: 'Max', inputs: ['count0', 'one'], outputs: ['count'] },
      { op: 'Div', inputs: ['sum', 'count'], outputs: ['mean'] },
      { op: 'Add', inputs: ['mean', 'bias'], outputs: ['pooled'] },
      { op: 'MatMul', inputs: ['pooled', 'projection'], outputs: [outputName] },
    ],
  })
  const tokText = JSON.stringify(tokJson)
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, spec.file), bytes)
  writeFileSync(join(dir, 'tokenizer.json'), tokText)
  const manifest: ModelManifest = {
    format: 1,
    name: spec.name,
    version: spec.version,
    description: spec.description,
    licence: { id: 'Apache-2.0', commercial_use: true, note: 'generated test model, random weights' },
    source: { exported_by: 'generated by @plaf/core/testing writeTextContractModel (random weights)' },
    family: spec.family,
    files: [
      { path: spec.file, sha256: sha256(bytes), bytes: bytes.byteLength },
      { path: 'tokenizer.json', sha256: sha256(tokText), bytes: Buffer.byteLength(tokText) },
    ],
    graphs: {
      text: {
        file: spec.file,
        inputs: [{ name: inputName, dtype: 'int64', shape: ['B', L], role: 'input_ids' }],
        outputs: [{ name: outputName, dtype: 'float32', shape: ['B', spec.manifestDim ?? D], role: 'text_embeds', description: 'pooled, projected text embedding (not normalised)' }],
      },
    },
    text: {
      embedding_space: spec.embeddingSpace,
      feature_dim: spec.manifestDim ?? D,
      tokenizer: { file: 'tokenizer.json', context_length: L, pad_id: padId, eos_id: eos, clean: spec.clean, keep_eos_on_truncate: true },
    },
  }
  writeFileSync(join(dir, 'plaf-model.json'), JSON.stringify(manifest, null, 2) + '\n')
  return { dir, manifest, weights: { table, bias, projection, vocab: V, padId } }
}
