"""Shared code of the PLAF-TS export tools: ONNX export, graph I/O, hashing, plaf-model.json.

Every exporter in this folder is split in two: a loader that needs the real weights (RADIO's
torch.hub code, open_clip) and everything after it, which is here, in plaf_text.py (text towers)
and in the exporters' wrapper classes: wrap the module so its inputs and outputs are the PLAF contract, export one ONNX file
(opset 17), read the file's real I/O back, and write `plaf-model.json` with the sha256 and size
of every file. The contract is the TypeScript type `ModelManifest` in
packages/core/src/models/manifest.ts; the test in test/export-tools.test.ts validates manifests
written here against that schema.

Dependencies: torch, onnx, numpy only (Debian: python3-torch, python3-onnx, python3-numpy).
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Sequence

import onnx
import torch

OPSET = 17
MANIFEST_FILE = 'plaf-model.json'
EXPORTER = 'PLAF-TS tools/export'

# OpenAI CLIP's normalisation (RADIO's input conditioner starts from it too; OpenCLIP's
# OpenAI/LAION weights use it).
CLIP_MEAN = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD = (0.26862954, 0.26130258, 0.27577711)

# Licences of the weights, as the manifest records them (`plaf models` prints them).
LICENCES = {
    'NSCL-RADIO': {
        'id': 'NSCL-RADIO', 'commercial_use': False,
        'url': 'https://github.com/NVlabs/RADIO/blob/main/LICENSE',
        'note': 'NVIDIA Source Code License for RADIO: non-commercial use only.',
    },
    'NVIDIA-Open-Model-License': {
        'id': 'NVIDIA-Open-Model-License', 'commercial_use': True,
        'url': 'https://www.nvidia.com/en-us/agreements/enterprise-software/nvidia-open-model-license/',
        'note': 'C-RADIO weights: NVIDIA Open Model License, commercial use allowed.',
    },
    'Apache-2.0': {'id': 'Apache-2.0', 'commercial_use': True, 'url': 'https://www.apache.org/licenses/LICENSE-2.0'},
    'MIT': {'id': 'MIT', 'commercial_use': True, 'url': 'https://opensource.org/license/mit'},
}

# onnx TensorProto element types → onnxruntime type strings (the manifest's `dtype`).
_DTYPES = {
    onnx.TensorProto.FLOAT: 'float32', onnx.TensorProto.FLOAT16: 'float16', onnx.TensorProto.DOUBLE: 'float64',
    onnx.TensorProto.INT8: 'int8', onnx.TensorProto.UINT8: 'uint8', onnx.TensorProto.INT16: 'int16',
    onnx.TensorProto.UINT16: 'uint16', onnx.TensorProto.INT32: 'int32', onnx.TensorProto.INT64: 'int64',
    onnx.TensorProto.UINT32: 'uint32', onnx.TensorProto.UINT64: 'uint64', onnx.TensorProto.BOOL: 'bool',
}

# Above this many bytes of weights the graph is saved with its tensors in `<file>_data`
# (protobuf cannot hold more than 2 GB; RADIOv2.5-H and g need it).
EXTERNAL_DATA_BYTES = 1_800_000_000


class ExportError(Exception):
    """An export whose result breaks the contract (wrong I/O, missing file); the message says what."""


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def file_entry(root: Path, rel: str) -> dict:
    """The manifest's `{path, sha256, bytes}` of `root/rel`."""
    p = root / rel
    if not p.is_file():
        raise ExportError(f'{p}: listed in the manifest but not a file')
    return {'path': rel, 'sha256': sha256_file(p), 'bytes': p.stat().st_size}


def graph_io(onnx_path: Path) -> tuple[list[dict], list[dict]]:
    """The real inputs and outputs of an ONNX file: `[{name, dtype, shape}]` (symbolic dims as strings)."""
    model = onnx.load(str(onnx_path), load_external_data=False)
    inits = {i.name for i in model.graph.initializer}

    def spec(v) -> dict:
        t = v.type.tensor_type
        shape = [d.dim_param if d.HasField('dim_param') else d.dim_value for d in t.shape.dim]
        return {'name': v.name, 'dtype': _DTYPES.get(t.elem_type, f'onnx-type-{t.elem_type}'), 'shape': shape}

    return [spec(v) for v in model.graph.input if v.name not in inits], [spec(v) for v in model.graph.output]


