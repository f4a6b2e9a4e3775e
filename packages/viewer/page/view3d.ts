import * as THREE from 'three'
import { OrbitControls } from 'three/addons/controls/OrbitControls.js'
import type { FrameInfo, PointsPayload } from '../src/wire.js'
import { PALETTE, rampGlsl } from './colours.js'

/** Colouring of the point cloud: own colours, heat of one query's scores, or argmax labels. */
export type ColourMode = 'colour' | 'heat' | 'labels'

const TEX_WIDTH = 2048
const NO_SCORE = -2

const vertexShader = `
in vec3 rgb;
in uint ref;
uniform highp sampler2D scores;
uniform int mode;
uniform float threshold;
uniform float lo;
uniform float hi;
uniform float pointScale;
uniform vec3 palette[16];
out vec3 vColor;
${rampGlsl()}
void main() {
  vec4 mv = modelViewMatrix * vec4(position, 1.0);
  gl_Position = projectionMatrix * mv;
  gl_PointSize = clamp(pointScale / max(-mv.z, 1e-3), 1.0, 12.0);
  vec3 own = rgb;
  vec3 dim = mix(vec3(dot(own, vec3(0.299, 0.587, 0.114))), own, 0.25) * 0.4;
  if (mode == 0) { vColor = own; return; }
  int r = int(ref);
  vec2 s = texelFetch(scores, ivec2(r % ${TEX_WIDTH}, r / ${TEX_WIDTH}), 0).rg;
  if (mode == 1) {
    vColor = (s.r < ${NO_SCORE + 0.5} || s.r < threshold) ? dim : ramp((s.r - lo) / max(hi - lo, 1e-6));
  } else {
    vColor = s.g < -0.5 ? dim : palette[int(s.g + 0.5) % 16];
  }
}`

const fragmentShader = `
in vec3 vColor;
out vec4 outColor;
void main() {
  vec2 c = gl_PointCoord - 0.5;
  if (dot(c, c) > 0.25) discard;
  outColor = vec4(vColor, 1.0);
}`

/**
 * The 3D view: the point cloud as one `THREE.Points` whose colour is computed in the vertex
 * shader from a per-point `ref` attribute and a small float texture of pool-row values (R: the
 * query's score, G: the argmax label), so recolouring a million points uploads M floats, not N.
 * Also the camera path (a line through the camera centres, one clickable marker per frame).
 * Renders on demand (orbit, resize, new colours), not in a loop.
 */
export class View3D {
  readonly renderer: THREE.WebGLRenderer
  readonly camera: THREE.PerspectiveCamera
  private readonly scene = new THREE.Scene()
  private readonly controls: OrbitControls
  private readonly uniforms: Record<string, THREE.IUniform>
  private texture: THREE.DataTexture
  private texData: Float32Array
  private readonly markers: THREE.Points
  private readonly path: THREE.Line
  private frameIds: string[] = []
  private selected = -1
  renders = 0

