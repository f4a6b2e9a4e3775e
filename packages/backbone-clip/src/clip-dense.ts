import { defineOnnxImageBackbone, type OnnxImageBackboneOptions } from '@plaf/core'
import { VERSION } from './version.js'

/** Options of the `clip-dense` backbone (the YAML `with:` block). */
export type ClipDenseOptions = OnnxImageBackboneOptions

/**
 * `clip-dense`: a CLIP/OpenCLIP ViT as a dense backbone, MaskCLIP-style. The export's `features`
 * output holds one token per patch taken through the last block's value path (no query-key
 * attention, no attention pooling), the final LayerNorm and the visual projection, so each patch
 * lives in CLIP's joint image-text space. Preprocessing (CLIP mean/std, resize) comes from the
 * manifest; the session and the grid machinery are the same as `radio`'s (`openImageBackbone`).
 */
export const clipDenseBackbone = defineOnnxImageBackbone<ClipDenseOptions>({
  name: 'clip-dense',
  version: VERSION,
  package: '@plaf/backbone-clip',
  description: 'CLIP ViT backbone (ONNX): MaskCLIP-style dense patch tokens in CLIP\'s image-text space.',
  defaultModel: 'clip-vit-b-16',
  modelDescription: 'Model name (or name@version) in the model store; an image export with MaskCLIP-style dense tokens (output role "features").',
  extraOptions: {},
  role: () => ({ role: 'features' }),
})
