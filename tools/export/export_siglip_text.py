#!/usr/bin/env python3
"""Exports the SigLIP text tower RADIO's language adaptor pairs with, plus its tokenizer.

Graph `text`:
  input_ids    int64 [B, 64]   SigLIP tokenizer ids (lower-cased, punctuation stripped, padded
                                with id 1 = eos to 64; no attention mask: pads are attended)
  text_embeds  float32 [B, D]  L2-normalised (D = 1152 for ViT-SO400M-14-SigLIP-384)
Files: text.onnx, tokenizer.json (+ tokenizer_config.json, special_tokens_map.json from the HF
tokenizer's save_pretrained), tokens.json (golden ids of tricky strings from the real tokenizer).

Sources (both need the weights; open_clip downloads the whole SigLIP checkpoint):
  default           open_clip ViT-SO400M-14-SigLIP-384 / webli, the RADIOv2.5 `siglip` adaptor's
                    teacher and text tower (what the official PLAF code calls)
  --radio VERSION   the text tower inside RADIO's adaptor for VERSION (C-RADIO: siglip2-g, a
                    different embedding space and tokenizer)
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path
import torch

import plaf_export as px
import plaf_text as pt

SO400M = ('ViT-SO400M-14-SigLIP-384', 'webli')


def export_text(tower: torch.nn.Module, out_dir: Path, *, name: str, version: str, family: str, licence: str,
                source: dict, description: str, **text) -> Path:
    """Wrap + export + manifest for a text tower (real or test-sized); `text` holds
    `plaf_export.text_part`'s keyword arguments (tokenizer, space, scoring)."""
    files, graph, info = pt.text_part(tower, out_dir, **text)
    manifest = {'name': name, 'version': version, 'description': description, 'licence': px.LICENCES[licence],
                'source': source, 'family': family, 'graphs': {'text': graph}, 'text': info}
    return px.write_manifest(out_dir, manifest, files)


def load_open_clip(model_name: str, pretrained: str, device: str = 'cpu'):
    """Real weights: an open_clip model's text tower, tokenizer and logit scale/bias."""
    with px.loading(f'open_clip {model_name} ({pretrained})', 'pip install open_clip_torch transformers and network access to huggingface.co'):
        import open_clip
        model = open_clip.create_model_from_pretrained(model_name, pretrained=pretrained, return_transform=False)
        tok = open_clip.get_tokenizer(model_name)
    model.visual = None
    scale = math.exp(float(model.logit_scale)) if getattr(model, 'logit_scale', None) is not None else None
    bias = float(model.logit_bias) if getattr(model, 'logit_bias', None) is not None else None
    return pt.TextTower(model.to(device).eval()), tok, scale, bias


def load_radio_text(version: str, device: str = 'cpu'):
    """Real weights: the text tower of RADIO's language adaptor (open_clip or SigLIP2 wrapper)."""
    from export_radio import NEEDS, VERSIONS
    ad_name = VERSIONS[version]['adaptor']
    with px.loading(f'RADIO {version} with its {ad_name} adaptor through torch.hub (NVlabs/RADIO)', NEEDS):
        model = torch.hub.load('NVlabs/RADIO', 'radio_model', version=version, adaptor_names=[ad_name],
                               progress=True, skip_validation=True, trust_repo=True)
    ad = model.adaptors[ad_name]
    if hasattr(ad, 'oc_model'):  # RADIOv2.5 `siglip`: open_clip
        tok = ad.tokenizer
        encoder, encode = ad.oc_model, None
    else:  # C-RADIO `siglip2-g`: HF text model behind a canonicalising tokenizer wrapper
        hf = ad.tokenizer._proc.tokenizer
        tok = lambda texts: ad.tokenizer(texts)['input_ids']  # noqa: E731
        tok.tokenizer, tok.context_length = hf, 64
        encoder, encode = ad.text_model, (lambda m, ids: m(input_ids=ids, return_dict=True).pooler_output)
    return pt.TextTower(encoder.to(device).eval(), encode), tok, None, None


def torch_graphs(manifest: dict, device: str = 'cpu') -> dict[str, torch.nn.Module]:
    """The PyTorch module behind a manifest written by this script (real weights), for check.py."""
    src = manifest['source']
    if src.get('repo') == 'NVlabs/RADIO':
        return {'text': load_radio_text(src['revision'], device)[0]}
    arch, _, pretrained = src['revision'].partition('/')
    return {'text': load_open_clip(arch, pretrained, device)[0]}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--out', type=Path, required=True, help='output model folder')
    ap.add_argument('--radio', metavar='VERSION', help="export the text tower of this RADIO version's adaptor instead")
    ap.add_argument('--name', help='model name (default siglip-so400m-text, or <radio version>-text)')
    ap.add_argument('--model-version', default='1.0.0', help='version of this export in the model store')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--force', action='store_true', help='replace a non-empty output folder')
    ap.add_argument('--no-check', action='store_true', help='skip the ONNX vs PyTorch comparison')
    a = ap.parse_args(argv)
    out = px.fresh_dir(a.out, a.force)
    if a.radio:
        from export_radio import VERSIONS
        if a.radio not in VERSIONS:
            ap.error(f'unknown RADIO version {a.radio}: one of {", ".join(VERSIONS)}')
        tower, tok, scale, bias = load_radio_text(a.radio, a.device)
        info = VERSIONS[a.radio]
        space = info['space']
        licence = 'Apache-2.0'
        name = a.name or f'{a.radio.replace("_", "-")}-text'
        source = {'url': 'https://github.com/NVlabs/RADIO', 'repo': 'NVlabs/RADIO', 'revision': a.radio,
                  'notes': f'text tower of the {info["adaptor"]} adaptor (adaptor.encode_text), L2-normalised'}
    else:
        tower, tok, scale, bias = load_open_clip(*SO400M, a.device)
        space, licence, name = 'siglip-so400m-patch14-384', 'Apache-2.0', a.name or 'siglip-so400m-text'
        source = {'url': 'https://huggingface.co/timm/ViT-SO400M-14-SigLIP-384', 'repo': 'mlfoundations/open_clip',
                  'revision': '/'.join(SO400M), 'notes': 'open_clip encode_text (pool_type last), L2-normalised'}
    hf = tok.tokenizer
    context = int(getattr(tok, 'context_length', 64))
    path = export_text(
        tower, out, name=name, version=a.model_version, family='siglip-text', space=space, licence=licence,
        source={**source, 'exported_by': px.exported_by('export_siglip_text.py')},
        description=f'SigLIP text tower ({source["revision"]}), {context} tokens',
        tokenize=lambda texts: tok(texts).to(a.device), save_tokenizer=pt.hf_saver(hf), context_length=context,
        pad_id=int(hf.pad_token_id), eos_id=int(hf.eos_token_id), clean='siglip',
        logit_scale=scale, logit_bias=bias)
    print(f'wrote {path}')
    if a.no_check:
        return 0
    import check
    return check.check_model(out, {'text': tower}, device=a.device)


if __name__ == '__main__':
    px.run_cli(main)
