import { defineOnnxImageBackbone, type OnnxImageBackboneOptions } from '@plaf/core'
import { VERSION } from './version.js'

/** Options of the `radio` backbone (the YAML `with:` block). */
export interface RadioOptions extends OnnxImageBackboneOptions {
  adaptor: 'siglip' | 'none'
}

/**
 * `radio`: RADIOv2.5 (or C-RADIO, or any export in the same contract) through ONNX Runtime. The
 * frame is preprocessed exactly as the manifest says (the official export: 512² squash, values in
 * [0, 1], normalisation inside the graph), the graph runs in a worker session opened once in
 * `create`, and the output of the role `adaptor` picks comes back as the h×w×D grid with the exact
 * image→grid transform. The cache fingerprint carries the manifest's sha256. When the model ships
 * the adaptor as a graph of its own (`graphs.adaptor`) and `adaptor` is `siglip`, the grid also
 * carries the backbone's patch features (`FeatureGrid.adaptor`) from the same run.
 */
export const radioBackbone = defineOnnxImageBackbone<RadioOptions>({
  name: 'radio',
  version: VERSION,
  package: '@plaf/backbone-radio',
  description: 'RADIOv2.5 backbone (ONNX): dense patch features through the SigLIP adaptor (language-aligned) or the backbone\'s own.',
  defaultModel: 'radio-v2.5-b',
  modelDescription: 'Model name (or name@version) in the model store; patch size, D, input size and preprocessing come from its plaf-model.json.',
  extraOptions: {
    adaptor: {
      type: 'string',
      enum: ['siglip', 'none'],
      default: 'siglip',
      description: 'siglip: the language-aligned output (the SigLIP adaptor\'s summary head on every patch token, as the paper does), role "features"; none: the backbone\'s own patch features (role "backbone_features"), for linear probes.',
    },
  },
  role: (opts) => ({ role: opts.adaptor === 'siglip' ? 'features' : 'backbone_features', option: { key: 'adaptor', value: opts.adaptor } }),
  // An export with graphs.adaptor: the grid also carries the tokens before the adaptor, so
  // `mask-mean` can average first and project the means (its `adaptor: after-average`).
  separateAdaptor: true,
})
