/**
 * The part of the WebAssembly JavaScript API the project's kernels use, typed here because Node's
 * type declarations for Node 20 do not declare the `WebAssembly` global. One place for the query
 * package's product and gather kernels and the SAM masker's exact-upsampling kernel.
 */

/** A linear memory (shared when made with `shared: true` and a `maximum`). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer
  grow(pages: number): number
}

/** The constructors and `validate` of the global `WebAssembly` object. */
export interface WasmApi {
  Module: new (bytes: Uint8Array) => object
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> }
  Memory: new (descriptor: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory
  validate(bytes: Uint8Array): boolean
}

/** The engine's `WebAssembly`, or undefined where there is none (e.g. Node run with `--jitless`). */
export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly

/** Bytes in a WebAssembly memory page. */
export const WASM_PAGE = 65536
