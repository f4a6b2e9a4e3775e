/** `@plaf/storage`: the 2D and 3D storage codecs (mask-indexed, dense, index-reference, dense-points) and their readers. */
import type { StagePlugin } from '@plaf/core'
import { denseStorage } from './dense.js'
import { densePointsStorage } from './dense-points.js'
import { indexReferenceStorage } from './index-reference.js'
import { maskIndexedStorage } from './mask-indexed.js'

export { denseStorage, measureDenseFrame, readDenseFile, readDenseFrame, writeDenseFrame, DENSE_FORMAT, type DenseFrame, type DenseOptions } from './dense.js'
export { densePointsBytes, indexReferenceStorage, writeIndexReferenceMap, PAPER_FORMULA_3D, type IndexReferenceOptions, type WriteIndexReferenceOptions } from './index-reference.js'
export {
  INDEX_REFERENCE_FILES, INDEX_REFERENCE_FORMAT, MAX_USHORT_POOL_ROWS, type IndexReferenceManifest, type RefsCodec,
} from './index-reference-format.js'
export { open3D, readIndexReferenceMap, type Opened3D } from './open3d.js'
export {
  densePointsStorage, readDensePointsMap, writeDensePointsMap, DENSE_POINTS_FILES, DENSE_POINTS_FORMAT, type DensePointsManifest, type DensePointsOptions,
} from './dense-points.js'
export { readPool, writePool, type PoolFiles, type PoolFormat } from './pool-files.js'
export { maskIndexedStorage, readMaskIndexedFrame, writeMaskIndexedFrame, MASK_INDEXED_FORMAT, type MaskIndexedOptions, type StoredFrame } from './mask-indexed.js'
export { open2D, read2DFrame, readFrameManifest, type Opened2D, type Stored2DFrame } from './open2d.js'
export { writeFrameFiles, FRAME_MANIFEST_FORMAT, type FrameCodec, type FrameManifest, type IdsFormat, type Memory2D, type TableFormat } from './frame-files.js'
export { decodeTable, encodeTable, quantizeInt8, worstRowCosine, type StoredTable, type TableDtype } from './table-codec.js'
export { decodeSafetensors, encodeSafetensors, type SafetensorsData, type SafetensorsDtype, type SafetensorsFile, type SafetensorsTensor } from './safetensors.js'
export { readFrameIndex, INDEX_FILE, type FrameEntry, type FrameIndex } from './frame-index.js'
export { denseBytes, indexedBytes, storageRatio } from './figures.js'
export { npyFileBytes } from './files.js'
export type { FeatureDtype } from './feature-dtype.js'
export { VERSION } from './version.js'

/** Every storage plugin of this package, for the CLI's built-in list. */
export const storagePlugins: readonly StagePlugin[] = [maskIndexedStorage, denseStorage, indexReferenceStorage, densePointsStorage]
