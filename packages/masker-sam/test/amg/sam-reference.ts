/**
 * SAM's automatic mask generator written out in Python from its definition (segment-anything's
 * `SamAutomaticMaskGenerator` and `utils/amg.py`, as described in the package README), on fixed
 * low-res logits instead of a network, with torch's interpolate, torchvision's batched_nms and
 * OpenCV's connected components: the reference the TypeScript generator must reproduce exactly.
 * Input (JSON): H, W, opts (SAM's option names), low (logit side), files (one float32 file per
 * crop: [points, 3, low, low]), ious (per crop: points × 3). Prints the records in order.
 */
export const SAM_REFERENCE = `
import math, numpy as np, torch, torch.nn.functional as F, cv2
from itertools import product
from torchvision.ops import batched_nms

H, W, o, LOW = inp['H'], inp['W'], inp['opts'], inp['low']

def grid(n):
    off = 1 / (2 * n)
    a = np.linspace(off, 1 - off, n)
    return np.stack([np.tile(a[None, :], (n, 1)), np.tile(a[:, None], (1, n))], axis=-1).reshape(-1, 2)

if o['point_grids'] is not None:
    grids = [np.array(g, dtype=np.float64) for g in o['point_grids']]
else:
    grids = [grid(int(o['points_per_side'] / (o['crop_n_points_downscale_factor'] ** i))) for i in range(o['crop_n_layers'] + 1)]

def crop_boxes():
    out = [([0, 0, W, H], 0)]
    short = min(H, W)
    for i in range(o['crop_n_layers']):
        n = 2 ** (i + 1)
        ov = int(o['crop_overlap_ratio'] * short * (2 / n))
        cw = int(math.ceil((ov * (n - 1) + W) / n))
        ch = int(math.ceil((ov * (n - 1) + H) / n))
        for x0, y0 in product([int((cw - ov) * k) for k in range(n)], [int((ch - ov) * k) for k in range(n)]):
            out.append(([x0, y0, min(x0 + cw, W), min(y0 + ch, H)], i + 1))
    return out

def mask_boxes(m):
    out = torch.zeros(m.shape[0], 4, dtype=torch.int64)
    for i in range(m.shape[0]):
        ys, xs = torch.nonzero(m[i], as_tuple=True)
        if len(ys):
            out[i] = torch.stack([xs.min(), ys.min(), xs.max(), ys.max()])
    return out

def near_crop_edge(boxes, crop):
    b = (boxes + torch.tensor([crop[0], crop[1], crop[0], crop[1]])).float()
    near_crop = (b - torch.tensor(crop, dtype=torch.float)).abs() <= 20
    near_image = (b - torch.tensor([0, 0, W, H], dtype=torch.float)).abs() <= 20
    return (near_crop & ~near_image).any(dim=1)

def rle(m):
    f = m.T.reshape(-1).astype(np.int8)
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(f)) + 1, [f.size]])
    counts = np.diff(cuts).tolist()
    return [0] + counts if f[0] == 1 else counts

def small_regions(mask, area, holes):
    work = (mask ^ holes).astype(np.uint8)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(work, 8)
    sizes = stats[1:, cv2.CC_STAT_AREA]
    small = [i + 1 for i, s in enumerate(sizes) if s < area]
    if not small:
        return mask, False
    keep = [0] + small
    if not holes:
        keep = [i for i in range(n) if i not in keep] or [int(np.argmax(sizes)) + 1]
    return np.isin(labels, keep), True

recs = []
crops = crop_boxes()
for ci, (crop, layer) in enumerate(crops):
    x0, y0, x1, y1 = crop
    cw, ch = x1 - x0, y1 - y0
    logits = torch.from_numpy(np.fromfile(inp['files'][ci], dtype=np.float32)).reshape(-1, 3, LOW, LOW)
    ious = torch.tensor(inp['ious'][ci], dtype=torch.float32).reshape(-1, 3)
    pts = grids[layer] * np.array([cw, ch])
    s = 1024 / max(ch, cw)
    vh, vw = int(ch * s + 0.5), int(cw * s + 0.5)
    found = []
    for b0 in range(0, len(pts), o['points_per_batch']):
        b1 = min(len(pts), b0 + o['points_per_batch'])
        m = F.interpolate(logits[b0:b1], (1024, 1024), mode='bilinear', align_corners=False)[..., :vh, :vw]
        m = F.interpolate(m, (ch, cw), mode='bilinear', align_corners=False).flatten(0, 1)
        iou = ious[b0:b1].flatten(0, 1)
        p = np.repeat(pts[b0:b1], 3, axis=0)
        keep = (iou > o['pred_iou_thresh']) if o['pred_iou_thresh'] > 0 else torch.ones(len(iou), dtype=torch.bool)
        m, iou, p = m[keep], iou[keep], p[keep.numpy()]
        stab = (m > o['mask_threshold'] + o['stability_score_offset']).sum((1, 2)) / (m > o['mask_threshold'] - o['stability_score_offset']).sum((1, 2))
        keep = (stab >= o['stability_score_thresh']) if o['stability_score_thresh'] > 0 else torch.ones(len(iou), dtype=torch.bool)
        m, iou, p, stab = m[keep] > o['mask_threshold'], iou[keep], p[keep.numpy()], stab[keep]
        boxes = mask_boxes(m)
        keep = ~near_crop_edge(boxes, crop)
        for i in torch.nonzero(keep).flatten().tolist():
            full = np.zeros((H, W), dtype=bool)
            full[y0:y1, x0:x1] = m[i].numpy()
            found.append(dict(box=boxes[i], iou=iou[i].item(), stab=stab[i].item(), point=[p[i][0] + x0, p[i][1] + y0], crop=crop, mask=full))
    if found:
        keep = batched_nms(torch.stack([f['box'] for f in found]).float(), torch.tensor([f['iou'] for f in found], dtype=torch.float32), torch.zeros(len(found)), o['box_nms_thresh'])
        for i in keep.tolist():
            f = found[i]
            f['box'] = (f['box'] + torch.tensor([x0, y0, x0, y0])).tolist()
            recs.append(f)

if len(crops) > 1 and recs:
    scores = torch.tensor([1 / ((r['crop'][2] - r['crop'][0]) * (r['crop'][3] - r['crop'][1])) for r in recs], dtype=torch.float32)
    keep = batched_nms(torch.tensor([r['box'] for r in recs]).float(), scores, torch.zeros(len(recs)), o['crop_nms_thresh'])
    recs = [recs[i] for i in keep.tolist()]

if o['min_mask_region_area'] > 0 and recs:
    cleaned = []
    for r in recs:
        m, a = small_regions(r['mask'], o['min_mask_region_area'], True)
        m, b = small_regions(m, o['min_mask_region_area'], False)
        cleaned.append((m, not (a or b)))
    boxes = mask_boxes(torch.from_numpy(np.stack([c[0] for c in cleaned])))
    keep = batched_nms(boxes.float(), torch.tensor([float(c[1]) for c in cleaned]), torch.zeros(len(recs)), max(o['box_nms_thresh'], o['crop_nms_thresh']))
    out = []
    for i in keep.tolist():
        r = recs[i]
        if not cleaned[i][1]:
            r['mask'], r['box'] = cleaned[i][0], boxes[i].tolist()
        out.append(r)
    recs = out

print(json.dumps([dict(box=r['box'], area=int(r['mask'].sum()), iou=r['iou'], stability=None if math.isnan(r['stab']) else r['stab'],
                       point=[float(r['point'][0]), float(r['point'][1])], crop=r['crop'], rle=rle(r['mask'])) for r in recs]))
`
