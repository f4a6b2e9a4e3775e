/**
 * What `plaf query` and `plaf view` say about a finished run before its results: one
 * PLAF_RANDOM_WEIGHTS warning per contract model with random weights its manifest.json records,
 * and a PLAF_INPUT_INVALID warning when the run holds only part of its input's frames (a `plaf
 * run --shard i/n` directory, a `plaf merge` that left shards out: k of N frames, the merge to run).
 * The reading lives in core (`runModelWarnings`), where the viewer, which shows the same warnings
 * in its page's banner, imports it too.
 */
export { runModelWarnings } from '@plaf/core'
