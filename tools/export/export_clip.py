#!/usr/bin/env python3
"""Exports an OpenCLIP ViT (image with MaskCLIP dense tokens + text) to ONNX + plaf-model.json.

One model folder, family `clip`, two graphs:
  vision  image float32 [1, 3, S, S] (normalised with the manifest's mean/std, S = 224 for ViT-B/16)
          → features float32 [1, S/p, S/p, E] (nhwc): MaskCLIP dense tokens. The last block's value
          path replaces its attention (v projection + out projection, no q·k attention, no residual,
          no MLP), then ln_post and the image projection, per patch token (CLS dropped).
  text    input_ids int64 [B, 77] → text_embeds float32 [B, E], L2-normalised.
Files: vision_SxS.onnx, text.onnx, tokenizer.json (+ config), tokens.json (golden ids).

Usage (needs the weights; open_clip downloads them):
  python3 tools/export/export_clip.py --arch ViT-B-16 --pretrained openai --out models/openclip-vit-b-16-openai
"""
from __future__ import annotations

import argparse
from pathlib import Path

import torch
import torch.nn.functional as F

import plaf_export as px
import plaf_text as pt

# Tokenizer.json for open_clip models whose tokenizer is its own BPE (not Hugging Face): the
# same vocabulary and merges as OpenAI CLIP's, from transformers' CLIPTokenizerFast.
HF_CLIP_TOKENIZER = 'openai/clip-vit-base-patch32'


