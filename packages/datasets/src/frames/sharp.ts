type SharpFn = typeof import('sharp').default

let loaded: Promise<SharpFn> | undefined

/**
 * sharp (libvips), imported on first use: loading it costs ~0.1 s of CPU, which commands that
 * decode or write no image (`plaf query` without --images, `plaf --version`) skip.
 */
export const loadSharp = (): Promise<SharpFn> => (loaded ??= import('sharp').then((m) => m.default))
