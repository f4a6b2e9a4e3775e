import { defineStage, fail, type FeatureGrid, type GridTransform, type OptionsSchema } from '@plaf/core'
import { lazyAssignmentLut, type AssignmentLut } from './kernels/assignment-lut.js'
import { patchFeatures, type Assigner } from './kernels/patch-features.js'
import { resizeBilinear } from './kernels/resize-bilinear.js'
import { anchorShading, SHADING_ANCHOR, shadingWorkspace } from './kernels/shading-anchor.js'
import { DEFAULT_TEMPERATURE, lexiconSpace, vocabulary } from './vocabulary.js'
import { VERSION } from './version.js'

/** Options of the `color-lexicon` backbone (the YAML `with:` block). */
export interface ColorLexiconOptions {
  /** Network input size: one number for a square, or [h, w]. */
  resolution: number | [h: number, w: number]
  patch_size: number
  temperature: number
  lut_bits: number
  constancy: 'shading' | 'none'
}

const options: OptionsSchema<ColorLexiconOptions> = {
  type: 'object',
  additionalProperties: false,
  properties: {
    resolution: {
      description: 'Network input size in pixels: one integer for a square (RADIO runs at 512²) or [h, w], each side at most 8192 (checked before anything is allocated). Each side must be a multiple of patch_size.',
      default: 512,
      anyOf: [
        { type: 'integer', minimum: 1, maximum: 8192 },
        { type: 'array', items: { type: 'integer', minimum: 1, maximum: 8192 }, minItems: 2, maxItems: 2 },
      ],
    },
    patch_size: { type: 'integer', minimum: 1, default: 16, description: 'Patch side in network-input pixels; the grid is resolution/patch_size.' },
    temperature: { type: 'number', exclusiveMinimum: 0, default: DEFAULT_TEMPERATURE, description: 'Softmax temperature τ of the kernel exp(−ΔE²/τ²) over the named colours, in CIE76 ΔE units.' },
    constancy: {
      type: 'string',
      enum: ['shading', 'none'],
      default: 'shading',
      description: 'Colour constancy before naming: `shading` scales each pixel to the brightest part of its surface (same chromaticity, intensity steps a shading could make, gain ≤ 1/0.7), so a face in shade is named as its lit face; `none` names every pixel\'s colour as it is.',
    },
    lut_bits: { type: 'integer', minimum: 0, maximum: 6, default: 5, description: 'Bits per channel of the precomputed RGB lattice (5: 32³ nodes, 1.4 MB; 6: 11.5 MB); 0 computes every pixel exactly (slow).' },
  },
}

/**
 * Lattices by bits and temperature, one per process, filled lazily: a row is computed the first
 * time a pixel falls on it (4 illumination steps make a row 4× a plain one; a full 5-bit build is
 * 2–4 s, the demo's 12 frames use 5 % of the rows).
 */
const lattices = new Map<string, AssignmentLut>()

/** The exact map from image pixels to grid cells for a plain (aspect-distorting) resize. */
export function resizeTransform(imageSize: [h: number, w: number], inputSize: [h: number, w: number], grid: [h: number, w: number]): GridTransform {
  const [H, W] = imageSize
  const [gh, gw] = grid
  return { inputSize, imageSize, ax: gw / W, bx: (0.5 * gw) / W - 0.5, ay: gh / H, by: (0.5 * gh) / H - 0.5 }
}

/**
 * `color-lexicon`: a weight-free, language-aligned backbone. Each patch feature is the mean term
 * assignment of its pixels (how likely people are to call each colour by each of the D = 11 basic
 * colour terms), L2-normalised. The frame is resized
 * to the network input exactly like RADIO's 512² square resize, so upsampling and aggregation are
 * exercised on the same grid geometry as with the real model.
 */
export const colorLexiconBackbone = defineStage<
  ColorLexiconOptions,
  { frame: 'Frame' },
  { features: 'FeatureGrid' }
>({
  name: 'color-lexicon',
  kind: 'backbone',
  version: VERSION,
  package: '@plaf/backbone-lexicon',
  description: 'Weight-free backbone: per patch, how likely people are to name its colours by each of the 11 basic colour terms.',
  options,
  inputs: { frame: 'Frame' },
  outputs: { features: 'FeatureGrid' },
  cacheable: true,
  embeddingSpace: (opts) => lexiconSpace(opts.temperature),
  async create(opts, ctx) {
    const res = typeof opts.resolution === 'number' ? [opts.resolution, opts.resolution] : opts.resolution
    const [ih, iw] = res
    const p = opts.patch_size
    if (ih % p !== 0 || iw % p !== 0) {
      fail('PLAF_INVALID_OPTION', `resolution ${ih}×${iw} is not a multiple of patch_size ${p}`, {
        path: `stages.${ctx.stage}.with.resolution`,
        plugin: 'color-lexicon',
        expected: `multiples of ${p}`,
        actual: JSON.stringify(opts.resolution),
      })
    }
    const vocab = vocabulary()
    let lut: AssignmentLut | undefined
    if (opts.lut_bits > 0) {
      const key = `${opts.lut_bits}/${opts.temperature}`
      lut = lattices.get(key) ?? lazyAssignmentLut(opts.lut_bits, vocab.model, opts.temperature)
      lattices.set(key, lut)
    }
    const assigner: Assigner = lut ? { kind: 'lut', lut } : { kind: 'exact', model: vocab.model, temperature: opts.temperature }
    const space = lexiconSpace(opts.temperature)
    const d = vocab.entries.length
    const work = opts.constancy === 'shading' ? shadingWorkspace(ih * iw) : undefined
    // the network-input image, reused across frames (only the patch features leave `run`)
    const img = new Float32Array(ih * iw * 3)
    return {
      run({ frame }) {
        const [H, W] = frame.rgb.shape
        resizeBilinear(frame.rgb.data, H, W, ih, iw, img)
        if (work) anchorShading(img, ih, iw, SHADING_ANCHOR, img, work)
        const grid: [number, number] = [ih / p, iw / p]
        const features: FeatureGrid = {
          data: patchFeatures(img, ih, iw, p, assigner),
          shape: [grid[0], grid[1], d],
          transform: resizeTransform([H, W], [ih, iw], grid),
          space,
        }
        return { features }
      },
    }
  },
})