def _run_block(block: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A residual block on batch-first tokens, whichever layout its attention was built for."""
    if getattr(block.attn, 'batch_first', True):
        return block(x)
    return block(x.transpose(0, 1)).transpose(0, 1)


class MaskClipVision(torch.nn.Module):
    """An open_clip `VisionTransformer` (conv1, class_embedding, positional_embedding, ln_pre,
    transformer.resblocks, ln_post, proj) as PLAF's dense `features` grid, MaskCLIP-style."""

    def __init__(self, visual: torch.nn.Module):
        super().__init__()
        self.visual = visual

    def forward(self, image: torch.Tensor) -> torch.Tensor:
        v = self.visual
        x = v.conv1(image)
        gh, gw = x.shape[2], x.shape[3]
        x = x.flatten(2).transpose(1, 2)
        cls = v.class_embedding.reshape(1, 1, -1).to(x.dtype).expand(x.shape[0], -1, -1)
        x = torch.cat([cls, x], dim=1) + v.positional_embedding.to(x.dtype)
        x = v.ln_pre(x)
        blocks = list(v.transformer.resblocks)
        for block in blocks[:-1]:
            x = _run_block(block, x)
        last = blocks[-1]
        width = x.shape[-1]
        bias = last.attn.in_proj_bias
        value = F.linear(last.ln_1(x), last.attn.in_proj_weight[2 * width:], None if bias is None else bias[2 * width:])
        y = last.attn.out_proj(value)
        if hasattr(last, 'ls_1'):
            y = last.ls_1(y)
        y = v.ln_post(y) @ v.proj
        return y[:, 1:].reshape(x.shape[0], gh, gw, y.shape[-1])


def export_clip(model: torch.nn.Module, out_dir: Path, *, name: str, version: str, space: str, licence: str,
                source: dict, description: str, image_size: int, patch_size: int, mean, std, **text) -> Path:
    """Wrap + export + manifest for an open_clip-structured model (real or test-sized); `text`
    holds `plaf_export.text_part`'s keyword arguments (tokenizer settings)."""
    vision = MaskClipVision(model.visual).eval()
    s, p = image_size, patch_size
    example = torch.randn(1, 3, s, s)
    with torch.no_grad():
        e = vision(example).shape[-1]
    vfile = f'vision_{s}x{s}.onnx'
    files = px.export_onnx(vision, (example,), out_dir / vfile, ['image'], ['features'])
    vgraph = px.graph_entry(out_dir, vfile, {
        'image': {'role': 'image', 'description': 'RGB normalised with the manifest mean/std'},
    }, {
        'features': {'role': 'features', 'layout': 'nhwc', 'description': "MaskCLIP dense tokens: last block's value path, ln_post, proj"},
    }, {'image': [1, 3, s, s], 'features': [1, s // p, s // p, e]})
    tfiles, tgraph, tinfo = pt.text_part(pt.TextTower(model), out_dir, space=space, **text)
    if tinfo['feature_dim'] != e:
        raise px.ExportError(f'image features are {e}-d but text embeddings {tinfo["feature_dim"]}-d')
    manifest = {
        'name': name, 'version': version, 'description': description, 'licence': px.LICENCES[licence],
        'source': source, 'family': 'clip', 'graphs': {'vision': vgraph, 'text': tgraph},
        'image': {'patch_size': p, 'feature_dim': e, 'embedding_space': space,
                  'preprocessing': {'input_size': [s, s], 'resize': 'squash', 'scale': 1 / 255, 'mean': list(mean),
                                    'std': list(std), 'channel_order': 'rgb', 'pad_value': 0}},
        'text': tinfo,
    }
    return px.write_manifest(out_dir, manifest, files + tfiles)


def load_open_clip(arch: str, pretrained: str, device: str = 'cpu'):
    """Real weights: the open_clip model, its tokenizer and a tokenizer.json saver."""
    with px.loading(f'open_clip {arch} ({pretrained})', 'pip install open_clip_torch and network access to the weights\' host'):
        import open_clip
        model, _, _ = open_clip.create_model_and_transforms(arch, pretrained=pretrained)
        tok = open_clip.get_tokenizer(arch)
    model = model.to(device).eval()
    if hasattr(tok, 'tokenizer') and hasattr(tok.tokenizer, 'save_pretrained'):
        return model, tok, pt.hf_saver(tok.tokenizer)
    with px.loading(f'the tokenizer.json of {HF_CLIP_TOKENIZER}', 'pip install transformers and network access to huggingface.co'):
        from transformers import CLIPTokenizerFast
        hf = CLIPTokenizerFast.from_pretrained(HF_CLIP_TOKENIZER)
    ours, theirs = tok(pt.GOLDEN_TEXTS), hf(pt.GOLDEN_TEXTS, padding='max_length', max_length=tok.context_length,
                                             truncation=True, return_tensors='pt')['input_ids']
    eot = tok.eot_token_id
    for i, text in enumerate(pt.GOLDEN_TEXTS):  # equal up to and including the end-of-text token
        n = int((ours[i] == eot).nonzero()[0]) + 1
        if not torch.equal(ours[i, :n], theirs[i, :n]):
            raise px.ExportError(f'{HF_CLIP_TOKENIZER} tokenizes {text!r} differently from open_clip\'s tokenizer')
    return model, tok, pt.hf_saver(hf)


def torch_graphs(manifest: dict, device: str = 'cpu') -> dict[str, torch.nn.Module]:
    """The PyTorch modules behind a manifest written by this script (real weights), for check.py."""
    arch, _, pretrained = manifest['source']['revision'].partition('/')
    model = load_open_clip(arch, pretrained, device)[0]
    return {'vision': MaskClipVision(model.visual).eval(), 'text': pt.TextTower(model).eval()}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--arch', default='ViT-B-16', help='open_clip architecture (a ViT)')
    ap.add_argument('--pretrained', default='openai', help='open_clip pretrained tag')
    ap.add_argument('--licence', default='MIT', choices=sorted(px.LICENCES), help='licence of these weights (OpenAI CLIP, OpenCLIP LAION: MIT)')
    ap.add_argument('--out', type=Path, required=True, help='output model folder')
    ap.add_argument('--name', help='model name (default openclip-<arch>-<pretrained>, lower-case)')
    ap.add_argument('--model-version', default='1.0.0')
    ap.add_argument('--device', default='cpu')
    ap.add_argument('--force', action='store_true', help='replace a non-empty output folder')
    ap.add_argument('--no-check', action='store_true', help='skip the ONNX vs PyTorch comparison')
    a = ap.parse_args(argv)
    out = px.fresh_dir(a.out, a.force)
    model, tok, saver = load_open_clip(a.arch, a.pretrained, a.device)
    visual = model.visual
    size = visual.image_size[0] if isinstance(visual.image_size, (tuple, list)) else visual.image_size
    patch = visual.patch_size[0] if isinstance(visual.patch_size, (tuple, list)) else visual.patch_size
    space = f'openclip-{a.arch}-{a.pretrained}'.lower()
    hf = getattr(tok, 'tokenizer', None)  # HF-backed open_clip tokenizers; SimpleTokenizer has none
    eot = int(hf.eos_token_id if hf is not None else tok.eot_token_id)
    pad = int(hf.pad_token_id if hf is not None else 0)  # SimpleTokenizer pads with 0
    path = export_clip(
        model, out, name=a.name or space, version=a.model_version, space=space, licence=a.licence,
        source={'url': 'https://github.com/mlfoundations/open_clip', 'repo': 'mlfoundations/open_clip',
                'revision': f'{a.arch}/{a.pretrained}', 'exported_by': px.exported_by('export_clip.py'),
                'notes': 'vision: MaskCLIP dense tokens; text: encode_text, L2-normalised'},
        description=f'OpenCLIP {a.arch} ({a.pretrained}): MaskCLIP dense patch tokens + text tower',
        image_size=size, patch_size=patch,
        mean=getattr(visual, 'image_mean', None) or px.CLIP_MEAN, std=getattr(visual, 'image_std', None) or px.CLIP_STD,
        tokenize=lambda texts: tok(texts).to(a.device), save_tokenizer=saver, context_length=int(tok.context_length),
        pad_id=pad, eos_id=eot, clean='clip')
    print(f'wrote {path}')
    if a.no_check:
        return 0
    import check
    return check.check_model(out, {'vision': MaskClipVision(visual).eval(), 'text': pt.TextTower(model).eval()}, device=a.device)


if __name__ == '__main__':
    px.run_cli(main)
