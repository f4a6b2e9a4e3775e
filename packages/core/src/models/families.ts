import { diagnostic, type Diagnostic } from '../diagnostics.js'
import { closestNames } from '../registry.js'

/**
 * The model families plaf's plugins read (a manifest's `family`), with what reads them. `plaf
 * models import` and `plaf models info` refuse any other family: a misspelt one (`Sam`,
 * `mobile_sam`) would otherwise install silently and fail only when a stage opens the model.
 */
export const MODEL_FAMILIES: Readonly<Record<string, string>> = {
  radio: 'RADIO image backbone (radio backbone)',
  clip: 'CLIP image and text towers (clip backbone, clip-text encoder)',
  'clip-vision': 'CLIP image tower (clip backbone)',
  'clip-text': 'CLIP text tower (clip-text encoder)',
  siglip: 'SigLIP image and text towers',
  'siglip-vision': 'SigLIP image tower',
  'siglip-text': 'SigLIP text tower (siglip-text encoder)',
  sam: 'SAM (sam masker: transformers.js or samexporter export)',
  'mobile-sam': 'MobileSAM (sam masker: samexporter export)',
  sam2: 'SAM 2 (sam masker: samexporter export)',
  'sam2.1': 'SAM 2.1 (sam masker: samexporter export)',
}

/** How a family name is compared for did-you-mean: lower case, `_` and spaces as `-`. */
const loose = (s: string): string => s.toLowerCase().replace(/[_\s]+/g, '-')

/**
 * PLAF_MODEL_INVALID when `family` is not one of MODEL_FAMILIES: the known families, and a
 * did-you-mean (`Sam` → `sam`, `mobile_sam` → `mobile-sam`: family names are exact, lower case
 * with hyphens; nothing is renamed silently, since the manifest is stored byte for byte). `where`
 * locates it (the manifest's `family` field, or the `--family` flag).
 */
export function familyDiagnostic(family: string, where: Partial<Diagnostic> = {}): Diagnostic | undefined {
  if (Object.hasOwn(MODEL_FAMILIES, family)) return undefined
  const known = Object.keys(MODEL_FAMILIES)
  const same = known.find((k) => loose(k) === loose(family) || loose(k).replace(/-/g, '') === loose(family).replace(/-/g, ''))
  const near = same ? [same] : closestNames(loose(family), known)
  return diagnostic('PLAF_MODEL_INVALID', `family "${family}" is not a model family plaf reads`, {
    path: 'family', ...where, expected: `one of ${known.join(', ')}`, actual: family,
    hint: near.length ? `did you mean "${near[0]}"?${same ? ' (family names are exact: lower case, with hyphens)' : ''}` : 'the family says which plugin reads the model: plaf plugins lists them',
  })
}
