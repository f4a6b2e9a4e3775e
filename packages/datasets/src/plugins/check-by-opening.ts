import { PlafError, type PluginNote } from '@plaf/core'

/**
 * An input plugin's `check` that opens the source the way `create` will (indexes and poses are
 * read, no image is decoded) and reports what fails at the option naming the source, so
 * `plaf validate` points at that line of the pipeline.
 */
export function checkByOpening(open: () => unknown, path: string, pathOf?: (d: PluginNote) => string): PluginNote[] {
  try {
    open()
    return []
  } catch (e) {
    if (!(e instanceof PlafError)) throw e
    return e.diagnostics.map(({ severity: _s, cause: _c, ...d }) => ({ ...d, path: pathOf?.(d) ?? path }))
  }
}
