import { fail } from '@plaf/core'
import { SCANNET20, SCANNET200 } from '@plaf/datasets'

/** Names of the class sets `--classes` takes. */
export const CLASS_SETS = ['scannet20', 'scannet200', 'nyu40'] as const
/** A `--classes` value. */
export type ClassSetName = (typeof CLASS_SETS)[number]

/** An evaluation class set: ids (in `idColumn` of the labels TSV) and display names, in report order. */
export interface ClassSet {
  name: ClassSetName
  /** The TSV column the ids are: NYU40 ids (`nyu40id`) or raw ScanNet ids (`id`). */
  idColumn: 'nyu40id' | 'id'
  ids: readonly number[]
  names: readonly string[]
}

/** NYU40 (index = nyu40id − 1), spelled as ScanNet's benchmark spells its ScanNet20 subset. */
const NYU40_NAMES = [
  'wall', 'floor', 'cabinet', 'bed', 'chair', 'sofa', 'table', 'door', 'window', 'bookshelf',
  'picture', 'counter', 'blinds', 'desk', 'shelves', 'curtain', 'dresser', 'pillow', 'mirror', 'floor mat',
  'clothes', 'ceiling', 'books', 'refrigerator', 'television', 'paper', 'towel', 'shower curtain', 'box', 'whiteboard',
  'person', 'night stand', 'toilet', 'sink', 'lamp', 'bathtub', 'bag', 'otherstructure', 'otherfurniture', 'otherprop',
]

/**
 * Background classes that `--background exclude` leaves out (RayFronts' zero-shot protocol):
 * structure and catch-all classes. Their ground truth is then ignored and they are not queried.
 */
export const BACKGROUND_CLASSES: readonly string[] = ['wall', 'floor', 'ceiling', 'door', 'window', 'otherstructure', 'otherfurniture', 'otherprop']

/** The class set named `name`, without or with the background classes. */
export function classSet(name: string, background: 'include' | 'exclude' = 'include', flag = `--classes ${name}`): ClassSet {
  let set: ClassSet
  if (name === 'scannet20') set = { name, idColumn: SCANNET20.idColumn, ids: SCANNET20.ids, names: SCANNET20.names }
  else if (name === 'scannet200') set = { name, idColumn: SCANNET200.idColumn, ids: SCANNET200.ids, names: SCANNET200.names }
  else if (name === 'nyu40') set = { name, idColumn: 'nyu40id', ids: NYU40_NAMES.map((_, i) => i + 1), names: NYU40_NAMES }
  else {
    return fail('PLAF_INVALID_OPTION', `unknown class set "${name}"`, {
      source: flag, path: 'classes', expected: `one of ${CLASS_SETS.join(', ')}`, actual: name,
    })
  }
  if (background === 'include') return set
  const keep = set.ids.map((_, k) => k).filter((k) => !BACKGROUND_CLASSES.includes(set.names[k]))
  return { ...set, ids: keep.map((k) => set.ids[k]), names: keep.map((k) => set.names[k]) }
}

/** id → class index (0-based, the set's order); -1 for every other id. Indexed by the set's id column. */
export function classLookup(set: ClassSet): Int32Array {
  const table = new Int32Array(Math.max(...set.ids, 0) + 1).fill(-1)
  set.ids.forEach((id, k) => { table[id] = k })
  return table
}

/**
 * The text a class is queried with: its name, with the catch-all classes spelled as words
 * (`otherfurniture` → `other furniture`), as OpenScene and RayFronts spell them in prompts.
 */
export function promptName(name: string): string {
  return name.replace(/^other(?=[a-z])/, 'other ')
}
