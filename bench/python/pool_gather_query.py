"""Pool-plus-gather 3D text query in numpy: the reference the `query3d` bench case races.

The same mathematics as @plaf/query's scoreMap with a prepared map, written the way a numpy user
would: once per map (not timed, like prepareMap) the pool rows' norms and the refs as intp (numpy
indexes with intp; converting uint32 refs on every query would cost a copy); then per query
cosines = (pool @ t.T) / (|row| |t|) with all-zero rows 0 (one BLAS product, M x Q), and the
per-point scores by gather, points = take(cos.T, refs, axis=1) (Q x N float32, C order).

A second variant, timed in the same runs (alternating), is the strongest numpy we know for a
caller that queries again and again: the refs are checked against the pool once (as PLAF's
prepareMap does), and each query's gather writes into one reused Q x N array,
take(..., out=buf, mode="clip") ("raise", the default, makes numpy buffer an out= array, i.e.
allocate and copy anyway; with refs checked once, clip never changes an index). Its results must
equal the first variant's.

Timed under the bench's own protocol (bench/src/timing.ts `measure`), so that both sides are
timed alike: before each timed run the garbage is collected (gc.collect()) and the process waits,
untimed, until a 10 ms window passes in which the whole process (all its threads: OpenBLAS's
spin-waiting workers too; time.process_time()) used less than 1 ms of CPU, for at most 500 ms.
Then the same runs again back to back (no collection, no pause), as a caller querying in a tight
loop sees them (OpenBLAS's threads are then still spinning from the previous call).

usage: pool_gather_query.py DIR RUNS
DIR holds pool.npy (M x D float32), refs.npy (N uint32) and texts.npy (Q x D float32).
Writes DIR/points.npy of the first run; prints {"runs_ms": [...], "runs_out_ms": [...],
"back_to_back": {"runs_ms": [...], "runs_out_ms": [...]}, "settle_ms": [...], "prepare_ms": x,
"numpy": v} (runs_ms and runs_out_ms: settled runs).
"""
import gc
import json
import sys
import time

import numpy as np


def prepare(pool, refs):
    norms = np.sqrt(np.einsum("md,md->m", pool, pool, dtype=np.float64))
    inv = np.where(norms > 0, 1.0 / np.where(norms > 0, norms, 1.0), 0.0).astype(np.float32)
    return inv, refs.astype(np.intp)


def pool_cosines(pool, inv, texts):
    tn = np.sqrt(np.einsum("qd,qd->q", texts, texts, dtype=np.float64))
    tinv = np.where(tn > 0, 1.0 / np.where(tn > 0, tn, 1.0), 0.0).astype(np.float32)
    cos = (pool @ texts.T) * inv[:, None] * tinv[None, :]
    return np.ascontiguousarray(cos.T)  # Q x M


def query(pool, inv, refs, texts):
    return np.take(pool_cosines(pool, inv, texts), refs, axis=1)  # C-ordered Q x N, like the JS output


def query_out(pool, inv, refs, texts, out):
    return np.take(pool_cosines(pool, inv, texts), refs, axis=1, out=out, mode="clip")


# the bench's settle (bench/src/timing.ts): window, quiet CPU, longest wait (ms)
SETTLE_AFTER_GC_MS = 10
QUIET_CPU_MS = 1
SETTLE_MAX_MS = 500


def settle(cpu_ms=lambda: time.process_time() * 1000, max_ms=SETTLE_MAX_MS):
    """Waits until a whole window passes with < QUIET_CPU_MS of the process's CPU (all threads), at most max_ms; returns ms waited."""
    t0 = time.perf_counter()
    while True:
        before = cpu_ms()
        time.sleep(SETTLE_AFTER_GC_MS / 1000)
        waited = (time.perf_counter() - t0) * 1000
        if cpu_ms() - before < QUIET_CPU_MS or waited >= max_ms:
            return waited


def settled():
    """What the bench does before each timed run: a forced collection, then the settle (untimed)."""
    gc.collect()
    return settle()


def main():
    d, runs = sys.argv[1], int(sys.argv[2])
    pool = np.load(f"{d}/pool.npy")
    refs = np.load(f"{d}/refs.npy")
    texts = np.load(f"{d}/texts.npy")
    t0 = time.perf_counter()
    inv, irefs = prepare(pool, refs)
    prepare_ms = (time.perf_counter() - t0) * 1000
    if irefs.size and not (irefs.min() >= 0 and irefs.max() < pool.shape[0]):
        raise SystemExit("refs outside the pool")  # checked once, so that clip below changes nothing
    buf = np.empty((texts.shape[0], refs.shape[0]), dtype=np.float32)
    query(pool, inv, irefs, texts)  # warm-up, as the JS paths get one
    query_out(pool, inv, irefs, texts, buf)
    times = []
    times_out = []
    waits = []
    first = None
    for _ in range(runs):
        waits.append(settled())
        t0 = time.perf_counter()
        out = query(pool, inv, irefs, texts)
        times.append((time.perf_counter() - t0) * 1000)
        if first is None:
            first = out
        del out
        waits.append(settled())
        t0 = time.perf_counter()
        query_out(pool, inv, irefs, texts, buf)
        times_out.append((time.perf_counter() - t0) * 1000)
        if not np.array_equal(buf, first):
            raise SystemExit("take(out=) differs from take()")
    # back to back: the same alternation with no collection and no pause
    b2b = []
    b2b_out = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = query(pool, inv, irefs, texts)
        b2b.append((time.perf_counter() - t0) * 1000)
        del out
        t0 = time.perf_counter()
        query_out(pool, inv, irefs, texts, buf)
        b2b_out.append((time.perf_counter() - t0) * 1000)
    np.save(f"{d}/points.npy", first)
    print(json.dumps({
        "runs_ms": times, "runs_out_ms": times_out, "back_to_back": {"runs_ms": b2b, "runs_out_ms": b2b_out},
        "settle_ms": waits, "prepare_ms": prepare_ms, "numpy": np.__version__,
    }))


main()
