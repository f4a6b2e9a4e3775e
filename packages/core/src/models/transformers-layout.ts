import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PlafError, diagnostic, fail } from '../diagnostics.js'
import type { OnnxDataType } from '../backends/onnx-graph.js'
import type { ImageModelInfo, ModelGraph, TensorSpec, TextModelInfo } from './manifest.js'
import { readOnnxIo, type OnnxIoValue } from './onnx-io.js'

/**
 * transformers.js file suffixes of quantised or half-precision variants (`src/utils/dtypes.js`),
 * in the order a variant is preferred when a graph has no fp32 file.
 */
const VARIANTS: readonly [suffix: string, dtype: string][] = [
  ['_fp16', 'fp16'], ['_quantized', 'q8'], ['_int8', 'int8'], ['_uint8', 'uint8'], ['_q4f16', 'q4f16'], ['_q4', 'q4'], ['_bnb4', 'bnb4'],
]

/** Graph roles from transformers.js file names; other names keep their own. */
const ROLES: Record<string, string> = {
  text_model: 'text', vision_model: 'vision', model: 'model',
  vision_encoder: 'image_encoder', prompt_encoder_mask_decoder: 'mask_decoder',
}

/** Tensor roles from the names transformers.js exports use. */
const TENSOR_ROLES: Record<string, string> = {
  input_ids: 'input_ids', attention_mask: 'attention_mask', pixel_values: 'image',
  text_embeds: 'text_embeds', image_embeds: 'image_embeds', last_hidden_state: 'hidden_states',
  image_embeddings: 'image_embeddings', image_positional_embeddings: 'image_positional_embeddings',
  input_points: 'points', input_labels: 'labels', iou_scores: 'iou_scores', pred_masks: 'masks',
}

/** Families from config.json `model_type`. */
const FAMILIES: Record<string, string> = {
  siglip: 'siglip', siglip_text_model: 'siglip-text', siglip_vision_model: 'siglip-vision',
  clip: 'clip', clip_text_model: 'clip-text', clip_vision_model: 'clip-vision', sam: 'sam',
}

/** Everything but name, version and files' hashes, read from a transformers.js folder. */
export interface TransformersLayout {
  family: string
  licence: string
  graphs: Record<string, ModelGraph>
  image?: Omit<ImageModelInfo, 'embedding_space'>
  text?: Omit<TextModelInfo, 'embedding_space'>
  /** Files to copy, relative to the folder. */
  files: string[]
  /** What was left out (quantised variants) and what could not be represented exactly. */
  notes: string[]
}

type Json = Record<string, unknown>
const readJson = (dir: string, file: string): Json | undefined => {
  const p = join(dir, file)
  if (!existsSync(p)) return undefined
  try {
    return JSON.parse(readFileSync(p, 'utf8')) as Json
  } catch (e) {
    fail('PLAF_MODEL_INVALID', `${p} is not valid JSON: ${(e as Error).message}`, { file: p, expected: 'JSON', cause: e })
  }
}
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined)

function tensor(v: OnnxIoValue, file: string, role: string): TensorSpec {
  if (v.dtype === 'string' || v.dtype === 'bfloat16' || v.dtype.startsWith('type') || v.dtype === 'non-tensor') {
    throw new PlafError(diagnostic('PLAF_MODEL_INVALID', `${file}: tensor "${v.name}" has element type ${v.dtype}, which PLAF cannot feed or read`, { file, expected: 'a numeric or bool tensor', actual: v.dtype }))
  }
  const t: TensorSpec = { name: v.name, dtype: v.dtype as OnnxDataType, shape: v.shape }
  const r = v.name === 'pooler_output' ? (role === 'text' ? 'text_embeds' : 'image_embeds') : TENSOR_ROLES[v.name]
  return r ? { ...t, role: r } : t
}