def _weight_bytes(module: torch.nn.Module) -> int:
    return sum(t.numel() * t.element_size() for t in list(module.parameters()) + list(module.buffers()))


@contextlib.contextmanager
def _no_mha_fastpath(module: torch.nn.Module):
    """nn.MultiheadAttention's eval fast path (`_native_multi_head_attention`, open_clip's batch-first
    blocks) has no ONNX symbolic. torch >= 2.1 can switch it off; older torch skips it only when
    grad is enabled and a weight requires grad, so a module with such attention is exported that
    way (no weight changes). Anything else (RADIO's timm blocks) is exported without grad."""
    mha = getattr(torch.backends, 'mha', None)
    was = mha.get_fastpath_enabled() if mha else None
    with_grad = mha is None and any(isinstance(m, torch.nn.MultiheadAttention) for m in module.modules())
    flags = [(p, p.requires_grad) for p in module.parameters()] if with_grad else []
    try:
        if mha:
            mha.set_fastpath_enabled(False)
        for p, _ in flags:
            p.requires_grad_(True)
        with torch.enable_grad() if with_grad else torch.no_grad():
            yield
    finally:
        if mha:
            mha.set_fastpath_enabled(was)
        for p, r in flags:
            p.requires_grad_(r)


def _pin_output_shapes(model: onnx.ModelProto, module: torch.nn.Module, args: tuple,
                       output_names: Sequence[str], dynamic_axes: dict) -> None:
    """Declares every output dim the way the contract states it: the traced size, or the name given
    in `dynamic_axes`. torch's shape inference leaves some fixed dims symbolic (e.g. after an
    argmax-gather), which the manifest check would then refuse."""
    with torch.no_grad():
        outs = module(*args)
    outs = outs if isinstance(outs, (tuple, list)) else (outs,)
    for vi, name, t in zip(model.graph.output, output_names, outs):
        dims = vi.type.tensor_type.shape.dim
        if len(dims) != t.dim():
            raise ExportError(f'output {name}: the graph declares {len(dims)} axes, PyTorch gives {t.dim()}')
        for axis, d in enumerate(dims):
            sym = dynamic_axes.get(name, {}).get(axis)
            if sym is not None:
                d.dim_param = sym
            else:
                d.dim_value = int(t.shape[axis])


def export_onnx(module: torch.nn.Module, args: tuple, path: Path, input_names: Sequence[str],
                output_names: Sequence[str], dynamic_axes: dict | None = None,
                external_data: bool | None = None) -> list[str]:
    """Exports `module(*args)` to `path` (opset 17, eval mode, no grad) and returns the files written
    (names relative to `path.parent`): the `.onnx` and, for models past 1.8 GB or when
    `external_data` is True, its `<name>_data` file with every tensor."""
    module.eval()
    path.parent.mkdir(parents=True, exist_ok=True)
    if external_data is None:
        external_data = _weight_bytes(module) > EXTERNAL_DATA_BYTES
    with tempfile.TemporaryDirectory(prefix='plaf-export-') as tmp:
        raw = Path(tmp) / 'model.onnx'
        with _no_mha_fastpath(module):
            torch.onnx.export(module, args, str(raw), opset_version=OPSET, input_names=list(input_names),
                              output_names=list(output_names), dynamic_axes=dynamic_axes or {},
                              do_constant_folding=True)
        model = onnx.load(str(raw))  # pulls in any external tensors torch wrote beside it
        _pin_output_shapes(model, module, args, output_names, dynamic_axes or {})
        data_name = f'{path.name}_data'
        for stale in (path, path.parent / data_name):
            stale.unlink(missing_ok=True)
        if external_data:
            onnx.save_model(model, str(path), save_as_external_data=True, all_tensors_to_one_file=True,
                            location=data_name, size_threshold=1024)  # shape tensors stay inline (ORT needs them)
            return [path.name, data_name]
        onnx.save_model(model, str(path))
    return [path.name]


