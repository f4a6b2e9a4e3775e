/**
 * Types for the part of d3-octree 1.1 (which ships none) that mesh-transfer.ts uses. `find(x, y, z,
 * radius)` returns the datum nearest to (x, y, z) strictly closer than `radius`, or undefined.
 */
declare module 'd3-octree' {
  export interface Octree<T> {
    find(x: number, y: number, z: number, radius?: number): T | undefined
    size(): number
  }
  export function octree<T>(data: Iterable<T>, x: (d: T) => number, y: (d: T) => number, z: (d: T) => number): Octree<T>
}
