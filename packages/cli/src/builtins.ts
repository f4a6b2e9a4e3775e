import { Registry, type Plugin } from '@plaf/core'
import { maskMeanAggregator, patchAggregator, pixelAggregator } from '@plaf/aggregator'
import { clipDenseBackbone, clipTextEncoder } from '@plaf/backbone-clip'
import { colorLexiconBackbone, colorLexiconTextEncoder } from '@plaf/backbone-lexicon'
import { radioBackbone, siglipTextEncoder } from '@plaf/backbone-radio'
import { ade20kInput, replicaInput, rgbdFolderInput, scannetInput, syntheticRoomInput, tumInput } from '@plaf/datasets'
import { backprojectLifter } from '@plaf/lifter'
import { felzenszwalbMasker, gridMasker, slicMasker } from '@plaf/masker-classic'
import { samMasker } from '@plaf/masker-sam'
import { textQuerier } from '@plaf/query'
import { densePointsStorage, denseStorage, indexReferenceStorage, maskIndexedStorage } from '@plaf/storage'

/** The only place that lists every built-in plugin (registration is explicit, never a side effect). */
export const builtins: readonly Plugin[] = [
  syntheticRoomInput,
  scannetInput,
  rgbdFolderInput,
  tumInput,
  replicaInput,
  ade20kInput,
  colorLexiconBackbone,
  colorLexiconTextEncoder,
  radioBackbone,
  siglipTextEncoder,
  clipDenseBackbone,
  clipTextEncoder,
  felzenszwalbMasker,
  gridMasker,
  slicMasker,
  samMasker,
  maskMeanAggregator,
  pixelAggregator,
  patchAggregator,
  maskIndexedStorage,
  denseStorage,
  backprojectLifter,
  indexReferenceStorage,
  densePointsStorage,
  textQuerier,
] as Plugin[]

/** A fresh registry of the built-ins. */
export function builtinRegistry(): Registry {
  return new Registry(builtins, 'built-in', { compileSchemas: false }) // each schema compiles on first use; test/builtins.test.ts compiles them all
}
