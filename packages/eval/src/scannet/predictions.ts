import { existsSync, readFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { PlafError, decodeNpy, decodePly, fail } from '@plaf/core'

/** The prediction file formats `--predictions` reads, by extension. */
export const PREDICTION_FORMATS = ['.txt', '.npy', '.ply'] as const

/** Predicted label ids, one per mesh vertex, as read from a file. */
export interface VertexPredictions {
  file: string
  format: 'benchmark-txt' | 'npy' | 'ply'
  /** One id per vertex (in the class set's id column); non-integers become NaN (outside every set). */
  ids: Float64Array
}

function readBytes(file: string, flag: string): Buffer {
  try {
    return readFileSync(file)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    return fail(code === 'ENOENT' ? 'PLAF_FILE_NOT_FOUND' : 'PLAF_INPUT_INVALID', `${file} is ${code === 'ENOENT' ? 'missing' : 'unreadable'}`, { file, source: flag, path: 'predictions', cause: e })
  }
}

/**
 * The ScanNet benchmark format: one integer label per line, one line per vertex. Like the
 * benchmark's own reader (BenchmarkScripts/util_3d.py `load_ids`: `splitlines()`, then
 * `np.array(…, dtype=np.int64)`), `\r\n` line ends, spaces around a value and a leading `+` are
 * accepted. Blank (or whitespace-only) lines after the last value are ignored: `load_ids` refuses
 * them, `numpy.loadtxt` skips them, and they cannot shift a value to another vertex. A blank line
 * with values after it is an error naming its line: line k holds vertex k's id, so skipping it
 * (as `numpy.loadtxt` does, blank lines and `#` comments anywhere) would give every later vertex
 * its neighbour's label. Any other line that is not an integer is an error naming its line.
 */
export function parseBenchmarkTxt(text: string, file: string): Float64Array {
  const lines = text.split('\n')
  let n = lines.length
  while (n > 0 && lines[n - 1].trim() === '') n--
  const ids = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    const t = lines[i].trim()
    if (t === '') {
      let next = i + 1
      while (lines[next].trim() === '') next++
      fail('PLAF_INPUT_INVALID', `${file}:${i + 1}: blank line between label ids (the next id is on line ${next + 1}): line k holds vertex k's id, so a blank line would shift every later vertex's label`, {
        file, line: i + 1, expected: 'one integer label id per line, no blank line before the last (blank lines after the last id are ignored)', actual: 'a blank line',
        hint: 'remove the blank line if it is stray, or write the missing vertex\'s id there',
      })
    }
    if (!/^[+-]?\d+$/.test(t)) {
      fail('PLAF_INPUT_INVALID', `${file}:${i + 1}: "${t.slice(0, 40)}" is not an integer label id`, { file, line: i + 1, expected: 'one integer label id per line', actual: t.slice(0, 40) })
    }
    ids[i] = Number(t)
  }
  return ids
}

/** The query's label list in a `plaf query labels [...]` PLY header comment ([] when edited beyond reading). */
function namesOfComment(comment: string): string[] {
  try {
    const v = JSON.parse(comment.slice('plaf query labels '.length)) as unknown
    return Array.isArray(v) ? v.map(String) : []
  } catch {
    return []
  }
}

/** The refusal of a file of plaf query label indices (`how`: what gave it away). */
function queryLabelsError(file: string, flag: string, how: string, names: string[], what: string): never {
  const listed = names.slice(0, 4).map((n, i) => `${i} = ${JSON.stringify(n)}`).join(', ')
  return fail('PLAF_INPUT_INVALID', `${file} was written by plaf query --labels (${how}): its ${what} holds indices into the query's ${names.length ? `${names.length} labels (${listed}${names.length > 4 ? ', …' : ''})` : 'labels'}, not NYU40 ids, so scoring it against ScanNet classes would be meaningless`, {
    file, source: flag, path: 'predictions', expected: 'NYU40 ids per vertex (ScanNet20 and NYU40 sets) or raw ScanNet ids (ScanNet200)', actual: 'plaf query label indices',
    hint: 'score the run itself: plaf eval scannet --run <run dir> --scene <scene> (it queries every class, by name or with --prompts), or map the indices to NYU40 ids and write one id a line to a .txt',
  })
}

/**
 * A `.npy` of plaf query label indices: its sidecar `<stem>.json` says so (`format:
 * plaf-query-labels`, written beside `mesh/labels.npy` and `labels/map-labels.npy`), or, for a
 * `labels.npy` without one (an older plaf query), the `labels.ply` beside it carries the query's
 * header comment. Refused like that PLY.
 */
