/** `@plaf/masker-sam/testing`: SAM-contract models (exact public-export I/O, a real prompt → mask computation) for tests. */
export { GraphBuilder } from './graph-builder.js'
export { SAM_PREPROCESSING, samContractIo, writeSamContractModel, type SamContractLayout, type SamContractOptions } from './sam-contract.js'
