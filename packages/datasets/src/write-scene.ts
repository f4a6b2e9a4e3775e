import { existsSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { loadSharp } from './frames/sharp.js'
import { encodePly, encodePng, fail, writeFileAtomic, type OptionsSchema, type OptionsSource, type PlyProperty } from '@plaf/core'
import { CATEGORIES, NYU40_PALETTE, formatLabelsTsv } from './synthetic/catalogue.js'
import { tessellate } from './synthetic/mesh.js'
import { SYNTHETIC_OPTION_PROPERTIES, resolveOptions, type SyntheticOptions } from './synthetic/options.js'
import { createRenderer } from './synthetic/render.js'
import { generateRoom, type SyntheticScene } from './synthetic/room.js'
import { IDENTITY4, formatMatrix, formatMetadata, intrinsicMatrix } from './scannet/text.js'
import { SCENE_META_FILE, buildSceneMeta } from './scene-meta.js'
import { openSensWriter } from './sens/write.js'
import { GENERATOR_VERSION } from './version.js'

/** Options of writeScene (`plaf make-scene`): the generator's plus file-level settings. */
export interface WriteSceneOptions extends SyntheticOptions {
  /** Scene name used in file names; null = the directory name when it looks like `sceneXXXX_YY`, else `scene0000_00`. */
  scene: string | null
  jpeg_quality: number
  mesh_spacing: number
  /** Also write the frames as ScanNet's raw `<scene>.sens` (version 4: the same JPEGs, zlib depth, float32 poses). */
  sens: boolean
}

/** JSON Schema of WriteSceneOptions (for the CLI's flags and `plaf plugins`-style help). */
export const WRITE_SCENE_SCHEMA: OptionsSchema<WriteSceneOptions> = {
  type: 'object', additionalProperties: false,
  properties: {
    ...SYNTHETIC_OPTION_PROPERTIES,
    scene: { type: ['string', 'null'], pattern: '^[A-Za-z0-9_.-]+$', default: null, description: 'Scene name in file names (<scene>_vh_clean_2.ply); null = the directory name if it looks like sceneXXXX_YY, else scene0000_00.' },
    jpeg_quality: { type: 'integer', minimum: 1, maximum: 100, default: 90, description: 'JPEG quality of color/<i>.jpg.' },
    mesh_spacing: { type: 'number', minimum: 0.01, maximum: 1, default: 0.05, description: 'Largest edge length in metres of the tessellated mesh grid.' },
    sens: { type: 'boolean', default: false, description: 'Also write <scene>.sens (ScanNet raw format v4) holding the same frames.' },
  },
}

/** Progress of writeScene: frames first, then the mesh. */
export interface WriteSceneProgress {
  phase: 'frames' | 'mesh' | 'done'
  done: number
  total: number
}

/** What writeScene wrote. */
export interface WriteSceneSummary {
  dir: string
  scene: string
  frames: number
  invalidPoseFrames: number[]
  objects: { name: string; rawCategory: string; instanceId: number }[]
  vertices: number
  faces: number
  files: number
  bytes: number
  elapsedMs: number
}

const SCENE_NAME = /^scene\d{4}_\d{2}$/

function meshProperties(mesh: ReturnType<typeof tessellate>, colors: Uint8Array): PlyProperty[] {
  const n = mesh.nyu40.length
  const col = (c: number) => {
    const out = new Uint8Array(n)
    for (let i = 0; i < n; i++) out[i] = colors[3 * i + c]
    return out
  }
  const xyz = [0, 1, 2].map((a) => {
    const out = new Float32Array(n)
    for (let i = 0; i < n; i++) out[i] = mesh.positions[3 * i + a]
    return out
  })
  return [
    { name: 'x', type: 'float', data: xyz[0] }, { name: 'y', type: 'float', data: xyz[1] }, { name: 'z', type: 'float', data: xyz[2] },
    { name: 'red', type: 'uchar', data: col(0) }, { name: 'green', type: 'uchar', data: col(1) }, { name: 'blue', type: 'uchar', data: col(2) },
    { name: 'alpha', type: 'uchar', data: new Uint8Array(n).fill(255) },
  ]
}

function prepareTarget(dir: string): string {
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) fail('PLAF_INVALID_OPTION', `${dir} exists and is not a directory`, { file: dir })
    if (readdirSync(dir).length > 0 && !existsSync(join(dir, SCENE_META_FILE))) {
      fail('PLAF_INVALID_OPTION', `${dir} is not empty and holds no ${SCENE_META_FILE}; refusing to replace it (choose a new or empty directory)`, { file: dir })
    }
  }
  const tmp = join(dirname(dir), `.${basename(dir)}.${process.pid}.${Date.now()}.tmp`)
  rmSync(tmp, { recursive: true, force: true })
  return tmp
}

