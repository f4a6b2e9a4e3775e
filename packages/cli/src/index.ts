/** `@plaf/cli`: the plaf command line. */
export { main, buildProgram } from './main.js'
export { builtins, builtinRegistry } from './builtins.js'
export { formatDiagnostic, formatDiagnostics } from './render.js'
export type { Io } from './io.js'