function refuseQueryLabelsNpy(file: string, flag: string): void {
  const sidecar = join(dirname(file), `${basename(file, extname(file))}.json`)
  if (existsSync(sidecar)) {
    type Sidecar = { format?: unknown; labels?: unknown }
    let meta: Sidecar | null = null
    try {
      meta = JSON.parse(readFileSync(sidecar, 'utf8')) as Sidecar
    } catch {
      meta = null
    }
    if (meta?.format === 'plaf-query-labels') {
      queryLabelsError(file, flag, `its sidecar ${basename(sidecar)} says format "plaf-query-labels"`, Array.isArray(meta.labels) ? meta.labels.map(String) : [], 'array')
    }
  }
  const ply = join(dirname(file), 'labels.ply')
  if (basename(file) === 'labels.npy' && existsSync(ply)) {
    let comment: string | undefined
    try {
      comment = decodePly(readFileSync(ply), ply).comments.find((c) => c.startsWith('plaf query labels '))
    } catch {
      comment = undefined
    }
    if (comment) queryLabelsError(file, flag, `the labels.ply beside it has the header comment "plaf query labels …"`, namesOfComment(comment), 'array')
  }
}

/**
 * Reads per-vertex predictions: a ScanNet benchmark `.txt` (one id per line), a 1-D `.npy` of
 * ids (any integer or float dtype), or a PLY with a vertex property `label`. The count must be
 * `vertexCount` (the mesh's), else an error naming the file and both counts.
 */
export function readVertexPredictions(file: string, vertexCount: number, flag = `--predictions ${file}`): VertexPredictions {
  const ext = extname(file).toLowerCase()
  if (!(PREDICTION_FORMATS as readonly string[]).includes(ext)) {
    fail('PLAF_INPUT_INVALID', `${file}: unknown prediction format "${ext || '(no extension)'}"`, { file, source: flag, path: 'predictions', expected: `a ${PREDICTION_FORMATS.join(', ')} file`, actual: ext || 'no extension' })
  }
  const bytes = readBytes(file, flag)
  let ids: Float64Array
  let format: VertexPredictions['format']
  if (ext === '.txt') {
    ids = parseBenchmarkTxt(bytes.toString('utf8'), file)
    format = 'benchmark-txt'
  } else if (ext === '.npy') {
    refuseQueryLabelsNpy(file, flag)
    const a = decodeNpy(bytes, file)
    if (a.shape.length !== 1 && !(a.shape.length === 2 && a.shape[1] === 1)) {
      fail('PLAF_INPUT_INVALID', `${file}: predictions must be a 1-D array of label ids, found shape (${a.shape.join(', ')})`, { file, expected: '(N,)', actual: `(${a.shape.join(', ')})` })
    }
    if (a.dtype === '<f2') fail('PLAF_INPUT_INVALID', `${file}: float16 label ids are not supported`, { file, expected: 'an integer dtype (or float32/64)', actual: a.dtype })
    // numpy's default integer dtype is int64, decoded as BigInt64Array
    const data = a.data
    ids = new Float64Array(data.length)
    for (let i = 0; i < data.length; i++) ids[i] = Number(data[i])
    format = 'npy'
  } else {
    let ply
    try {
      ply = decodePly(bytes, file)
    } catch (e) {
      if (e instanceof PlafError) throw e
      return fail('PLAF_INPUT_INVALID', `${file}: not a readable PLY (${(e as Error).message})`, { file, cause: e })
    }
    // plaf query --labels … --mesh writes labels.ply with indices into its label list, which it names in a header comment
    const byQuery = ply.comments.find((c) => c.startsWith('plaf query labels '))
    if (byQuery) queryLabelsError(file, flag, 'its header comment "plaf query labels …"', namesOfComment(byQuery), 'label property')
    const label = ply.properties.label
    if (!label) fail('PLAF_INPUT_INVALID', `${file}: vertex has no "label" property`, { file, expected: 'a vertex property label', actual: Object.keys(ply.properties).join(' ') || 'no properties' })
    ids = Float64Array.from(label)
    format = 'ply'
  }
  if (ids.length !== vertexCount) {
    fail('PLAF_INPUT_INVALID', `${file} has ${ids.length} predictions, but the mesh has ${vertexCount} vertices`, {
      file, source: flag, path: 'predictions', expected: `${vertexCount} (one per vertex of the scene's _vh_clean_2 mesh)`, actual: String(ids.length),
    })
  }
  for (let i = 0; i < ids.length; i++) if (ids[i] !== Math.floor(ids[i])) ids[i] = NaN
  return { file, format, ids }
}

/** The prediction file of one scene in a folder of per-scene files (`<scene>.txt`, `.npy` or `.ply`). */
export function scenePredictionFile(dir: string, scene: string): string {
  for (const ext of PREDICTION_FORMATS) if (existsSync(join(dir, scene + ext))) return join(dir, scene + ext)
  return fail('PLAF_FILE_NOT_FOUND', `${dir} has no prediction file for scene ${scene} (${PREDICTION_FORMATS.map((e) => scene + e).join(', ')})`, {
    file: join(dir, scene + '.txt'), source: `--predictions ${dir}`, path: 'predictions',
  })
}
