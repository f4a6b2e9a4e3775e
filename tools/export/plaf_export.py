"""Shared code of the PLAF-TS export tools: ONNX export, graph I/O, hashing, plaf-model.json.

Every exporter in this folder is split in two: a loader that needs the real weights (RADIO's
torch.hub code, open_clip) and everything after it, which is here and in the exporters' wrapper
classes: wrap the module so its inputs and outputs are the PLAF contract, export one ONNX file
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
import tempfile
from pathlib import Path
from typing import Callable, Iterable, Sequence

import onnx
import torch
import torch.nn.functional as F

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


class TextTower(torch.nn.Module):
    """`input_ids` int64[B, L] → L2-normalised `text_embeds` [B, D].

    `encode(encoder, ids)` returns the unnormalised embedding; the default calls
    `encoder.encode_text(ids)` (open_clip models, RADIO's open_clip adaptor).
    """

    def __init__(self, encoder: torch.nn.Module, encode: Callable | None = None):
        super().__init__()
        self.encoder = encoder
        self._encode = encode or (lambda m, ids: m.encode_text(ids))

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return F.normalize(self._encode(self.encoder, input_ids).float(), dim=-1)


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
    grad is enabled and a weight requires grad, so the export runs that way (no weights change)."""
    mha = getattr(torch.backends, 'mha', None)
    was = mha.get_fastpath_enabled() if mha else None
    flags = [(p, p.requires_grad) for p in module.parameters()]
    try:
        if mha:
            mha.set_fastpath_enabled(False)
        for p, _ in flags:
            p.requires_grad_(True)
        with torch.enable_grad():
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


# Strings whose token ids the text exporters write to `tokens.json` with the real tokenizer: a
# parity fixture for the TypeScript tokenizer (case, punctuation, underscores, whitespace,
# accents, emoji, empty, truncation) and the ids check.py feeds the text graph.
GOLDEN_TEXTS = [
    'a chair', 'A Photo of a CHAIR.', 'pillow!!', '  multiple   spaces\tand\ttabs ', 'under_score',
    "l'oreal", 'café naïve', 'emoji 🙂', '', 'table, lamp; sofa', 'a photo of a ' + 'very ' * 80 + 'long chair',
]


def export_text_graph(tower: torch.nn.Module, out_dir: Path, tokenize: Callable, context_length: int,
                      file: str = 'text.onnx') -> tuple[list[str], dict, int]:
    """Exports a text tower (`input_ids` int64[B, L] → `text_embeds` [B, D], batch B symbolic) and
    writes `tokens.json` (GOLDEN_TEXTS and their ids from `tokenize`). Returns the files written,
    the manifest graph entry and D."""
    ids = tokenize(GOLDEN_TEXTS)
    if tuple(ids.shape) != (len(GOLDEN_TEXTS), context_length) or ids.dtype != torch.int64:
        raise ExportError(f'tokenizer gave {ids.dtype} {list(ids.shape)}, expected int64 [{len(GOLDEN_TEXTS)}, {context_length}]')
    with torch.no_grad():
        d = tower(ids[:2]).shape[-1]
    files = export_onnx(tower, (ids[:2],), out_dir / file, ['input_ids'], ['text_embeds'],
                        dynamic_axes={'input_ids': {0: 'B'}, 'text_embeds': {0: 'B'}})
    graph = graph_entry(out_dir, file, {
        'input_ids': {'role': 'input_ids', 'description': f'token ids, padded to {context_length}'},
    }, {
        'text_embeds': {'role': 'text_embeds', 'description': 'L2-normalised text embedding'},
    }, {'input_ids': ['B', context_length], 'text_embeds': ['B', d]})
    (out_dir / 'tokens.json').write_text(json.dumps({'texts': GOLDEN_TEXTS, 'input_ids': ids.tolist()}, ensure_ascii=False) + '\n')
    return files + ['tokens.json'], graph, d


def text_part(tower: torch.nn.Module, out_dir: Path, *, tokenize: Callable, save_tokenizer: Callable,
              context_length: int, pad_id: int, eos_id: int | None, clean: str, space: str,
              logit_scale: float | None = None, logit_bias: float | None = None) -> tuple[list[str], dict, dict]:
    """Text graph + tokenizer files + the manifest's `text` section: (files, graph entry, text info).
    `save_tokenizer(dir)` writes the tokenizer files and returns their names (`tokenizer.json`
    first). `keep_eos_on_truncate` is read from the tokenizer: whether the longest golden string,
    which is past any context length, ends in `eos_id`."""
    files, graph, d = export_text_graph(tower, out_dir, tokenize, context_length)
    tok_files = save_tokenizer(out_dir)
    if not tok_files or tok_files[0] != 'tokenizer.json':
        raise ExportError(f'the tokenizer was saved as {tok_files}; PLAF-TS reads tokenizer.json (a fast HF tokenizer)')
    longest = tokenize(GOLDEN_TEXTS[-1:])[0]
    tokenizer = {'file': 'tokenizer.json', 'context_length': context_length, 'pad_id': pad_id, 'clean': clean,
                 'keep_eos_on_truncate': eos_id is not None and int(longest[-1]) == eos_id}
    if 'tokenizer_config.json' in tok_files:
        tokenizer['config_file'] = 'tokenizer_config.json'
    if eos_id is not None:
        tokenizer['eos_id'] = eos_id
    info = {'embedding_space': space, 'feature_dim': d, 'tokenizer': tokenizer}
    if logit_scale is not None:
        info['logit_scale'] = logit_scale
    if logit_bias is not None:
        info['logit_bias'] = logit_bias
    return files + tok_files, graph, info


def hf_saver(hf_tokenizer) -> Callable[[Path], list[str]]:
    """Saves a Hugging Face fast tokenizer (`save_pretrained`) and lists the files PLAF-TS keeps;
    the other files it writes (spiece.model, vocab.json, merges.txt: all inside tokenizer.json
    already) are removed so the folder holds only what the manifest lists."""
    def save(out_dir: Path) -> list[str]:
        before = {p.name for p in out_dir.iterdir()}
        hf_tokenizer.save_pretrained(str(out_dir))
        keep = [f for f in ('tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json') if (out_dir / f).is_file()]
        for p in out_dir.iterdir():
            if p.name not in before and p.name not in keep and p.is_file():
                p.unlink()
        return keep
    return save


def exported_by(script: str) -> str:
    return f'{EXPORTER}/{script} (torch {torch.__version__}, onnx {onnx.__version__}, opset {OPSET})'