/** Picks one file per graph from `onnx/` (fp32 first) and its external data files. */
function pickGraphs(dir: string, family: string, notes: string[]): { graphs: Record<string, ModelGraph>; files: string[] } {
  const onnxDir = join(dir, 'onnx')
  const all = readdirSync(onnxDir)
  const groups = new Map<string, Map<string, string>>()
  for (const f of all.filter((x) => x.endsWith('.onnx')).sort()) {
    const stem = f.slice(0, -'.onnx'.length)
    const v = VARIANTS.find(([s]) => stem.endsWith(s))
    const base = v ? stem.slice(0, -v[0].length) : stem
    if (!groups.has(base)) groups.set(base, new Map())
    groups.get(base)!.set(v ? v[1] : 'fp32', f)
  }
  if (!groups.size) fail('PLAF_MODEL_INVALID', `${onnxDir} holds no .onnx file`, { file: onnxDir, expected: 'onnx/*.onnx (the transformers.js layout)', actual: all.join(', ') || 'an empty folder' })
  const graphs: Record<string, ModelGraph> = {}
  const files: string[] = []
  for (const [base, variants] of groups) {
    const dtype = variants.has('fp32') ? 'fp32' : VARIANTS.map(([, d]) => d).find((d) => variants.has(d))!
    const file = `onnx/${variants.get(dtype)!}`
    // a single-tower export (`siglip_text_model`) names its graph model.onnx: its role is the tower's
    const tower = family.endsWith('-text') ? 'text' : family.endsWith('-vision') ? 'vision' : undefined
    const role = base === 'model' && tower ? tower : (ROLES[base] ?? base)
    const io = readOnnxIo(join(dir, file))
    graphs[role] = { file, inputs: io.inputs.map((v) => tensor(v, file, role)), outputs: io.outputs.map((v) => tensor(v, file, role)) }
    files.push(file, ...all.filter((x) => x.startsWith(`${variants.get(dtype)!}_data`)).sort().map((x) => `onnx/${x}`))
    const others = [...variants].filter(([d]) => d !== dtype).map(([d, f]) => `${f} (${d})`)
    if (others.length) notes.push(`graph ${role}: imported ${file} (${dtype}); not imported: ${others.join(', ')}`)
  }
  return { graphs, files }
}

/** The graph that takes the image, and its input's fixed [H, W] when the graph fixes both. */
function imageGraphSize(graphs: Record<string, ModelGraph>): { graph: ModelGraph; tensor: TensorSpec; hw?: [number, number] } | undefined {
  for (const graph of Object.values(graphs)) {
    const tensor = graph.inputs.find((t) => t.role === 'image')
    if (!tensor) continue
    const [h, w] = tensor.shape.slice(-2)
    return { graph, tensor, ...(tensor.shape.length === 4 && typeof h === 'number' && typeof w === 'number' && h > 0 && w > 0 ? { hw: [h, w] as [number, number] } : {}) }
  }
  return undefined
}

/**
 * image.preprocessing from preprocessor_config.json. The input size comes from its `size` (or
 * `crop_size`); without one, from the image graph's own fixed input shape (a SAM vision_encoder's
 * [1, 3, 1024, 1024]), then config.json's `image_size`; with none of them the import is refused
 * (never a guessed size). A size the config gives that the graph's fixed shape contradicts is
 * refused too: every run would fail when the image is fed.
 */
function imageInfo(dir: string, family: string, config: Json, pre: Json | undefined, graphs: Record<string, ModelGraph>, notes: string[]): Omit<ImageModelInfo, 'embedding_space'> | undefined {
  const vision = (config.vision_config ?? (family.endsWith('-vision') ? config : undefined)) as Json | undefined
  if (!pre || !vision) return undefined
  const preFile = join(dir, 'preprocessor_config.json')
  const fixed = imageGraphSize(graphs)
  const size = (pre.size ?? {}) as Json
  const crop = pre.crop_size as Json | number | undefined
  const cropHw = typeof crop === 'number' ? [crop, crop] : crop ? [num(crop.height), num(crop.width)] : undefined
  let input: [number, number]
  let resize: ImageModelInfo['preprocessing']['resize'] = 'squash'
  if (num(size.longest_edge)) {
    input = [num(size.longest_edge)!, num(size.longest_edge)!]
    resize = 'longest-side'
  } else if (num(size.height) && num(size.width)) {
    input = [num(size.height)!, num(size.width)!]
  } else if (num(size.shortest_edge) ?? num(pre.size) ?? (cropHw?.[0] && cropHw[1])) {
    const s = num(size.shortest_edge) ?? num(pre.size) ?? cropHw![0]!
    input = cropHw?.[0] && cropHw[1] ? [cropHw[0], cropHw[1]] : [s, s]
    if (pre.do_center_crop) notes.push(`preprocessor_config.json resizes the shortest side to ${s} and centre-crops ${input.join('×')}; dense use resizes the whole image to ${input.join('×')} (squash)`)
  } else if (fixed?.hw) {
    input = fixed.hw
    // SAM's processor resizes the longest side to the encoder's input and pads the rest
    if (family === 'sam') resize = 'longest-side'
    notes.push(`preprocessor_config.json gives no size: input ${input.join('×')} (${resize}) read from ${fixed.graph.file} (${fixed.tensor.name} [${fixed.tensor.shape.join(', ')}])`)
  } else if (num(vision.image_size)) {
    input = [num(vision.image_size)!, num(vision.image_size)!]
    notes.push(`preprocessor_config.json gives no size: input ${input.join('×')} from config.json's image_size`)
  } else {
    fail('PLAF_MODEL_INVALID', `${preFile} gives no input size (size, crop_size), and neither ${fixed ? `${fixed.graph.file} (${fixed.tensor.name} [${fixed.tensor.shape.join(', ')}], not fixed)` : 'the image graph'} nor config.json (image_size) fixes one`, {
      file: preFile, path: 'size', expected: 'size: { height, width } (or longest_edge, shortest_edge)', actual: 'no size',
      hint: 'copy preprocessor_config.json from the model\'s repository, or add the size the model was trained at',
    })
  }
  if (fixed?.hw && (fixed.hw[0] !== input[0] || fixed.hw[1] !== input[1])) {
    fail('PLAF_MODEL_INVALID', `${preFile} gives input ${input.join('×')}, but ${fixed.graph.file} takes ${fixed.tensor.name} of fixed shape [${fixed.tensor.shape.join(', ')}]: every image fed would be refused`, {
      file: preFile, path: 'size', expected: `${fixed.hw.join('×')} (the graph's input)`, actual: input.join('×'),
      hint: 'use the preprocessor_config.json that came with this export',
    })
  }
  const triple = (v: unknown, d: number): [number, number, number] => (Array.isArray(v) && v.length === 3 ? (v as [number, number, number]) : [d, d, d])
  return {
    patch_size: num(vision.patch_size) ?? 16,
    feature_dim: family === 'sam' ? (num(vision.output_channels) ?? 256) : (num(config.projection_dim) ?? num(vision.hidden_size) ?? 768),
    ...(num(vision.hidden_size) ? { backbone_dim: num(vision.hidden_size)! } : {}),
    preprocessing: {
      input_size: input, resize,
      scale: pre.do_rescale === false ? 1 : (num(pre.rescale_factor) ?? 1 / 255),
      mean: pre.do_normalize === false ? [0, 0, 0] : triple(pre.image_mean, 0.5),
      std: pre.do_normalize === false ? [1, 1, 1] : triple(pre.image_std, 0.5),
      channel_order: 'rgb',
      ...(pre.do_pad ? { pad_value: 0 } : {}),
    },
  }
}

