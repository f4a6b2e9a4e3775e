import type { FeatureGrid, MaskSet } from '@plaf/core'
import { denseMaskMeans, type DenseMemory } from './dense-mask-mean.js'
import { normalizeVectors } from './dense-normalize.js'
import { upsampleBilinear } from './dense-upsample.js'

/** Time (ms, performance.now) of each op of the official path. */
export interface DenseSteps {
  upsample_ms: number
  normalize_ms: number
  mask_mean_ms: number
}

/**
 * The official 2D path op for op, on the CPU, with the dense tensors it holds: bilinear upsample
 * to H×W×D, per-pixel `F.normalize` into a second H×W×D tensor, then the per-mask gather, mean
 * and normalisation. `onStep` is called often (after each row, chunk and mask) so a memory probe
 * can sample inside this synchronous work.
 */
export function denseAggregate(grid: FeatureGrid, maskSet: MaskSet, onStep?: () => void): DenseMemory & { steps: DenseSteps } {
  const { width: W, height: H } = maskSet
  const d = grid.shape[2]
  const t0 = performance.now()
  let up: Float32Array | null = upsampleBilinear(grid, H, W, onStep && (() => onStep()))
  const t1 = performance.now()
  const unit = normalizeVectors(up, H * W, d, onStep)
  onStep?.()
  // The upsampled tensor is garbage from here on, as in torch once `features` is rebound.
  up = null
  const t2 = performance.now()
  const memory = denseMaskMeans(unit, W, H, d, maskSet.masks, onStep)
  const t3 = performance.now()
  return { ...memory, steps: { upsample_ms: t1 - t0, normalize_ms: t2 - t1, mask_mean_ms: t3 - t2 } }
}

/** Bytes of one dense H×W×D float32 tensor. */
export function denseTensorBytes(H: number, W: number, d: number): number {
  return H * W * d * 4
}