  constructor(private readonly canvas: HTMLCanvasElement, p: PointsPayload, onFrame: (id: string) => void) {
    this.renderer = new THREE.WebGLRenderer({ canvas, antialias: false, preserveDrawingBuffer: true })
    this.renderer.setPixelRatio(1)
    this.renderer.setClearColor(0x16181d)
    this.camera = new THREE.PerspectiveCamera(50, 1, 0.01, 1000)
    this.camera.up.set(0, 0, 1)
    const g = new THREE.BufferGeometry()
    g.setAttribute('position', new THREE.BufferAttribute(p.positions, 3))
    g.setAttribute('rgb', new THREE.BufferAttribute(p.colors, 3, true))
    g.setAttribute('ref', new THREE.BufferAttribute(p.refs, 1))
    g.computeBoundingBox()
    g.computeBoundingSphere()
    const rows = Math.max(1, p.poolRows)
    this.texData = new Float32Array(TEX_WIDTH * Math.ceil(rows / TEX_WIDTH) * 2).fill(NO_SCORE)
    this.texture = this.makeTexture(rows)
    this.uniforms = {
      scores: { value: this.texture }, mode: { value: 0 }, threshold: { value: 0.5 }, lo: { value: 0 }, hi: { value: 1 }, pointScale: { value: 10 },
      palette: { value: PALETTE.map((c) => new THREE.Vector3(c[0] / 255, c[1] / 255, c[2] / 255)) },
    }
    const material = new THREE.ShaderMaterial({ glslVersion: THREE.GLSL3, vertexShader, fragmentShader, uniforms: this.uniforms })
    const cloud = new THREE.Points(g, material)
    cloud.frustumCulled = false
    this.scene.add(cloud)
    this.markers = new THREE.Points(new THREE.BufferGeometry(), new THREE.PointsMaterial({ size: 9, sizeAttenuation: false, vertexColors: true }))
    this.path = new THREE.Line(new THREE.BufferGeometry(), new THREE.LineBasicMaterial({ color: 0xffa64d }))
    this.scene.add(this.path, this.markers)
    this.controls = new OrbitControls(this.camera, canvas)
    this.controls.addEventListener('change', () => this.render())
    this.home(g.boundingBox!)
    this.clickToFrame(onFrame)
    new ResizeObserver(() => this.resize()).observe(canvas)
    this.resize()
  }

  private makeTexture(rows: number): THREE.DataTexture {
    const t = new THREE.DataTexture(this.texData, TEX_WIDTH, Math.ceil(rows / TEX_WIDTH), THREE.RGFormat, THREE.FloatType)
    t.minFilter = t.magFilter = THREE.NearestFilter
    t.needsUpdate = true
    return t
  }

  /** A fixed view of the whole map: from a corner above, looking at the centre (z up). */
  private home(box: THREE.Box3): void {
    const c = box.getCenter(new THREE.Vector3())
    const size = box.getSize(new THREE.Vector3())
    const r = Math.max(size.length() / 2, 0.1)
    this.camera.position.set(c.x - 0.9 * r, c.y - 1.4 * r, c.z + 1.3 * r)
    this.controls.target.copy(c)
    this.camera.near = r / 100
    this.camera.far = r * 20
    this.camera.updateProjectionMatrix()
    this.controls.update()
    // points about 1.5 voxels wide at 3 cm: world size × pixels per unit at distance 1
    this.pointSize = 0.04
  }

  private pointSize = 0.04

  private resize(): void {
    const w = this.canvas.clientWidth, h = this.canvas.clientHeight
    if (!w || !h) return
    this.renderer.setSize(w, h, false)
    this.camera.aspect = w / h
    this.camera.updateProjectionMatrix()
    this.uniforms.pointScale.value = (this.pointSize * h) / (2 * Math.tan((this.camera.fov * Math.PI) / 360))
    this.render()
  }

  private clickToFrame(onFrame: (id: string) => void): void {
    const ray = new THREE.Raycaster()
    let down: [number, number] | null = null
    this.canvas.addEventListener('pointerdown', (e) => (down = [e.clientX, e.clientY]))
    this.canvas.addEventListener('pointerup', (e) => {
      if (!down || Math.hypot(e.clientX - down[0], e.clientY - down[1]) > 4) return
      const r = this.canvas.getBoundingClientRect()
      ray.setFromCamera(new THREE.Vector2(((e.clientX - r.left) / r.width) * 2 - 1, -((e.clientY - r.top) / r.height) * 2 + 1), this.camera)
      ray.params.Points = { threshold: this.camera.position.distanceTo(this.controls.target) / 60 }
      const hit = ray.intersectObject(this.markers)[0]
      if (hit?.index !== undefined) onFrame(this.frameIds[hit.index])
    })
  }

