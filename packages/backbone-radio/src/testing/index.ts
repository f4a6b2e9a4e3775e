/**
 * `@plaf/backbone-radio/testing`: a generated model in the exact contract of the RADIO export
 * (`tools/export/export_radio.py`), for tests and end-to-end runs without the real weights.
 */
export { RADIO_CONTRACT, radioContractSpec, writeRadioContractModel, type RadioContractOptions } from './radio-contract.js'
export { SIGLIP_TEXT_CONTRACT, writeSiglipTextContractModel, type SiglipTextContractOptions } from './siglip-text-contract.js'
