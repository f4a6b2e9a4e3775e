"""Runs an ONNX file on numpy inputs with the first runtime available, and says which.

Order: Python onnxruntime (`pip install onnxruntime`), onnx's reference evaluator
(`onnx.reference.ReferenceEvaluator`, onnx >= 1.13), then this repository's onnxruntime-node
through `node ort_run.mjs` (the runtime PLAF-TS itself uses; Debian 12's python3-onnx is 1.12,
which has no reference evaluator, and Debian has no onnxruntime). `PLAF_ONNX_RUNTIME` forces one:
`onnxruntime`, `reference` or `node`.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
NODE_RUNNER = HERE / 'ort_run.mjs'
RUNTIMES = ('onnxruntime', 'reference', 'node')


class RuntimeUnavailable(Exception):
    """No ONNX runtime could be used; the message lists why each one was skipped."""


def _onnxruntime(path: Path, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    import onnxruntime as ort
    # CUDA when onnxruntime-gpu has it (fp16 exports), else CPU; never TensorRT's slow engine builds
    providers = [p for p in ('CUDAExecutionProvider', 'CPUExecutionProvider') if p in ort.get_available_providers()]
    sess = ort.InferenceSession(str(path), providers=providers)
    names = [o.name for o in sess.get_outputs()]
    return dict(zip(names, sess.run(names, feeds)))


def _reference(path: Path, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    from onnx.reference import ReferenceEvaluator
    ev = ReferenceEvaluator(str(path))
    return dict(zip(ev.output_names, ev.run(None, feeds)))


def _node(path: Path, feeds: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    node = shutil.which('node')
    if node is None:
        raise RuntimeUnavailable('node is not on PATH')
    with tempfile.TemporaryDirectory(prefix='plaf-ort-') as tmp:
        t = Path(tmp)
        inputs = []
        for i, (name, a) in enumerate(feeds.items()):
            a = np.ascontiguousarray(a)
            (t / f'in{i}.bin').write_bytes(a.astype(a.dtype.newbyteorder('<')).tobytes())
            inputs.append({'name': name, 'dtype': a.dtype.name, 'shape': list(a.shape), 'file': f'in{i}.bin'})
        (t / 'request.json').write_text(json.dumps({'model': str(path), 'inputs': inputs}))
        r = subprocess.run([node, str(NODE_RUNNER), str(t)], capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeUnavailable(f'node {NODE_RUNNER.name} failed ({r.returncode}): {r.stderr.strip()[-2000:]}')
        out = {}
        for o in json.loads((t / 'response.json').read_text())['outputs']:
            a = np.frombuffer((t / o['file']).read_bytes(), dtype=np.dtype(o['dtype']).newbyteorder('<'))
            out[o['name']] = a.reshape(o['shape']).astype(np.dtype(o['dtype']))
        return out


_RUNNERS = {'onnxruntime': _onnxruntime, 'reference': _reference, 'node': _node}


def available_runtime() -> tuple[str, list[str]]:
    """The runtime `run_onnx` will use and why each earlier one was skipped."""
    forced = os.environ.get('PLAF_ONNX_RUNTIME')
    if forced:
        if forced not in RUNTIMES:
            raise RuntimeUnavailable(f'PLAF_ONNX_RUNTIME={forced}: expected one of {", ".join(RUNTIMES)}')
        return forced, [f'PLAF_ONNX_RUNTIME={forced}']
    skipped = []
    try:
        import onnxruntime  # noqa: F401
        return 'onnxruntime', skipped
    except ImportError as e:
        skipped.append(f'onnxruntime: {e}')
    try:
        from onnx.reference import ReferenceEvaluator  # noqa: F401
        return 'reference', skipped
    except ImportError as e:
        skipped.append(f'onnx.reference: {e} (onnx < 1.13)')
    if shutil.which('node') and NODE_RUNNER.is_file():
        return 'node', skipped
    skipped.append('node: not on PATH')
    raise RuntimeUnavailable('no ONNX runtime: ' + '; '.join(skipped) + ' (pip install onnxruntime)')


def run_onnx(path: Path, feeds: dict[str, np.ndarray]) -> tuple[dict[str, np.ndarray], str]:
    """Runs the graph at `path`; returns its outputs by name and the runtime used."""
    name, _ = available_runtime()
    return _RUNNERS[name](Path(path), feeds), name
