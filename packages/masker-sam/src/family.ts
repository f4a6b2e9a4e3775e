import type { ModelGraph, ModelManifest, PluginNote } from '@plaf/core'
import { SAM_FAMILIES } from './adapters/layouts.js'
import type { SamLayout } from './adapters/types.js'

/** What each decoder layout is, for messages. */
const LAYOUT_NAMES: Readonly<Record<SamLayout, string>> = {
  'transformers.js': 'transformers.js SAM export (input_points of rank 4)',
  'sam-onnx': 'samexporter SAM / MobileSAM export (an orig_im_size input)',
  'sam2-onnx': 'samexporter SAM 2 export (point_coords of rank 3, no orig_im_size input)',
}

/**
 * The layout a mask decoder graph has, read from its declared inputs alone (not from the family):
 * points of rank 4 are transformers.js; an `orig_im_size` input is samexporter's SAM 1 /
 * MobileSAM; points of rank 3 without it are samexporter's SAM 2. Undefined without a points input.
 */
export function decoderLayout(decoder: ModelGraph): SamLayout | undefined {
  const points = decoder.inputs.find((t) => t.role === 'points') ?? decoder.inputs.find((t) => t.name === 'input_points' || t.name === 'point_coords')
  if (!points) return undefined
  if (points.shape.length === 4) return 'transformers.js'
  return decoder.inputs.some((t) => t.role === 'orig_im_size' || t.name === 'orig_im_size') ? 'sam-onnx' : 'sam2-onnx'
}

/** The families whose exports have a layout. */
export const familiesOf = (layout: SamLayout): string[] => Object.keys(SAM_FAMILIES).filter((f) => SAM_FAMILIES[f]!.includes(layout))

/**
 * Whether the `sam` masker can read a model, from its manifest alone (no ONNX file opened): its
 * family is one of SAM_FAMILIES, it has image_encoder and mask_decoder graphs, and the decoder's
 * layout is one its family's exports have. The first problem as a PLAF_MODEL_INVALID note at
 * `model` (message names the model, the family and what the graph looks like), or undefined.
 * Shared by the validate-time check and `openSamModel`.
 */
export function samManifestProblem(m: ModelManifest): PluginNote | undefined {
  const label = `model ${m.name}@${m.version}`
  const bad = (message: string, more: Partial<PluginNote>): PluginNote => ({ code: 'PLAF_MODEL_INVALID', message, path: 'model', ...more })
  if (!SAM_FAMILIES[m.family]) {
    return bad(`${label} has family "${m.family}", which the sam masker does not read`, { expected: Object.keys(SAM_FAMILIES).join(', '), actual: m.family, hint: 'name a SAM, MobileSAM or SAM 2 model (plaf models list)' })
  }
  const encoder = m.graphs.image_encoder
  const decoder = m.graphs.mask_decoder
  if (!encoder || !decoder) {
    return bad(`${label} needs graphs image_encoder and mask_decoder; it has ${Object.keys(m.graphs).join(', ') || 'none'}`, { expected: 'image_encoder, mask_decoder', actual: Object.keys(m.graphs).join(', ') })
  }
  const layout = decoderLayout(decoder)
  if (!layout) {
    return bad(`${label}: the mask_decoder has no points input (role points, or input_points / point_coords), so it matches no ${m.family} export layout`, {
      expected: SAM_FAMILIES[m.family]!.join(' or '), actual: decoder.inputs.map((t) => t.name).join(', '),
    })
  }
  if (!SAM_FAMILIES[m.family]!.includes(layout)) {
    const fits = familiesOf(layout)
    return bad(`${label} has family "${m.family}", but its mask_decoder looks like a ${LAYOUT_NAMES[layout]}, which is family ${fits.join(' or ')}, not ${m.family}`, {
      expected: `a ${m.family} export (${SAM_FAMILIES[m.family]!.join(' or ')} layout)`, actual: `${layout} layout (inputs ${decoder.inputs.map((t) => t.name).join(', ')})`,
      hint: `set "family" to ${fits.map((f) => `"${f}"`).join(' or ')} in plaf-model.json and import it again, or export the model with the ${m.family} exporter`,
    })
  }
  return undefined
}
