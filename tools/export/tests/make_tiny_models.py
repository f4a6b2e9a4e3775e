#!/usr/bin/env python3
"""Writes the three exporters' output for test-sized random models into OUT (radio/, siglip-text/,
clip/), plus OUT/expected/<model>.<graph>.<output>.npy (PyTorch's outputs) and the inputs used
(<model>.<graph>.<input>.npy), so test/export-tools.test.ts can check the manifests against the
TypeScript schema and run the graphs through PLAF-TS's own ONNX sessions.

Usage: /usr/bin/python3 tools/export/tests/make_tiny_models.py OUT
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import torch

from helpers import MLP2, TinyClip, TinyRadio, TinyTextTower, ToyTokenizer, seeded
import check
import export_clip
import export_radio
import export_siglip_text
import plaf_export as px
import plaf_text as pt


def save_expected(out: Path, model: str, graph: str, module: torch.nn.Module, model_dir: Path) -> None:
    manifest = px.read_manifest(model_dir)
    feeds = check.graph_feeds(model_dir, manifest, graph)
    with torch.no_grad():
        res = module(*[torch.from_numpy(v) for v in feeds.values()])
    res = res if isinstance(res, (tuple, list)) else (res,)
    for name, v in feeds.items():
        np.save(out / f'{model}.{graph}.{name}.npy', v)
    for spec, r in zip(manifest['graphs'][graph]['outputs'], res):
        np.save(out / f'{model}.{graph}.{spec["name"]}.npy', r.numpy())


def main(out: Path) -> None:
    expected = out / 'expected'
    expected.mkdir(parents=True, exist_ok=True)

    seeded(10)
    vision = export_radio.RadioVision(TinyRadio(patch_size=8), MLP2(32, 48, 40, num_inner=1), 8).eval()
    export_radio.export_vision(vision, px.fresh_dir(out / 'radio', True), name='radio-tiny', version='1.0.0',
                               resolution=(32, 48), licence='NSCL-RADIO', space='siglip-so400m-patch14-384',
                               source={'repo': 'NVlabs/RADIO', 'revision': 'tiny'}, description='test-sized RADIO')
    save_expected(expected, 'radio', 'vision', vision, out / 'radio')
    save_expected(expected, 'radio', 'adaptor', export_radio.AdaptorRows(vision.head_mlp), out / 'radio')

    seeded(11)
    tower = pt.TextTower(TinyTextTower(out=40, context=16)).eval()
    tok = ToyTokenizer(16, pad_id=1, eos_id=1, vocab=64)
    export_siglip_text.export_text(
        tower, px.fresh_dir(out / 'siglip-text', True), name='siglip-tiny-text', version='1.0.0', family='siglip-text',
        licence='Apache-2.0', source={'repo': 'mlfoundations/open_clip', 'revision': 'tiny/none'}, description='test-sized SigLIP text',
        tokenize=tok, save_tokenizer=tok.save, context_length=16, pad_id=1, eos_id=1, clean='siglip',
        space='siglip-so400m-patch14-384', logit_scale=10.0, logit_bias=-10.0)
    save_expected(expected, 'siglip-text', 'text', tower, out / 'siglip-text')

    seeded(12)
    clip = TinyClip().eval()
    ctok = ToyTokenizer(12, pad_id=0, eos_id=63, vocab=64, clean='clip')
    export_clip.export_clip(
        clip, px.fresh_dir(out / 'clip', True), name='openclip-tiny', version='1.0.0', space='openclip-tiny-none',
        licence='MIT', source={'repo': 'mlfoundations/open_clip', 'revision': 'tiny/none'}, description='test-sized CLIP',
        image_size=32, patch_size=8, mean=px.CLIP_MEAN, std=px.CLIP_STD, tokenize=ctok, save_tokenizer=ctok.save,
        context_length=12, pad_id=0, eos_id=63, clean='clip')
    save_expected(expected, 'clip', 'vision', export_clip.MaskClipVision(clip.visual).eval(), out / 'clip')
    save_expected(expected, 'clip', 'text', pt.TextTower(clip).eval(), out / 'clip')


if __name__ == '__main__':
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