function textInfo(family: string, config: Json, dir: string): Omit<TextModelInfo, 'embedding_space'> | undefined {
  const text = (config.text_config ?? (family.endsWith('-text') ? config : undefined)) as Json | undefined
  if (!text || !existsSync(join(dir, 'tokenizer.json'))) return undefined
  const tok = readJson(dir, 'tokenizer.json')!
  const vocab = new Map<string, number>(((tok.added_tokens ?? []) as { content: string; id: number }[]).map((t) => [t.content, t.id]))
  const padding = tok.padding as Json | null | undefined
  const siglip = family.startsWith('siglip')
  const eos = siglip ? (vocab.get('</s>') ?? 1) : (vocab.get('<|endoftext|>') ?? num(text.eos_token_id) ?? 49407)
  return {
    feature_dim: num(config.projection_dim) ?? num(text.projection_size) ?? num(text.hidden_size) ?? 768,
    tokenizer: {
      file: 'tokenizer.json',
      ...(existsSync(join(dir, 'tokenizer_config.json')) ? { config_file: 'tokenizer_config.json' } : {}),
      context_length: num(text.max_position_embeddings) ?? (siglip ? 64 : 77),
      pad_id: siglip ? eos : (num(padding?.pad_id) ?? eos),
      clean: siglip ? 'siglip' : family.startsWith('clip') ? 'clip' : 'none',
      ...(siglip ? {} : { keep_eos_on_truncate: true }),
      eos_id: eos,
    },
  }
}

/**
 * SAM without `vision_config` in config.json (or without config.json, family from --family): the
 * feature dim and the patch size are read from the image encoder's own `image_embeddings` output
 * [1, C, h, w] and its `pixel_values` input [1, 3, H, W] (patch H / h), with a note.
 */
function samVision(family: string, config: Json, graphs: Record<string, ModelGraph>, notes: string[]): Json | undefined {
  if (family !== 'sam' || config.vision_config) return undefined
  const g = graphs.image_encoder
  const out = g?.outputs.find((t) => t.role === 'image_embeddings')?.shape
  const inp = g?.inputs.find((t) => t.role === 'image')?.shape
  if (!g || out?.length !== 4 || inp?.length !== 4 || typeof out[1] !== 'number' || typeof out[2] !== 'number' || typeof inp[2] !== 'number') return undefined
  const patch = inp[2] / out[2]
  notes.push(`config.json has no vision_config: feature dim ${out[1]} and patch ${patch} read from ${g.file} (image_embeddings [${out.join(', ')}])`)
  return { ...config, vision_config: { output_channels: out[1], patch_size: patch } }
}

