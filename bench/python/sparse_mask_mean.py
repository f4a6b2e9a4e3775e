"""Exact sparse mask mean in numpy: the reference the `aggregator` bench case races.

The same mathematics as @plaf/aggregator (PLAF eqs. 1-2 without the H x W x D tensor), written
the way a numpy user would: five inner-product tables, the per-pixel inverse norms as whole-array
expressions, per mask Wy^T (mask * 1/n) Wx with the dense bilinear weight matrices (two BLAS products), one BLAS product
(K+1) x (h*w) . (h*w) x D, one row normalisation; ids painted largest first (smaller masks win).

usage: sparse_mask_mean.py DIR RUNS
DIR holds grid.npy (h, w, D float32), transform.json ({ax, bx, ay, by, H, W}), bboxes.npy (K, 4
int32: x, y, w, h), areas.npy (K int64) and bits.npy (all bbox bitmaps, uint8, concatenated).
Writes DIR/ids.npy and DIR/features.npy of the first run; prints {"runs_ms": [...]} on stdout.
"""
import json
import sys
import time

import numpy as np


def sampling(n, a, b, size):
    g = np.clip(a * np.arange(n, dtype=np.float64) + b, 0, size - 1)
    lo = np.minimum(np.floor(g), max(size - 2, 0)).astype(np.int64)
    hi = np.minimum(lo + 1, size - 1)
    t = g - lo if size > 1 else np.zeros(n)
    return lo, hi, t


def aggregate(F, tr, bboxes, areas, bits):
    h, w, D = F.shape
    H, W = tr["H"], tr["W"]
    x0, x1, tx = sampling(W, tr["ax"], tr["bx"], w)
    y0, y1, ty = sampling(H, tr["ay"], tr["by"], h)
    F64 = F.astype(np.float64)
    r = np.minimum(np.arange(w) + 1, w - 1)
    d = np.minimum(np.arange(h) + 1, h - 1)
    self_ = np.einsum("yxk,yxk->yx", F64, F64)
    right = np.einsum("yxk,yxk->yx", F64, F64[:, r])
    down = np.einsum("yxk,yxk->yx", F64, F64[d])
    diag = np.einsum("yxk,yxk->yx", F64, F64[d][:, r])
    anti = np.einsum("yxk,yxk->yx", F64[:, r], F64[d])
    sy = (1 - ty)[:, None]
    tyc = ty[:, None]
    # y-blended tables per image row and grid column, then the per-pixel quadratic form.
    q = sy * sy * self_[y0] + tyc * tyc * self_[y1] + 2 * sy * tyc * down[y0]
    p = sy * sy * right[y0] + tyc * tyc * right[y1] + sy * tyc * (diag[y0] + anti[y0])
    sx = 1 - tx
    n2 = sx * sx * q[:, x0] + tx * tx * q[:, x1] + 2 * sx * tx * p[:, x0]
    inv = np.zeros_like(n2)
    ok = n2 > 1e-24
    inv[ok] = 1 / np.sqrt(n2[ok])

    order = np.argsort(-areas, kind="stable")
    K = len(order)
    offsets = np.concatenate([[0], np.cumsum(bboxes[:, 2] * bboxes[:, 3])])
    # Dense bilinear weight matrices (H x h, W x w): a mask's weight row is Wy^T (M * inv) Wx.
    Wy = np.zeros((H, h))
    np.add.at(Wy, (np.arange(H), y0), 1 - ty)
    np.add.at(Wy, (np.arange(H), y1), ty)
    Wx = np.zeros((W, w))
    np.add.at(Wx, (np.arange(W), x0), 1 - tx)
    np.add.at(Wx, (np.arange(W), x1), tx)
    ids = np.zeros((H, W), np.uint16)
    A = np.zeros((K + 1, h * w), np.float64)
    for k, m in enumerate(order, start=1):
        bx, by, bw, bh = (int(v) for v in bboxes[m])
        bm = bits[offsets[m]:offsets[m + 1]].reshape(bh, bw)
        count = np.count_nonzero(bm)
        if count == 0:
            continue
        ids[by:by + bh, bx:bx + bw][bm != 0] = k
        weighted = np.where(bm != 0, inv[by:by + bh, bx:bx + bw], 0)
        A[k] = (Wy[by:by + bh].T @ (weighted @ Wx[bx:bx + bw])).ravel() / count
    out = A.astype(np.float32) @ F.reshape(h * w, D)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return ids, out


def main():
    folder, runs = sys.argv[1], int(sys.argv[2])
    F = np.load(f"{folder}/grid.npy")
    with open(f"{folder}/transform.json") as fh:
        tr = json.load(fh)
    bboxes = np.load(f"{folder}/bboxes.npy")
    areas = np.load(f"{folder}/areas.npy")
    bits = np.load(f"{folder}/bits.npy")
    aggregate(F, tr, bboxes, areas, bits)  # warm-up, as the JS paths get
    times = []
    first = None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = aggregate(F, tr, bboxes, areas, bits)
        times.append((time.perf_counter() - t0) * 1000)
        first = first or result
    np.save(f"{folder}/ids.npy", first[0])
    np.save(f"{folder}/features.npy", first[1])
    print(json.dumps({"runs_ms": times, "numpy": np.__version__}))


if __name__ == "__main__":
    main()
