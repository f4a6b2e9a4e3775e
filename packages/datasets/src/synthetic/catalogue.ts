/**
 * The small ScanNet catalogue the synthetic scenes draw from: rows of
 * `scannetv2-labels.combined.tsv` (copied verbatim, all 17 columns), a box size per object
 * category, the object colour categories and the muted surface colours.
 */
import { OBJECT_CATEGORIES, objectShades, type Shade } from './shades.js'

/** The exact 17-column header of `scannetv2-labels.combined.tsv`. */
export const TSV_COLUMNS = [
  'id', 'raw_category', 'category', 'count', 'nyu40id', 'eigen13id', 'nyuClass', 'nyu40class', 'eigen13class',
  'ModelNet40', 'ModelNet10', 'ShapeNetCore55', 'synsetoffset', 'wnsynsetid', 'wnsynsetkey', 'mpcat40', 'mpcat40index',
] as const

// One row per raw category, fields in TSV_COLUMNS order, exactly as in the ScanNet v2 file.
const ROWS: readonly (readonly string[])[] = [
  ['1', 'wall', 'wall', '8277', '1', '12', 'wall', 'wall', 'Wall', '', '', '', '', 'n04546855', 'wall.n.01', 'wall', '1'],
  ['2', 'chair', 'chair', '4646', '5', '4', 'chair', 'chair', 'Chair', 'chair', 'chair', 'chair', '3001627', 'n03001627', 'chair.n.01', 'chair', '3'],
  ['3', 'floor', 'floor', '1553', '2', '5', 'floor', 'floor', 'Floor', '', '', '', '', 'n03365592', 'floor.n.01', 'floor', '2'],
  ['4', 'table', 'table', '1170', '7', '10', 'table', 'table', 'Table', 'table', 'table', 'table', '4379243', 'n04379243', 'table.n.02', 'table', '5'],
  ['41', 'ceiling', 'ceiling', '806', '22', '3', 'ceiling', 'ceiling', 'Ceiling', '', '', '', '', 'n02990373', 'ceiling.n.01', 'ceiling', '17'],
  ['7', 'cabinet', 'cabinet', '731', '3', '6', 'cabinet', 'cabinet', 'Furniture', '', '', 'cabinet', '2933112', 'n02933112', 'cabinet.n.01', 'cabinet', '7'],
  ['9', 'desk', 'desk', '680', '14', '10', 'desk', 'desk', 'Table', 'desk', 'desk', 'table', '4379243', 'n03179701', 'desk.n.01', 'table', '5'],
  ['6', 'couch', 'couch', '502', '6', '9', 'sofa', 'sofa', 'Sofa', 'sofa', 'sofa', 'sofa', '4256520', 'n04256520', 'sofa.n.01', 'sofa', '10'],
  ['11', 'bed', 'bed', '370', '4', '1', 'bed', 'bed', 'Bed', 'bed', 'bed', 'bed', '2818832', 'n02818832', 'bed.n.01', 'bed', '11'],
  ['18', 'bookshelf', 'bookshelf', '360', '10', '6', 'bookshelf', 'bookshelf', 'Furniture', 'bookshelf', '', 'bookshelf', '2871439', 'n02871439', 'bookshelf.n.01', 'shelving', '31'],
  ['27', 'refrigerator', 'refrigerator', '154', '24', '6', 'refrigerator', 'refrigerator', 'Furniture', '', '', '', '', 'n04070727', 'refrigerator.n.01', 'appliances', '37'],
  ['56', 'trash can', 'trash can', '1090', '39', '6', 'garbage bin', 'otherfurniture', 'Furniture', '', '', 'trash_bin', '2747177', 'n02747177', 'ashcan.n.01', 'objects', '39'],
]

/** One ScanNet raw category: its TSV `id` (the value in label-filt PNGs) and NYU40 class. */
export interface Category {
  rawCategory: string
  /** TSV `id` column: what `label-filt/<i>.png` stores. */
  labelId: number
  nyu40id: number
  nyu40class: string
  /** The full TSV row, 17 fields. */
  row: readonly string[]
}

/** Every category of the catalogue, by raw category name. */
export const CATEGORIES: Readonly<Record<string, Category>> = Object.fromEntries(
  ROWS.map((r) => [r[1], { rawCategory: r[1], labelId: Number(r[0]), nyu40id: Number(r[4]), nyu40class: r[7], row: r }]),
)

/** Object categories (all ScanNet20 benchmark classes, distinct NYU40 ids) and their box half-extents in metres. */
export const OBJECT_KINDS: readonly { rawCategory: string; half: readonly [number, number, number] }[] = [
  { rawCategory: 'chair', half: [0.25, 0.25, 0.45] },
  { rawCategory: 'table', half: [0.6, 0.4, 0.37] },
  { rawCategory: 'cabinet', half: [0.4, 0.25, 0.45] },
  { rawCategory: 'couch', half: [0.9, 0.42, 0.4] },
  { rawCategory: 'bookshelf', half: [0.45, 0.17, 0.9] },
  { rawCategory: 'desk', half: [0.6, 0.35, 0.38] },
  { rawCategory: 'bed', half: [1.0, 0.75, 0.28] },
  { rawCategory: 'refrigerator', half: [0.35, 0.33, 0.85] },
  { rawCategory: 'trash can', half: [0.17, 0.17, 0.3] },
]

/** A named sRGB colour (0–255 per channel). */
export interface NamedColour {
  /** The colour word: a basic term for objects (`red`), a plain word for surfaces (`beige`). */
  name: string
  rgb: readonly [number, number, number]
  /** For objects, the shade drawn for it (its name in the shade dataset, e.g. `brick red`). */
  shade?: string
}

/** An object colour category: its basic colour term and the shades an object of it may take. */
export interface ColourCategory {
  name: string
  shades: readonly Shade[]
}

/**
 * Object colour categories: the chromatic basic colour terms, each with its shades from a colour
 * naming study (see shades.ts). Each object takes its own category and one of its shades at
 * random (seeded), so a colour query must find everyday shades, not one reference value.
 */
export const OBJECT_COLOURS: readonly ColourCategory[] = OBJECT_CATEGORIES.map((name) => ({ name, shades: objectShades()[name] }))

/** Muted colours of the room's surfaces. */
export const SURFACE_COLOURS: Readonly<Record<'floor' | 'wall' | 'ceiling', NamedColour>> = {
  floor: { name: 'grey', rgb: [125, 122, 118] },
  wall: { name: 'beige', rgb: [200, 190, 170] },
  ceiling: { name: 'white', rgb: [225, 225, 222] },
}

/** ScanNet's NYU40 visualisation palette (`util.create_color_palette`) for the ids used here. */
export const NYU40_PALETTE: Readonly<Record<number, readonly [number, number, number]>> = {
  1: [174, 199, 232], 2: [152, 223, 138], 3: [31, 119, 180], 4: [255, 187, 120], 5: [188, 189, 34],
  6: [140, 86, 75], 7: [255, 152, 150], 10: [148, 103, 189], 14: [247, 182, 210], 22: [78, 71, 183],
  24: [255, 127, 14], 39: [82, 84, 163],
}

/** Formats a TSV with the exact header and the given categories' rows, sorted by label id. */
export function formatLabelsTsv(categories: Iterable<Category>): string {
  const rows = [...new Map([...categories].map((c) => [c.rawCategory, c])).values()].sort((a, b) => a.labelId - b.labelId)
  return [TSV_COLUMNS.join('\t'), ...rows.map((c) => c.row.join('\t'))].join('\n') + '\n'
}
