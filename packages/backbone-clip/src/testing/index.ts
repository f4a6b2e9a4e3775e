/**
 * `@plaf/backbone-clip/testing`: a generated model in the contract of a CLIP ViT image export with
 * MaskCLIP-style dense tokens, for tests and end-to-end runs without the real weights.
 */
export { CLIP_CONTRACT, clipContractSpec, writeClipContractModel, type ClipContractOptions } from './clip-contract.js'
export { CLIP_TEXT_CONTRACT, writeClipTextContractModel, type ClipTextContractOptions } from './clip-text-contract.js'