  /** Draws the camera path through the frames with a valid pose. */
  setFrames(frames: FrameInfo[]): void {
    const posed = frames.filter((f) => f.pose)
    this.frameIds = posed.map((f) => f.id)
    const xyz = new Float32Array(posed.flatMap((f) => [f.pose![3], f.pose![7], f.pose![11]]))
    this.path.geometry.dispose()
    this.path.geometry = new THREE.BufferGeometry().setAttribute('position', new THREE.BufferAttribute(xyz, 3))
    this.markers.geometry.dispose()
    this.markers.geometry = new THREE.BufferGeometry().setAttribute('position', new THREE.BufferAttribute(xyz.slice(), 3))
    this.markers.geometry.setAttribute('color', new THREE.BufferAttribute(new Float32Array(posed.length * 3), 3))
    this.highlight(this.selected >= 0 ? posed[this.selected]?.id ?? null : null)
  }

  /** Where a frame's marker is on screen (client pixels), or null when it has none or lies behind the camera. */
  markerOnScreen(id: string): { x: number; y: number } | null {
    const i = this.frameIds.indexOf(id)
    const pos = this.markers.geometry.getAttribute('position') as THREE.BufferAttribute | undefined
    if (i < 0 || !pos) return null
    const v = new THREE.Vector3(pos.getX(i), pos.getY(i), pos.getZ(i)).project(this.camera)
    if (v.z > 1) return null
    const r = this.canvas.getBoundingClientRect()
    return { x: r.left + ((v.x + 1) / 2) * r.width, y: r.top + ((1 - v.y) / 2) * r.height }
  }

  /** Marks one frame's marker (or none). */
  highlight(id: string | null): void {
    this.selected = id === null ? -1 : this.frameIds.indexOf(id)
    const c = this.markers.geometry.getAttribute('color') as THREE.BufferAttribute | undefined
    if (!c) return
    for (let i = 0; i < this.frameIds.length; i++) c.setXYZ(i, ...((i === this.selected ? [1, 0, 0.8] : [1, 0.65, 0.3]) as [number, number, number]))
    c.needsUpdate = true
    this.render()
  }

  /** Colours by own colour, by heat of `rowScores` (NaN = no score), or by `rowLabels` (-1 = none). */
  colour(mode: ColourMode, o: { rowScores?: Float32Array; rowLabels?: Int16Array; palette?: [number, number, number][]; threshold?: number; lo?: number; hi?: number } = {}): void {
    const u = this.uniforms
    if (o.palette) for (let k = 0; k < 16; k++) (u.palette.value as THREE.Vector3[])[k].set(...((o.palette[k] ?? PALETTE[k]).map((v) => v / 255) as [number, number, number]))
    u.mode.value = mode === 'colour' ? 0 : mode === 'heat' ? 1 : 2
    if (o.threshold !== undefined) u.threshold.value = o.threshold
    if (o.lo !== undefined) u.lo.value = o.lo
    if (o.hi !== undefined) u.hi.value = o.hi
    if (o.rowScores || o.rowLabels) {
      const d = this.texData
      const rows = d.length / 2
      for (let r = 0; r < rows; r++) {
        if (o.rowScores) d[2 * r] = r < o.rowScores.length && !Number.isNaN(o.rowScores[r]) ? o.rowScores[r] : NO_SCORE
        if (o.rowLabels) d[2 * r + 1] = r < o.rowLabels.length ? o.rowLabels[r] : -1
      }
      this.texture.needsUpdate = true
    }
    this.render()
  }

  /**
   * Draws on the next animation frame; requests in between (resize, path, colours, orbit) share
   * one draw. On a CPU rasteriser (SwiftShader) a million points cost about a second a draw.
   */
  render(): void {
    if (this.pending) return
    this.pending = true
    requestAnimationFrame(() => {
      this.pending = false
      this.renderer.render(this.scene, this.camera)
      this.renders++
    })
  }

  private pending = false
}
