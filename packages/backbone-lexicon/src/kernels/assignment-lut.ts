import type { NamingModel } from '../vocabulary.js'
import { shadedAssign, shadedScratch, type ShadedScratch } from './shaded-assign.js'

/** Term assignments (`shadedAssign`) precomputed on a regular RGB lattice. */
export interface AssignmentLut {
  /** Lattice nodes per channel, 2^bits; node k has channel value k·255/(nodes − 1). */
  nodes: number
  /** Number of terms D. */
  d: number
  /** nodes³×D term assignments, row ((r·nodes + g)·nodes + b); a row is valid where `filled` is 1. */
  data: Float32Array
  /** 1 for each row already computed: all of them in an eager lattice, the rows used so far in a lazy one. */
  filled: Uint8Array
  /** Rows computed so far. */
  rowsFilled: number
  model: NamingModel
  temperature: number
  scratch: ShadedScratch
}

function emptyLut(bits: number, model: NamingModel, temperature: number): AssignmentLut {
  const nodes = 1 << bits
  const rows = nodes * nodes * nodes
  return { nodes, d: model.d, data: new Float32Array(rows * model.d), filled: new Uint8Array(rows), rowsFilled: 0, model, temperature, scratch: shadedScratch(model) }
}

/** Computes one row of the lattice (node colours are the same in eager and lazy lattices). */
export function fillLutRow(lut: AssignmentLut, row: number): void {
  const n = lut.nodes
  const step = 255 / (n - 1)
  const b = row % n
  const g = ((row - b) / n) % n
  const r = (row - b - g * n) / (n * n)
  shadedAssign(r * step, g * step, b * step, lut.model, lut.temperature, lut.data, row * lut.d, lut.scratch)
  lut.filled[row] = 1
  lut.rowsFilled++
}

/**
 * Builds the lattice of term assignments: nodes³ rows of D floats (bits 5: 32³×11×4 B = 1.4 MB).
 * The lattice includes 0 and 255, so black, white and the primaries are exact.
 */
export function buildAssignmentLut(bits: number, model: NamingModel, temperature: number): AssignmentLut {
  const lut = emptyLut(bits, model, temperature)
  for (let row = 0; row < lut.filled.length; row++) fillLutRow(lut, row)
  return lut
}

/**
 * The same lattice with no row computed yet: a reader fills each row the first time a pixel
 * falls on it (`patchFeatures` does), with the same values `buildAssignmentLut` gives. Images use few of
 * the nodes (the 12 demo frames: 1,762 of 32,768 at 5 bits), so this skips most of the build.
 */
export function lazyAssignmentLut(bits: number, model: NamingModel, temperature: number): AssignmentLut {
  return emptyLut(bits, model, temperature)
}

/** Row of the lattice node nearest to an RGB colour with channels in [0, 255]. */
export function lutRow(lut: AssignmentLut, r: number, g: number, b: number): number {
  const s = (lut.nodes - 1) / 255
  const n = lut.nodes
  return (Math.round(r * s) * n + Math.round(g * s)) * n + Math.round(b * s)
}
