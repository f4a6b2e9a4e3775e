#!/usr/bin/env python3
"""Runs an exported model's ONNX graphs and the PyTorch modules they came from on the same input
and reports, per output, the max abs difference, that difference relative to the largest
reference value, and the lowest cosine between matching rows (last axis: one feature vector per
patch or text). Fails (exit 1) above the tolerance:

  float32 export: max|onnx - torch| <= 1e-3 · max|torch|  and  every row's cosine >= 0.999
  --fp16 export:  max|onnx - torch| <= 2e-2 · max|torch|  and  every row's cosine >= 0.99

Inputs: image graphs get a deterministic synthetic image (or --image H×W×3 uint8 .npy, squashed
bilinearly to the input size as the official PLAF code does), scaled and normalised exactly as the
manifest says; text graphs get the ids in the model's tokens.json (written by the exporter with
the real tokenizer). The file hashes are verified first.

Usage (needs the weights, like the exporters): python3 tools/export/check.py models/radio-v2.5-b
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

import plaf_export as px
from onnx_run import run_onnx

TOLERANCES = {False: {'rtol': 1e-3, 'min_cosine': 0.999}, True: {'rtol': 2e-2, 'min_cosine': 0.99}}


def compare(ref: np.ndarray, got: np.ndarray, rtol: float, min_cosine: float) -> dict:
    """Max abs difference, relative max difference and the lowest row cosine of `got` against `ref`."""
    ref, got = np.asarray(ref, np.float64), np.asarray(got, np.float64)
    if ref.shape != got.shape:
        return {'ok': False, 'why': f'shape {list(got.shape)} differs from PyTorch {list(ref.shape)}'}
    diff = float(np.abs(ref - got).max()) if ref.size else 0.0
    scale = float(np.abs(ref).max()) if ref.size else 0.0
    rel = diff / scale if scale > 0 else diff
    a, b = ref.reshape(-1, ref.shape[-1]), got.reshape(-1, got.shape[-1])
    norms = np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1)
    cos = float(np.min(np.sum(a * b, axis=1) / np.maximum(norms, 1e-30))) if a.size else 1.0
    ok = bool(rel <= rtol and cos >= min_cosine)
    why = '' if ok else f'relative max difference {rel:.3g} (limit {rtol:g}), min cosine {cos:.6f} (limit {min_cosine:g})'
    return {'ok': ok, 'max_abs_diff': diff, 'rel_max_diff': rel, 'min_cosine': cos, 'why': why}


def synthetic_image(h: int, w: int, seed: int = 0) -> np.ndarray:
    """A deterministic H×W×3 uint8 image: smooth gradients, a few rectangles and noise."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:h, 0:w] / max(h, w)
    img = np.stack([x, y, 0.5 + 0.5 * np.sin(6 * x + 4 * y)], axis=-1) * 200
    for _ in range(6):
        y0, x0 = rng.integers(0, h), rng.integers(0, w)
        img[y0:y0 + h // 4, x0:x0 + w // 4] = rng.integers(0, 256, 3)
    return np.clip(img + rng.normal(0, 8, img.shape), 0, 255).astype(np.uint8)


def image_feed(manifest: dict, image: np.ndarray | None = None) -> np.ndarray:
    """f32[1,3,H,W] as the manifest's preprocessing makes it (squash resize, scale, mean/std)."""
    pre = manifest['image']['preprocessing']
    h, w = pre['input_size']
    img = synthetic_image(h, w) if image is None else image
    if pre['channel_order'] == 'bgr':
        img = img[..., ::-1]
    t = torch.from_numpy(np.ascontiguousarray(img)).permute(2, 0, 1)[None].float() * pre['scale']
    if tuple(t.shape[2:]) != (h, w):
        t = F.interpolate(t, size=(h, w), mode='bilinear', align_corners=False)
    mean = torch.tensor(pre['mean'], dtype=torch.float32).view(1, 3, 1, 1)
    std = torch.tensor(pre['std'], dtype=torch.float32).view(1, 3, 1, 1)
    return ((t - mean) / std).numpy().astype(np.float32)


def graph_feeds(model_dir: Path, manifest: dict, role: str, image: np.ndarray | None = None) -> dict[str, np.ndarray]:
    feeds = {}
    for spec in manifest['graphs'][role]['inputs']:
        if spec.get('role') == 'image':
            feeds[spec['name']] = image_feed(manifest, image)
        elif spec.get('role') == 'backbone_features':
            # a separate adaptor's rows: deterministic, at the scale of a ViT's tokens
            n = spec['shape'][0] if isinstance(spec['shape'][0], int) else 64
            feeds[spec['name']] = np.random.default_rng(1).normal(0, 2, (n, spec['shape'][1])).astype(np.float32)
        elif spec.get('role') == 'input_ids':
            ids = json.loads((Path(model_dir) / 'tokens.json').read_text())['input_ids']
            feeds[spec['name']] = np.asarray(ids, dtype=np.int64)
        else:
            raise px.ExportError(f'graph {role}: no test input for {spec["name"]} (role {spec.get("role")})')
    return feeds


def check_graph(module: torch.nn.Module, onnx_path: Path, output_names: list[str], feeds: dict[str, np.ndarray],
                rtol: float, min_cosine: float, device: str = 'cpu') -> tuple[dict[str, dict], str]:
    """Runs `module` and the ONNX file on `feeds`; a comparison per output and the runtime used."""
    with torch.no_grad():
        ref = module(*[torch.from_numpy(v).to(device) for v in feeds.values()])
    ref = ref if isinstance(ref, (tuple, list)) else (ref,)
    got, runtime = run_onnx(onnx_path, feeds)
    return {n: compare(r.float().cpu().numpy(), got[n], rtol, min_cosine) for n, r in zip(output_names, ref)}, runtime


def check_model(model_dir: Path, modules: dict[str, torch.nn.Module], fp16: bool = False, device: str = 'cpu',
                image: np.ndarray | None = None, rtol: float | None = None, min_cosine: float | None = None) -> int:
    """Checks every graph of `model_dir` that `modules` names; prints one line per output; 0 if all pass."""
    model_dir = Path(model_dir)
    tol = dict(TOLERANCES[fp16])
    tol.update({k: v for k, v in (('rtol', rtol), ('min_cosine', min_cosine)) if v is not None})
    problems = px.verify_files(model_dir)
    for p in problems:
        print(f'FAIL {model_dir}: {p}')
    manifest = px.read_manifest(model_dir)
    for role, module in modules.items():
        graph = manifest['graphs'][role]
        names = [o['name'] for o in graph['outputs']]
        results, runtime = check_graph(module.eval(), model_dir / graph['file'], names,
                                       graph_feeds(model_dir, manifest, role, image), device=device, **tol)
        for name, r in results.items():
            if 'max_abs_diff' in r:
                print(f'{"ok  " if r["ok"] else "FAIL"} {role}.{name} ({runtime}): max abs diff {r["max_abs_diff"]:.3g}, '
                      f'relative {r["rel_max_diff"]:.3g}, min cosine {r["min_cosine"]:.6f}' + (f': {r["why"]}' if not r['ok'] else ''))
            else:
                print(f'FAIL {role}.{name} ({runtime}): {r["why"]}')
            problems += [] if r['ok'] else [f'{role}.{name}']
    return 1 if problems else 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('model_dir', type=Path, help='folder with plaf-model.json (written by an exporter here)')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--fp16', action='store_true', help='the export was made with --fp16 (looser tolerance; needs CUDA)')
    ap.add_argument('--image', type=Path, help='H×W×3 uint8 .npy image to use instead of the synthetic one')
    ap.add_argument('--rtol', type=float, help='override the relative max-difference limit')
    ap.add_argument('--min-cosine', type=float, help='override the cosine limit')
    a = ap.parse_args(argv)
    manifest = px.read_manifest(a.model_dir)
    family = manifest['family']
    if family == 'radio':
        import export_radio
        modules = export_radio.torch_graphs(manifest, a.device, a.fp16)
    elif family == 'siglip-text':
        import export_siglip_text
        modules = export_siglip_text.torch_graphs(manifest, a.device)
    elif family == 'clip':
        import export_clip
        modules = export_clip.torch_graphs(manifest, a.device)
    else:
        ap.error(f'{a.model_dir}: family {family} was not written by these exporters (radio, siglip-text, clip)')
    image = np.load(a.image) if a.image else None
    return check_model(a.model_dir, modules, fp16=a.fp16, device=a.device, image=image, rtol=a.rtol, min_cosine=a.min_cosine)


if __name__ == '__main__':
    px.run_cli(main)
