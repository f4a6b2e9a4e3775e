/**
 * `@plaf/datasets`: input plugins (`synthetic-room`, `scannet`, `rgbd-folder`), the ScanNet-layout
 * scene writer behind `plaf make-scene`, the rgbd-folder writer behind `plaf data convert`,
 * `inspectDataset` behind `plaf data inspect`, and ground truth for synthetic scenes.
 */
import type { InputPlugin } from '@plaf/core'
import { scannetInput } from './plugins/scannet.js'
import { rgbdFolderInput } from './plugins/rgbd-folder.js'
import { syntheticRoomInput } from './plugins/synthetic-room.js'

export { DATASETS_VERSION, GENERATOR_VERSION } from './version.js'
export { scannetInput, type ScannetOptions } from './plugins/scannet.js'
export { syntheticIdentity, syntheticRoomInput, type SyntheticRoomSource } from './plugins/synthetic-room.js'
export { WRITE_SCENE_SCHEMA, writeScene, type WriteSceneOptions, type WriteSceneProgress, type WriteSceneSummary } from './write-scene.js'
export { rgbdFolderInput, type RgbdFolderOptions } from './plugins/rgbd-folder.js'
export { openRgbdFolder, isRgbdFolder, type RgbdFolderReadOptions } from './rgbd-folder/reader.js'
export { INTRINSICS_EXAMPLE, readFolderIntrinsics, type FolderIntrinsics } from './rgbd-folder/intrinsics.js'
export { parseTrajectory, poseAt, type Trajectory } from './rgbd-folder/trajectory.js'
export { formatPoseRows, writeRgbdFolder, type WriteRgbdFolderOptions, type WriteRgbdFolderSummary } from './rgbd-folder/write.js'
export { RIGID_TOLERANCE, parsePoseRows, poseFault, quaternionPose, rigidInverse, rotationQuaternion, toCameraToWorldOpenCv, type PoseAxes, type PoseDirection } from './frames/pose.js'
export { SELECTION_SCHEMA, selectFrames, type FrameSelection, type FrameSkip, type PoseRead } from './frames/select.js'
export { INSPECT_FORMATS, detectFormat, inspectDataset, openDataset, type InspectReport, type PinholeJson } from './inspect.js'
export { DATASET_FORMATS, datasetSource, type DatasetFormat, type DatasetSource } from './frames/source.js'
export { decodeColor, decodeDepthNpy, decodeDepthPng, type ColorImage, type DepthMetres, type ExpectedSize } from './frames/images.js'
export { openScannetScene, type ScannetReadOptions, type ScannetSource } from './scannet/reader.js'
export { formatMatrix, parseLabelsTsv, parseMatrix, parseMetadata, parseNumberToken, type LabelsTsvRow } from './scannet/text.js'
export { SCENE_META_FILE, readSceneMeta, sceneObjects, type SceneMeta, type SceneObject } from './scene-meta.js'
export { distanceToSurface, pointInstances, readLabelledMesh, vertexInstances, type LabelledMesh, type PointInstanceOptions } from './ground-truth.js'
export { generateScene } from './generate-scene.js'
export { SYNTHETIC_OPTIONS_SCHEMA, resolveOptions, type SyntheticOptions } from './synthetic/options.js'
export { generateRoom, type Primitive, type SyntheticScene } from './synthetic/room.js'
export { createRenderer, frameId, toFramePort, type RenderedFrame, type Renderer } from './synthetic/render.js'
export { castRays, createHits, type RayHits, type RayScene } from './synthetic/raycast.js'
export { tessellate, type SceneMesh } from './synthetic/mesh.js'
export { SCANNET_COLOR_INTRINSICS, backProject, lookAtPose, projectPoint, scaleIntrinsics } from './synthetic/camera.js'
export { CATEGORIES, OBJECT_COLOURS, SURFACE_COLOURS, TSV_COLUMNS, type Category, type NamedColour } from './synthetic/catalogue.js'

/** Every input plugin of this package, for the CLI's built-in list. */
export const datasetPlugins: readonly InputPlugin[] = [syntheticRoomInput, scannetInput, rgbdFolderInput]