function commit(tmp: string, dir: string): void {
  if (!existsSync(dir)) return renameSync(tmp, dir)
  const old = `${tmp}.old`
  renameSync(dir, old)
  renameSync(tmp, dir)
  rmSync(old, { recursive: true, force: true })
}

/**
 * Generates a synthetic room and writes it in the ScanNet export layout (see README): colour
 * JPEGs, 16-bit depth and label PNGs, pose and intrinsic text files, the `_vh_clean_2` meshes,
 * the labels TSV, `<scene>.txt` and the `plaf-scene.json` sidecar. Everything is written to a
 * temporary sibling directory first and renamed into place, so `dir` is never half written; an
 * existing `dir` is replaced only if it holds an earlier synthetic scene (or is empty).
 */
export async function writeScene(
  dir: string, options: Partial<WriteSceneOptions> = {}, onProgress?: (p: WriteSceneProgress) => void,
  /** Where the options came from (e.g. `plaf make-scene`'s flags), to locate option errors. */
  source: Omit<OptionsSource, 'value'> = {},
): Promise<WriteSceneSummary> {
  const sharp = await loadSharp()
  const t0 = performance.now()
  const opts = resolveOptions<WriteSceneOptions>(WRITE_SCENE_SCHEMA, options, 'make-scene', {
    hint: 'options: plaf plugins synthetic-room, plus scene, jpeg_quality and mesh_spacing', ...source,
  })
  const target = resolve(dir)
  const name = opts.scene ?? (SCENE_NAME.test(basename(target)) ? basename(target) : 'scene0000_00')
  const { jpeg_quality, mesh_spacing, sens: writeSens, scene: _scene, ...generatorOptions } = opts
  const scene: SyntheticScene = generateRoom(generatorOptions)
  const tmp = prepareTarget(target)
  let files = 0, bytes = 0
  const put = (rel: string, data: Uint8Array | string) => {
    writeFileAtomic(join(tmp, rel), data)
    files++
    bytes += typeof data === 'string' ? Buffer.byteLength(data) : data.byteLength
  }
  let pending: Promise<void> = Promise.resolve()
  try {
    const { colorIntrinsics: kc, depthIntrinsics: kd } = scene
    put('intrinsic/intrinsic_color.txt', formatMatrix(intrinsicMatrix(kc)))
    put('intrinsic/intrinsic_depth.txt', formatMatrix(intrinsicMatrix(kd)))
    put('intrinsic/extrinsic_color.txt', formatMatrix(IDENTITY4))
    put('intrinsic/extrinsic_depth.txt', formatMatrix(IDENTITY4))
    const renderer = createRenderer(scene)
    const frames = scene.poses.length
    const sens = writeSens ? openSensWriter(join(tmp, `${name}.sens`), {
      sensorName: `PLAF synthetic-room ${GENERATOR_VERSION}`, intrinsicColor: intrinsicMatrix(kc), intrinsicDepth: intrinsicMatrix(kd),
      colorWidth: kc.width, colorHeight: kc.height, depthWidth: kd.width, depthHeight: kd.height, depthShift: 1000, frameCount: frames,
    }) : undefined
    for (let i = 0; i < frames; i++) {
      const f = renderer.render(i)
      // The JPEG encodes on libuv's thread pool while this thread writes the PNGs and renders on.
      const jpeg = sharp(f.rgb, { raw: { width: kc.width, height: kc.height, channels: 3 } }).jpeg({ quality: jpeg_quality }).toBuffer()
      put(`depth/${i}.png`, encodePng({ width: kd.width, height: kd.height, channels: 1, data: f.depthMm }))
      put(`label-filt/${i}.png`, encodePng({ width: kc.width, height: kc.height, channels: 1, data: f.labels }))
      put(`instance-filt/${i}.png`, encodePng({ width: kc.width, height: kc.height, channels: 1, data: f.instances, depth: 8 }))
      put(`pose/${i}.txt`, formatMatrix(f.poseValid ? f.pose : new Float64Array(16).fill(-Infinity)))
      await pending
      const pose = f.poseValid ? f.pose : new Float64Array(16).fill(-Infinity)
      pending = jpeg.then((buf) => {
        put(`color/${i}.jpg`, buf)
        sens?.frame(pose, buf, f.depthMm, Math.round((i * 1e6) / 30))
      })
      pending.catch(() => {})
      onProgress?.({ phase: 'frames', done: i, total: frames })
    }
    await pending
    if (sens) {
      sens.close()
      files++
      bytes += statSync(join(tmp, `${name}.sens`)).size
    }
    onProgress?.({ phase: 'frames', done: frames, total: frames })
    onProgress?.({ phase: 'mesh', done: 0, total: 1 })
    const mesh = tessellate(scene, mesh_spacing)
    const vertexCount = mesh.nyu40.length
    const faces = mesh.faces
    const comments = [`PLAF synthetic-room scene ${name} (generator ${GENERATOR_VERSION}, seed ${opts.seed})`]
    put(`${name}_vh_clean_2.ply`, encodePly({ vertexCount, properties: meshProperties(mesh, mesh.colors), faces, comments }))
    const palette = new Uint8Array(3 * vertexCount)
    for (let i = 0; i < vertexCount; i++) palette.set(NYU40_PALETTE[mesh.nyu40[i]] ?? [0, 0, 0], 3 * i)
    put(`${name}_vh_clean_2.labels.ply`, encodePly({
      vertexCount, properties: [...meshProperties(mesh, palette), { name: 'label', type: 'ushort', data: mesh.nyu40 }], faces, comments,
    }))
    onProgress?.({ phase: 'mesh', done: 1, total: 1 })
    put('scannetv2-labels.combined.tsv', formatLabelsTsv(scene.primitives.map((p) => CATEGORIES[p.category.rawCategory])))
    put(`${name}.txt`, formatMetadata({
      axisAlignment: Array.from(IDENTITY4).join(' '),
      colorHeight: kc.height, colorToDepthExtrinsics: Array.from(IDENTITY4).join(' '), colorWidth: kc.width,
      depthHeight: kd.height, depthWidth: kd.width,
      fx_color: kc.fx.toFixed(6), fx_depth: kd.fx.toFixed(6), fy_color: kc.fy.toFixed(6), fy_depth: kd.fy.toFixed(6),
      mx_color: kc.cx.toFixed(6), mx_depth: kd.cx.toFixed(6), my_color: kc.cy.toFixed(6), my_depth: kd.cy.toFixed(6),
      numColorFrames: frames, numDepthFrames: frames, numIMUmeasurements: 0, sceneType: 'Living room / Lounge',
    }))
    const meta = buildSceneMeta(scene, name, { vertices: vertexCount, faces: faces.length / 3, spacing: mesh_spacing })
    put(SCENE_META_FILE, JSON.stringify(meta, null, 2) + '\n')
    commit(tmp, target)
    onProgress?.({ phase: 'done', done: 1, total: 1 })
    return {
      dir: target, scene: name, frames, invalidPoseFrames: meta.invalidPoseFrames,
      objects: meta.primitives.filter((p) => p.kind === 'object').map((p) => ({ name: p.name, rawCategory: p.rawCategory, instanceId: p.instanceId })),
      vertices: vertexCount, faces: faces.length / 3, files, bytes, elapsedMs: performance.now() - t0,
    }
  } catch (e) {
    await pending.catch(() => {})
    rmSync(tmp, { recursive: true, force: true })
    throw e
  }
}
