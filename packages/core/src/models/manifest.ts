import type { OnnxDataType } from '../backends/onnx-graph.js'
import { diagnostic, type Diagnostic } from '../diagnostics.js'

/**
 * The model contract: a model is a directory holding `plaf-model.json` (this type) and the files it
 * lists. Stored under `PLAF_HOME/models/<name>@<version>/`. Everything a plugin needs to run the
 * model (graph I/O, preprocessing, tokenizer settings, embedding space) is read from here, so a
 * RADIO version, a C-RADIO or another export is configuration, not code.
 */
export interface ModelManifest {
  /** Manifest format version; this is format 1. */
  format: 1
  /** Name pipelines use (`radio-v2.5-b`, `siglip-so400m-text`, `sam-vit-h`). Kebab/dot/digits. */
  name: string
  /** Version of this export (semver or a revision string). */
  version: string
  /** What the model is, for `plaf models list/info`. */
  description?: string
  /** Licence of the weights; `id` is an SPDX id or a named licence (`NSCL-RADIO`, `NVIDIA-Open-Model`). */
  licence: { id: string; url?: string; commercial_use?: boolean; note?: string }
  /** Where the weights came from and how they were converted. */
  source: { url?: string; repo?: string; revision?: string; exported_by?: string; notes?: string }
  /**
   * True for a generated contract model (`plaf models make-contract`): the I/O of a public export
   * with random weights, for trying a pipeline end to end; its results mean nothing. A run that
   * opens one warns (PLAF_RANDOM_WEIGHTS, in report.json).
   */
  random_weights?: boolean
  /** Model family: selects the plugin-side adapter (`radio`, `siglip-text`, `clip-vision`, `clip-text`, `sam`, `sam2`, …). */
  family: string
  /** Every file of the model, paths relative to the model directory (never escaping it). */
  files: ModelFile[]
  /** The ONNX graphs by role (`vision`, `text`, `image_encoder`, `mask_decoder`, …). */
  graphs: Record<string, ModelGraph>
  /** For image models: patch grid, features and preprocessing. */
  image?: ImageModelInfo
  /** For text models: tokenizer and embedding. */
  text?: TextModelInfo
}

/** One file of a model, checked before use. */
export interface ModelFile {
  path: string
  sha256: string
  bytes: number
}

/** One ONNX graph and its declared I/O (checked against the ONNX file by `verify`/`info`). */
export interface ModelGraph {
  /** Path of the `.onnx` file (listed in `files`); external data files sit beside it. */
  file: string
  inputs: TensorSpec[]
  outputs: TensorSpec[]
}

/** A graph input or output. Strings in `shape` are symbolic dims (`B`, `N`). */
export interface TensorSpec {
  name: string
  dtype: OnnxDataType
  shape: (number | string)[]
  /**
   * What the tensor means, machine-readable, so plugins pick outputs by role and never by name:
   * `image` (input pixels), `input_ids`, `features` (language-aligned patch grid), `backbone_features`
   * (the backbone's own features), `text_embeds`, `image_embeddings`, `iou_scores`, `masks`, …
   */
  role?: string
  /** Layout of a feature grid output: `nhwc` ([1,h,w,D]), `nchw` ([1,D,h,w]) or `nlc` ([1,h·w,D]). */
  layout?: 'nhwc' | 'nchw' | 'nlc'
  /** Free text for people (`plaf models info`). */
  description?: string
}

/** How an image model is fed and what its grid is. */
export interface ImageModelInfo {
  /** Patch side in input pixels (16 for RADIOv2.5-B/L/H, 14 for g). */
  patch_size: number
  /** Feature dimension of the language-aligned output (1152 for the SigLIP adaptor). */
  feature_dim: number
  /** Feature dimension of the backbone's own output, when the graph exposes it. */
  backbone_dim?: number
  /** Embedding space id the language-aligned features live in; a text model must declare the same. */
  embedding_space: string
  preprocessing: ImagePreprocessing
}