/**
 * A graph that takes an image needs `image` (preprocessing), one that takes token ids needs
 * `text` (tokenizer): a folder that cannot give them is refused here, naming the missing file or
 * key, rather than imported and failing only when a run opens it.
 */
function requireInfo(dir: string, family: string, graphs: Record<string, ModelGraph>, config: Json, pre: Json | undefined, image: unknown, text: unknown): void {
  const takes = (role: string) => Object.values(graphs).find((g) => g.inputs.some((t) => t.role === role))
  const imageGraph = takes('image')
  if (imageGraph && !image) {
    const missing = !pre ? [join(dir, 'preprocessor_config.json'), 'no file'] : [join(dir, 'config.json'), `no vision_config${family.endsWith('-vision') ? '' : ` (model_type ${String(config.model_type ?? 'none')})`}`]
    fail('PLAF_MODEL_INVALID', `${dir}: ${imageGraph.file} takes an image, but ${missing[0]} has ${missing[1]}, so the ${family} model would have no image.preprocessing`, {
      file: missing[0], expected: pre ? 'config.json with vision_config (patch_size, hidden_size…)' : 'preprocessor_config.json (size, image_mean, image_std…)', actual: missing[1]!,
      hint: 'copy it from the model\'s repository next to onnx/; a run needs image.preprocessing to feed the image',
    })
  }
  const textGraph = takes('input_ids')
  if (textGraph && !text) {
    const tok = existsSync(join(dir, 'tokenizer.json'))
    fail('PLAF_MODEL_INVALID', `${dir}: ${textGraph.file} takes token ids, but ${tok ? `${join(dir, 'config.json')} has no text_config` : `${join(dir, 'tokenizer.json')} is missing`}, so the ${family} model would have no text tokenizer`, {
      file: join(dir, tok ? 'config.json' : 'tokenizer.json'), expected: tok ? 'config.json with text_config' : 'tokenizer.json', actual: tok ? 'no text_config' : 'no file',
      hint: 'copy it from the model\'s repository next to onnx/',
    })
  }
}

/**
 * Reads a folder in the transformers.js (Xenova / onnx-community) layout: `onnx/*.onnx`,
 * `config.json`, and for image models `preprocessor_config.json`, for text models
 * `tokenizer.json`. The family comes from config.json's `model_type` (or `family`), the graphs
 * and their I/O from the ONNX files themselves (fp32 preferred; variants noted), preprocessing
 * from preprocessor_config.json, tokenizer settings from the family (SigLIP: 64 tokens, pad = eos
 * `</s>`, its clean-up; CLIP: 77, pad from tokenizer.json, eos kept on truncation).
 */
export function readTransformersLayout(dir: string, family?: string): TransformersLayout {
  if (!existsSync(join(dir, 'onnx'))) fail('PLAF_MODEL_INVALID', `${dir} is not in the transformers.js layout: it has no onnx/ folder`, { file: dir, expected: 'onnx/*.onnx, config.json, tokenizer.json or preprocessor_config.json', actual: readdirSync(dir).join(', ') || 'an empty folder' })
  const config = readJson(dir, 'config.json') ?? (family ? {} : undefined)
  if (!config) fail('PLAF_MODEL_INVALID', `${dir} has no config.json, so the model family is unknown`, { file: join(dir, 'config.json'), expected: 'config.json with model_type', actual: 'no file', hint: 'add the config.json of the export, or give the family with --family' })
  const type = String(config.model_type ?? '')
  const fam = family ?? FAMILIES[type] ?? (type || undefined)
  if (!fam) fail('PLAF_MODEL_INVALID', `${join(dir, 'config.json')} has no model_type, so the model family is unknown`, { file: join(dir, 'config.json'), path: 'model_type', expected: `one of ${Object.keys(FAMILIES).join(', ')}`, actual: 'none', hint: 'give the family with --family' })
  const notes: string[] = []
  const { graphs, files } = pickGraphs(dir, fam, notes)
  const pre = readJson(dir, 'preprocessor_config.json')
  const image = imageInfo(dir, fam, samVision(fam, config, graphs, notes) ?? config, pre, graphs, notes)
  const text = textInfo(fam, config, dir)
  requireInfo(dir, fam, graphs, config, pre, image, text)
  for (const f of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json']) if (existsSync(join(dir, f))) files.push(f)
  const readme = existsSync(join(dir, 'README.md')) ? readFileSync(join(dir, 'README.md'), 'utf8') : ''
  const licence = /^---\n[\s\S]*?^license:\s*([^\s#]+)/m.exec(readme)?.[1] ?? 'NOASSERTION'
  return { family: fam, licence, graphs, ...(image ? { image } : {}), ...(text ? { text } : {}), files, notes }
}
