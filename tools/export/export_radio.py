#!/usr/bin/env python3
"""Exports RADIO (RADIOv2.5-B/L/H, C-RADIOv3/v4) with its language adaptor to ONNX + plaf-model.json.

One ONNX file per input resolution (RADIO's position-embedding crop depends on the input shape),
opset 17. Graph `vision`:
  image             float32 [1, 3, H, W]  RGB in [0, 1]; RADIO normalises inside (manifest mean 0, std 1)
  features          float32 [1, H/p, W/p, D]  the adaptor's summary head (`head_mlp`) on every patch
                    token: the language-aligned features of PLAF (and RayFronts' NARadio), D = 1152
                    for RADIOv2.5's `siglip` adaptor
  backbone_features float32 [1, H/p, W/p, C]  RADIO's own patch features (C = 768 for B/16)
and (unless --no-separate-adaptor) the same head on its own, graph `adaptor` in adaptor.onnx:
  backbone_features float32 [N, C] → features float32 [N, D], N symbolic
so `mask-mean` can average RADIO's features per mask first and project the K means
(`adaptor: after-average`, an ablation of the official project-then-average).

Usage (needs the weights: torch.hub downloads NVlabs/RADIO's code and checkpoint, and open_clip's
SigLIP checkpoint for the adaptor's text tower):
  python3 tools/export/export_radio.py --version radio_v2.5-b --resolution 512 --out models/radio-v2.5-b
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch

import plaf_export as px

# RADIO versions this tool knows: licence, language adaptor and the embedding space it lands in.
VERSIONS = {
    **{f'radio_v2.5-{s}': {'licence': 'NSCL-RADIO', 'adaptor': 'siglip', 'space': 'siglip-so400m-patch14-384'} for s in 'blh'},
    **{f'c-radio_v3-{s}': {'licence': 'NVIDIA-Open-Model-License', 'adaptor': 'siglip2-g', 'space': 'siglip2-g'} for s in 'blhg'},
    **{f'c-radio_v4-{s}': {'licence': 'NVIDIA-Open-Model-License', 'adaptor': 'siglip2-g', 'space': 'siglip2-g'} for s in ('so400m', 'h')},
}


NEEDS = ('network access to github.com and the checkpoint hosts (huggingface.co), and '
         'pip install timm open_clip_torch (plus transformers for C-RADIO\'s siglip2-g adaptor)')


class RadioVision(torch.nn.Module):
    """RADIO + adaptor head as PLAF's contract: `image` [1,3,H,W] in [0,1] → (`features`,
    `backbone_features`), both NHWC grids.

    `radio` is a RADIO model without adaptors attached (its forward returns `(summary, features)`
    with NLC features, or a dict with a `backbone` entry); `head_mlp` is the adaptor's summary
    MLP, applied token-wise. `dtype` float16 runs the network in half precision (CUDA) while the
    graph's inputs and outputs stay float32.
    """

    def __init__(self, radio: torch.nn.Module, head_mlp: torch.nn.Module, patch_size: int, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.radio = radio
        self.head_mlp = head_mlp
        self.patch_size = patch_size
        self.dtype = dtype

    def forward(self, image: torch.Tensor):
        out = self.radio(image.to(self.dtype))
        if isinstance(out, dict):
            out = out['backbone']
        feats = out.features if hasattr(out, 'features') else out[1]  # [1, h*w, C]
        h, w = image.shape[2] // self.patch_size, image.shape[3] // self.patch_size
        lang = self.head_mlp(feats.to(self.dtype))
        return (lang.float().reshape(1, h, w, lang.shape[-1]),
                feats.float().reshape(1, h, w, feats.shape[-1]))


class AdaptorRows(torch.nn.Module):
    """The language head alone, row-wise: `backbone_features` [N, C] → `features` [N, D] (float32 I/O,
    the head in `dtype`). The same module RadioVision applies to every patch token."""

    def __init__(self, head_mlp: torch.nn.Module, dtype: torch.dtype = torch.float32):
        super().__init__()
        self.head_mlp = head_mlp
        self.dtype = dtype

    def forward(self, rows: torch.Tensor) -> torch.Tensor:
        return self.head_mlp(rows.to(self.dtype)).float()


ADAPTOR_FILE = 'adaptor.onnx'


def export_adaptor(vision: RadioVision, out_dir: Path, backbone_dim: int, device: str = 'cpu') -> tuple[list[str], dict]:
    """Exports `vision.head_mlp` as graph `adaptor` (adaptor.onnx, N symbolic); returns its files and manifest entry."""
    rows = AdaptorRows(vision.head_mlp, vision.dtype)
    example = torch.randn(5, backbone_dim, device=device)
    with torch.no_grad():
        d = rows(example).shape[-1]
    files = px.export_onnx(rows, (example,), out_dir / ADAPTOR_FILE, ['backbone_features'], ['features'],
                           dynamic_axes={'backbone_features': {0: 'N'}, 'features': {0: 'N'}})
    graph = px.graph_entry(out_dir, ADAPTOR_FILE, {
        'backbone_features': {'role': 'backbone_features', 'description': "rows of RADIO's own patch features (or their per-mask means)"},
    }, {
        'features': {'role': 'features', 'description': "the language adaptor's summary head (head_mlp) on each row"},
    }, {'backbone_features': ['N', backbone_dim], 'features': ['N', d]})
    return files, graph


def load_radio(version: str, device: str = 'cpu', fp16: bool = False) -> RadioVision:
    """Real weights: RADIO from torch.hub with its language adaptor, detached as RayFronts does."""
    if version not in VERSIONS:
        raise px.ExportError(f'unknown RADIO version {version}: one of {", ".join(VERSIONS)}')
    adaptor_name = VERSIONS[version]['adaptor']
    with px.loading(f'RADIO {version} with its {adaptor_name} adaptor through torch.hub (NVlabs/RADIO)', NEEDS):
        model = torch.hub.load('NVlabs/RADIO', 'radio_model', version=version, adaptor_names=[adaptor_name],
                               progress=True, skip_validation=True, trust_repo=True)
    adaptor = model.adaptors[adaptor_name]
    model.adaptors = torch.nn.ModuleDict()  # forward returns the backbone output only
    dtype = torch.float16 if fp16 else torch.float32
    return RadioVision(model, adaptor.head_mlp, model.patch_size, dtype).to(device=device, dtype=dtype).eval()


def export_vision(vision: RadioVision, out_dir: Path, *, name: str, version: str, resolution: tuple[int, int],
                  licence: str, space: str, source: dict, description: str, device: str = 'cpu',
                  external_data: bool | None = None, separate_adaptor: bool = True) -> Path:
    """Wrap + export + manifest, for any module of RadioVision's structure (real or test-sized).
    `separate_adaptor`: also write the head alone as graph `adaptor` (see the module docstring)."""
    h, w = resolution
    p = vision.patch_size
    if h % p or w % p:
        raise px.ExportError(f'resolution {h}×{w} is not a multiple of the patch size {p}')
    example = torch.rand(1, 3, h, w, device=device)
    with torch.no_grad():
        feats, backbone = vision(example)
    d, c = feats.shape[-1], backbone.shape[-1]
    file = f'vision_{h}x{w}.onnx'
    files = px.export_onnx(vision, (example,), out_dir / file, ['image'], ['features', 'backbone_features'],
                           external_data=external_data)
    graph = px.graph_entry(out_dir, file, {
        'image': {'role': 'image', 'description': 'RGB in [0, 1], squashed to the input size; RADIO normalises inside'},
    }, {
        'features': {'role': 'features', 'layout': 'nhwc', 'description': "language adaptor's summary head (head_mlp) on every patch token"},
        'backbone_features': {'role': 'backbone_features', 'layout': 'nhwc', 'description': "RADIO's own patch features"},
    }, {'image': [1, 3, h, w], 'features': [1, h // p, w // p, d], 'backbone_features': [1, h // p, w // p, c]})
    graphs = {'vision': graph}
    if separate_adaptor:
        adaptor_files, graphs['adaptor'] = export_adaptor(vision, out_dir, c, device)
        files += adaptor_files
    manifest = {
        'name': name, 'version': version, 'description': description,
        'licence': px.LICENCES[licence], 'source': source, 'family': 'radio',
        'graphs': graphs,
        'image': {
            'patch_size': p, 'feature_dim': d, 'backbone_dim': c, 'embedding_space': space,
            'preprocessing': {'input_size': [h, w], 'resize': 'squash', 'scale': 1 / 255, 'mean': [0, 0, 0],
                              'std': [1, 1, 1], 'channel_order': 'rgb', 'pad_value': 0},
        },
    }
    return px.write_manifest(out_dir, manifest, files)


def torch_graphs(manifest: dict, device: str = 'cpu', fp16: bool = False) -> dict[str, torch.nn.Module]:
    """The PyTorch modules behind a manifest written by this script (real weights), for check.py."""
    vision = load_radio(manifest['source']['revision'], device, fp16)
    return graph_modules(vision, manifest)


def graph_modules(vision: RadioVision, manifest: dict) -> dict[str, torch.nn.Module]:
    """The module behind each graph of the manifest: `vision`, and `adaptor` when it was exported."""
    modules: dict[str, torch.nn.Module] = {'vision': vision}
    if 'adaptor' in manifest['graphs']:
        modules['adaptor'] = AdaptorRows(vision.head_mlp, vision.dtype)
    return modules


def default_name(version: str, h: int, w: int) -> str:
    base = version.replace('_', '-')
    return base if (h, w) == (512, 512) else f'{base}-{h}x{w}'


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--version', default='radio_v2.5-b', choices=sorted(VERSIONS), help='RADIO version (torch.hub name)')
    ap.add_argument('--resolution', default='512', help='input H×W: 512 or 512x768 (multiples of the patch size)')
    ap.add_argument('--out', type=Path, required=True, help='output model folder')
    ap.add_argument('--name', help='model name (default radio-v2.5-b, with -HxW unless 512×512)')
    ap.add_argument('--model-version', default='1.0.0', help='version of this export in the model store')
    ap.add_argument('--device', default='cpu', help='torch device for the export (cuda for --fp16)')
    ap.add_argument('--fp16', action='store_true', help='half-precision network (CUDA); I/O stays float32')
    ap.add_argument('--force', action='store_true', help='replace a non-empty output folder')
    ap.add_argument('--no-check', action='store_true', help='skip the ONNX vs PyTorch comparison')
    ap.add_argument('--no-separate-adaptor', action='store_true',
                    help='do not write the language head alone as graph adaptor (adaptor.onnx); mask-mean adaptor: after-average then refuses the model')
    a = ap.parse_args(argv)
    if a.fp16 and not a.device.startswith('cuda'):
        ap.error('--fp16 needs --device cuda (half precision on the CPU is not supported by torch here)')
    h, _, w = a.resolution.partition('x')
    h, w = int(h), int(w or h)
    info = VERSIONS[a.version]
    out = px.fresh_dir(a.out, a.force)
    vision = load_radio(a.version, a.device, a.fp16)
    path = export_vision(
        vision, out, name=a.name or default_name(a.version, h, w), version=a.model_version, resolution=(h, w),
        licence=info['licence'], space=info['space'], device=a.device, separate_adaptor=not a.no_separate_adaptor,
        description=f'{a.version} with its {info["adaptor"]} adaptor, {h}×{w}{" fp16" if a.fp16 else ""}',
        source={'url': 'https://github.com/NVlabs/RADIO', 'repo': 'NVlabs/RADIO', 'revision': a.version,
                'exported_by': px.exported_by('export_radio.py'),
                'notes': f'torch.hub radio_model(version={a.version}, adaptor_names=[{info["adaptor"]}]); features = adaptors[{info["adaptor"]}].head_mlp(backbone patch tokens)'})
    print(f'wrote {path}')
    if a.no_check:
        return 0
    import check
    return check.check_model(out, graph_modules(vision, px.read_manifest(out)), fp16=a.fp16, device=a.device)


if __name__ == '__main__':
    px.run_cli(main)