def tensor_specs(actual: list[dict], meaning: dict[str, dict], expected: dict[str, list] | None = None,
                 where: str = '') -> list[dict]:
    """Manifest TensorSpecs from a graph's real I/O plus what each tensor means (`role`, `layout`,
    `description` by name). Refuses a tensor without a meaning and a shape that differs from
    `expected[name]`, so a wrapper bug cannot reach a manifest."""
    out = []
    for t in actual:
        m = meaning.get(t['name'])
        if m is None:
            raise ExportError(f'{where}: the graph has a tensor "{t["name"]}" the contract does not name ({sorted(meaning)})')
        want = (expected or {}).get(t['name'])
        if want is not None and list(want) != list(t['shape']):
            raise ExportError(f'{where}: tensor "{t["name"]}" has shape {t["shape"]}, the contract says {list(want)}')
        out.append({**t, **m})
    missing = set(meaning) - {t['name'] for t in actual}
    if missing:
        raise ExportError(f'{where}: the graph lacks {sorted(missing)}')
    return out


def graph_entry(out_dir: Path, file: str, meaning_in: dict, meaning_out: dict,
                expected: dict[str, list] | None = None) -> dict:
    """A manifest `graphs.<role>` entry read from the exported file."""
    ins, outs = graph_io(out_dir / file)
    return {'file': file, 'inputs': tensor_specs(ins, meaning_in, expected, file),
            'outputs': tensor_specs(outs, meaning_out, expected, file)}


def write_manifest(out_dir: Path, manifest: dict, files: Iterable[str]) -> Path:
    """Writes `plaf-model.json` into `out_dir` with `files` hashed (sha256, bytes). Every graph file
    and tokenizer file must be among `files`."""
    listed = list(dict.fromkeys(files))
    needed = [g['file'] for g in manifest.get('graphs', {}).values()]
    tok = manifest.get('text', {}).get('tokenizer', {})
    needed += [tok[k] for k in ('file', 'config_file') if k in tok]
    missing = [f for f in needed if f not in listed]
    if missing:
        raise ExportError(f'{out_dir}: manifest refers to {missing} but they are not in its file list')
    body = {'format': 1, **manifest, 'files': [file_entry(out_dir, f) for f in listed]}
    path = out_dir / MANIFEST_FILE
    tmp = path.with_suffix('.json.tmp')
    tmp.write_text(json.dumps(body, indent=2) + '\n')
    os.replace(tmp, path)
    return path


def read_manifest(model_dir: Path) -> dict:
    return json.loads((Path(model_dir) / MANIFEST_FILE).read_text())


def verify_files(model_dir: Path) -> list[str]:
    """Problems with the files a manifest lists (missing, size or sha256 differs); empty when all match."""
    model_dir = Path(model_dir)
    problems = []
    for f in read_manifest(model_dir)['files']:
        p = model_dir / f['path']
        if not p.is_file():
            problems.append(f'{f["path"]}: missing')
        elif p.stat().st_size != f['bytes']:
            problems.append(f'{f["path"]}: {p.stat().st_size} bytes, manifest says {f["bytes"]}')
        elif sha256_file(p) != f['sha256']:
            problems.append(f'{f["path"]}: sha256 differs from the manifest')
    return problems


def fresh_dir(path: Path, force: bool) -> Path:
    """Creates the output folder; an existing non-empty one is refused unless `force`."""
    path = Path(path)
    if path.exists() and any(path.iterdir()):
        if not force:
            raise ExportError(f'{path} exists and is not empty (pass --force to replace it)')
        shutil.rmtree(path)
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def loading(what: str, needs: str):
    """Turns a failure while loading real weights (no network, a missing package, an unknown
    version upstream) into an ExportError saying what was being loaded and what it needs."""
    try:
        yield
    except ExportError:
        raise
    except Exception as e:  # noqa: BLE001 (any upstream failure becomes one clear message)
        raise ExportError(f'could not load {what}: {type(e).__name__}: {e}. It needs {needs}') from e


def run_cli(main: Callable[[], int]) -> None:
    """Runs a script's main: a refused export (ExportError) is a one-line message and exit 1, not a traceback."""
    try:
        code = main()
    except ExportError as e:
        print(f'error: {e}', file=sys.stderr)
        code = 1
    sys.exit(code)


def exported_by(script: str) -> str:
    return f'{EXPORTER}/{script} (torch {torch.__version__}, onnx {onnx.__version__}, opset {OPSET})'
