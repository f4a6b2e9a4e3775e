import type { NamingModel } from '../vocabulary.js'
import { shadedAssign, shadedScratch } from './shaded-assign.js'

/** Term assignments (`shadedAssign`) precomputed on a regular RGB lattice. */
export interface AssignmentLut {
  /** Lattice nodes per channel, 2^bits; node k has channel value k·255/(nodes − 1). */
  nodes: number
  /** Number of terms D. */
  d: number
  /** nodes³×D term assignments, row ((r·nodes + g)·nodes + b). */
  data: Float32Array
}

/**
 * Builds the lattice of term assignments: nodes³ rows of D floats (bits 5: 32³×11×4 B = 1.4 MB).
 * The lattice includes 0 and 255, so black, white and the primaries are exact.
 */
export function buildAssignmentLut(bits: number, model: NamingModel, temperature: number): AssignmentLut {
  const nodes = 1 << bits
  const { d } = model
  const data = new Float32Array(nodes * nodes * nodes * d)
  const scratch = shadedScratch(model)
  const step = 255 / (nodes - 1)
  for (let r = 0; r < nodes; r++) {
    for (let g = 0; g < nodes; g++) {
      for (let b = 0; b < nodes; b++) {
        shadedAssign(r * step, g * step, b * step, model, temperature, data, ((r * nodes + g) * nodes + b) * d, scratch)
      }
    }
  }
  return { nodes, d, data }
}

/** Row of the lattice node nearest to an RGB colour with channels in [0, 255]. */
export function lutRow(lut: AssignmentLut, r: number, g: number, b: number): number {
  const s = (lut.nodes - 1) / 255
  const n = lut.nodes
  return (Math.round(r * s) * n + Math.round(g * s)) * n + Math.round(b * s)
}
