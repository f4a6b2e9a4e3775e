/** `@plaf/lifter`: the `backproject` lifter and its kernels (back-projection, voxel grid, votes, pool). */
export { backprojectLifter, KEEP_MASKS, type BackprojectLifterOptions } from './plugin.js'
export { MapBuilder, type FusionMode, type LiftedMap3D, type MapBuilderOptions, type MaskObservations, type PartialObservations, type ReplayFrame, replayPartials } from './map-builder.js'
export { FeaturePool } from './pool.js'
export { FusedPool } from './fused-pool.js'
export { associateFrame, type AssociationThresholds } from './associate.js'
export { overlapCounts, type OverlapCounts } from './kernels/overlap-counts.js'
export { findRoot, unionRoots } from './kernels/union-find.js'
export {
  backproject, type BackprojectedPoints, type BackprojectOptions, type DepthView, type PixelAttributes,
} from './kernels/backproject.js'
export { centreIndex } from './kernels/pixel-map.js'
export { VoxelGrid } from './kernels/voxel-grid.js'
export { VoteTable } from './kernels/vote-table.js'
export { VERSION } from './version.js'