/** Image preprocessing, applied by the plugin exactly as written here. */
export interface ImagePreprocessing {
  /** Network input size [h, w] of the exported graph (fixed-size exports), e.g. [512, 512]. */
  input_size: [h: number, w: number]
  /**
   * `squash`: resize to input_size ignoring aspect (the official PLAF code, bilinear, no antialias);
   * `pad`: aspect-preserving resize so the image fits, padded bottom/right to input_size;
   * `longest-side`: SAM's resize of the longest side to input_size's max, padded bottom/right.
   */
  resize: 'squash' | 'pad' | 'longest-side'
  /** Pixel values are scaled by this first (1/255: to [0, 1]). */
  scale: number
  /** Per-channel mean and std applied after scaling ([0,0,0]/[1,1,1] when the graph normalises inside). */
  mean: [number, number, number]
  std: [number, number, number]
  channel_order: 'rgb' | 'bgr'
  /** Value of padded pixels after normalisation (0). */
  pad_value?: number
}

/** A text model's tokenizer and embedding. */
export interface TextModelInfo {
  /** Embedding space id; must equal the paired image model's. */
  embedding_space: string
  /** Output embedding dimension. */
  feature_dim: number
  tokenizer: TokenizerInfo
  /** SigLIP's sigmoid scoring parameters, when the export carries them. */
  logit_scale?: number
  logit_bias?: number
}

/** Tokenizer settings; the vocabulary itself is the HF `tokenizer.json` named in `file`. */
export interface TokenizerInfo {
  /** `tokenizer.json` path inside the model directory. */
  file: string
  /** Optional `tokenizer_config.json`. */
  config_file?: string
  /** Fixed sequence length (SigLIP 64, CLIP 77). */
  context_length: number
  /** Pad id (SigLIP: 1, the eos id; CLIP: its pad/eos id). */
  pad_id: number
  /** Text clean-up before tokenising: `siglip` (open_clip canonicalize: lower-case, strip punctuation, collapse whitespace), `clip` (whitespace clean + lower-case), `none`. */
  clean: 'siglip' | 'clip' | 'none'
  /** On truncation, keep the end-of-text token as the last id (CLIP does). */
  keep_eos_on_truncate?: boolean
  eos_id?: number
}

/**
 * The PLAF_RANDOM_WEIGHTS warning for a contract model with random weights (`random_weights: true`
 * in its plaf-model.json, what `plaf models make-contract` installs): `plaf run` gives it for each
 * such model its stages opened (report.json); `plaf eval`, `plaf query` and `plaf view` give it
 * again for each one a run's manifest records ({@link recordedRandomWeights}), since their
 * scores and pictures come from that run's features.
 */
export function randomWeightsWarning(m: { name: string; version: string }, extra: Partial<Diagnostic> = {}): Diagnostic {
  return diagnostic('PLAF_RANDOM_WEIGHTS', `model ${m.name}@${m.version} is a generated contract model with random weights: this run's features, masks and scores mean nothing`, {
    severity: 'warning', actual: `${m.name}@${m.version} (random_weights: true)`,
    hint: `for real results, install the real model over it: plaf models pull ${m.name}, or export it with tools/export/ and plaf models import <dir>`,
    ...extra,
  })
}

/**
 * One PLAF_RANDOM_WEIGHTS warning per entry of a run manifest's `models` (as `plaf run` records
 * them) marked `random_weights: true`; `file` (the manifest) locates them. Anything else in the
 * list is passed over: an empty array for a run without contract models.
 */
export function recordedRandomWeights(models: unknown, file?: string): Diagnostic[] {
  if (!Array.isArray(models)) return []
  const out: Diagnostic[] = []
  for (const m of models as Array<{ name?: unknown; version?: unknown; random_weights?: unknown } | null>) {
    if (m?.random_weights !== true) continue
    out.push(randomWeightsWarning({ name: String(m.name), version: String(m.version) }, file === undefined ? {} : { file }))
  }
  return out
}
