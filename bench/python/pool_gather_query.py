"""Pool-plus-gather 3D text query in numpy: the reference the `query3d` bench case races.

The same mathematics as @plaf/query's scoreMap with a prepared map, written the way a numpy user
would: once per map (not timed, like prepareMap) the pool rows' norms and the refs as intp (numpy
indexes with intp; converting uint32 refs on every query would cost a copy); then per query
cosines = (pool @ t.T) / (|row| |t|) with all-zero rows 0 (one BLAS product, M x Q), and the
per-point scores by gather, points = take(cos.T, refs, axis=1) (Q x N float32, C order).

usage: pool_gather_query.py DIR RUNS
DIR holds pool.npy (M x D float32), refs.npy (N uint32) and texts.npy (Q x D float32).
Writes DIR/points.npy of the first run; prints {"runs_ms": [...], "prepare_ms": x, "numpy": v}.
"""
import json
import sys
import time

import numpy as np


def prepare(pool, refs):
    norms = np.sqrt(np.einsum("md,md->m", pool, pool, dtype=np.float64))
    inv = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 0.0).astype(np.float32)
    return inv, refs.astype(np.intp)


def query(pool, inv, refs, texts):
    tn = np.sqrt(np.einsum("qd,qd->q", texts, texts, dtype=np.float64))
    tinv = np.where(tn > 0, 1.0 / np.where(tn > 0, tn, 1.0), 0.0).astype(np.float32)
    cos = (pool @ texts.T) * inv[:, None] * tinv[None, :]
    return np.take(np.ascontiguousarray(cos.T), refs, axis=1)  # C-ordered Q x N, like the JS output


def main():
    d, runs = sys.argv[1], int(sys.argv[2])
    pool = np.load(f"{d}/pool.npy")
    refs = np.load(f"{d}/refs.npy")
    texts = np.load(f"{d}/texts.npy")
    t0 = time.perf_counter()
    inv, irefs = prepare(pool, refs)
    prepare_ms = (time.perf_counter() - t0) * 1000
    query(pool, inv, irefs, texts)  # warm-up, as the JS paths get one
    times = []
    first = None
    for _ in range(runs):
        t0 = time.perf_counter()
        out = query(pool, inv, irefs, texts)
        times.append((time.perf_counter() - t0) * 1000)
        if first is None:
            first = out
        del out
    np.save(f"{d}/points.npy", first)
    print(json.dumps({"runs_ms": times, "prepare_ms": prepare_ms, "numpy": np.__version__}))


main()
