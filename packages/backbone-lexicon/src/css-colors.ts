import colorNames from 'color-name'

/**
 * The CSS named colours exactly as the npm package `color-name` ships them (name → sRGB bytes),
 * re-exported with types: color-name has none of its own (see color-name.d.ts).
 */
export const CSS_COLORS: Readonly<Record<string, readonly [r: number, g: number, b: number]>> = colorNames
