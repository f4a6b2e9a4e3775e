/**
 * The page's colours: the heat ramp (viridis, sampled at 9 stops; the shader and the CSS colour
 * bar interpolate the same stops linearly), the label palette (Okabe–Ito plus Tableau 10,
 * distinguishable in colour-vision deficiency for the first 8) and the mask-map colours.
 */

/** Viridis at t = 0, 1/8, …, 1 (sRGB 0–1). */
export const RAMP: [number, number, number][] = [
  [0.267, 0.005, 0.329], [0.279, 0.175, 0.483], [0.230, 0.322, 0.546], [0.173, 0.449, 0.558], [0.128, 0.567, 0.551],
  [0.153, 0.680, 0.504], [0.362, 0.786, 0.388], [0.678, 0.864, 0.190], [0.993, 0.906, 0.144],
]

/** CSS gradient of the ramp, left (low) to right (high). */
export const rampCss = (): string =>
  `linear-gradient(to right, ${RAMP.map((c, i) => `rgb(${c.map((v) => Math.round(v * 255)).join(',')}) ${(100 * i) / (RAMP.length - 1)}%`).join(', ')})`

/** GLSL of `vec3 ramp(float t)` over the same stops. */
export function rampGlsl(): string {
  const n = RAMP.length - 1
  const stops = RAMP.map((c) => `vec3(${c.map((v) => v.toFixed(3)).join(', ')})`).join(', ')
  return `const vec3 RAMP[${n + 1}] = vec3[${n + 1}](${stops});
vec3 ramp(float t) {
  float x = clamp(t, 0.0, 1.0) * ${n}.0;
  int i = min(int(floor(x)), ${n - 1});
  return mix(RAMP[i], RAMP[i + 1], x - float(i));
}`
}

/** Label colours (sRGB 0–255); label k gets PALETTE[k % 16]. */
export const PALETTE: [number, number, number][] = [
  [230, 159, 0], [86, 180, 233], [0, 158, 115], [240, 228, 66], [0, 114, 178], [213, 94, 0], [204, 121, 167], [255, 255, 255],
  [78, 121, 167], [242, 142, 43], [225, 87, 89], [118, 183, 178], [89, 161, 79], [237, 201, 72], [176, 122, 161], [156, 117, 95],
]

/** A stable, well-spread colour for mask id k (golden-angle hues); 0 (no mask) is black. */
export function maskColour(k: number): [number, number, number] {
  if (k === 0) return [0, 0, 0]
  const h = (k * 137.508) % 360
  const s = 0.65, l = 0.55
  const f = (n: number) => {
    const a = s * Math.min(l, 1 - l)
    const kk = (n + h / 30) % 12
    return Math.round(255 * (l - a * Math.max(-1, Math.min(kk - 3, 9 - kk, 1))))
  }
  return [f(0), f(8), f(4)]
}

/** The fixed tint of query hits in 2D overlays (a magenta far from most scene colours). */
export const HIT_TINT: [number, number, number] = [255, 0, 200]

/**
 * Colours of a label list: a label that is itself a CSS colour (`red`, `light blue` written as
 * `lightblue`, `#f80`) is drawn in that colour, so a colour query's legend reads at a glance;
 * other labels take the palette in order.
 */
export function labelColours(labels: string[]): [number, number, number][] {
  const c = document.createElement('canvas').getContext('2d')!
  return labels.map((l, k) => {
    const css = l.trim().toLowerCase().replace(/\s+/g, '')
    if (!CSS.supports('color', css)) return PALETTE[k % PALETTE.length]
    c.fillStyle = '#000'
    c.fillStyle = css
    const hex = String(c.fillStyle)
    const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex)
    return m ? [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)] : PALETTE[k % PALETTE.length]
  })
}
