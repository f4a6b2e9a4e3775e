"""Test-sized, randomly initialised torch modules with the structure of the real ones, and a toy
tokenizer. The exporters' wrap/export/manifest/check code runs on these unchanged.

- TinyRadio: RADIO's shape of computation: input conditioner (CLIP mean/std inside the model),
  patch embedding, CPE-style position grid bilinearly resized to the input's grid, CLS token,
  timm-style blocks (qkv Linear, attention written out); forward returns RadioOutput(summary, features) with NLC features.
  MLP2: RADIO's adaptor MLP (fc1, residual LayerNorm-GELU-Linear blocks, final LN-GELU-Linear),
  used as the GenericAdaptor's head_mlp.
- TinyTextTower: SigLIP's text tower shape: token + position embedding, blocks without a causal
  mask, final LayerNorm, last-token pooling, projection.
- TinyClip: open_clip's CLIP with the attribute names MaskClipVision reads (visual.conv1,
  class_embedding, positional_embedding, ln_pre, transformer.resblocks[ln_1, attn, ls_1, ln_2,
  mlp, ls_2], ln_post, proj) and encode_text with a causal mask and argmax (end-of-text) pooling.
"""
from __future__ import annotations

import html
import json
import re
import string
import sys
import unicodedata
from pathlib import Path
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import nn

EXPORT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(EXPORT_DIR))

import plaf_export as px  # noqa: E402


class RadioOutput(NamedTuple):
    summary: torch.Tensor
    features: torch.Tensor


class Block(nn.Module):
    """Pre-norm transformer block (timm / open_clip layout)."""

    def __init__(self, width: int, heads: int, batch_first: bool = True):
        super().__init__()
        self.ln_1 = nn.LayerNorm(width)
        self.attn = nn.MultiheadAttention(width, heads, batch_first=batch_first)
        self.ls_1 = nn.Identity()
        self.ln_2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 2 * width), nn.GELU(), nn.Linear(2 * width, width))
        self.ls_2 = nn.Identity()

    def forward(self, x: torch.Tensor, attn_mask: torch.Tensor | None = None) -> torch.Tensor:
        y = self.ln_1(x)
        x = x + self.ls_1(self.attn(y, y, y, need_weights=False, attn_mask=attn_mask)[0])
        return x + self.ls_2(self.mlp(self.ln_2(x)))


class TimmBlock(nn.Module):
    """timm's ViT block as RADIO uses it: one qkv Linear, softmax attention written out, proj."""

    def __init__(self, width: int, heads: int):
        super().__init__()
        self.heads = heads
        self.norm1 = nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        self.norm2 = nn.LayerNorm(width)
        self.mlp = nn.Sequential(nn.Linear(width, 4 * width), nn.GELU(), nn.Linear(4 * width, width))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, n, c = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(b, n, 3, self.heads, c // self.heads).permute(2, 0, 3, 1, 4).unbind(0)
        a = ((q @ k.transpose(-2, -1)) * (c // self.heads) ** -0.5).softmax(dim=-1)
        x = x + self.proj((a @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.mlp(self.norm2(x))


class TinyRadio(nn.Module):
    def __init__(self, width: int = 32, depth: int = 2, heads: int = 4, patch_size: int = 8, max_grid: int = 8):
        super().__init__()
        self.patch_size = patch_size
        self.register_buffer('mean', torch.tensor(px.CLIP_MEAN).view(1, 3, 1, 1))
        self.register_buffer('std', torch.tensor(px.CLIP_STD).view(1, 3, 1, 1))
        self.patch_embed = nn.Conv2d(3, width, patch_size, patch_size)
        self.pos_embed = nn.Parameter(torch.randn(1, width, max_grid, max_grid) * 0.1)
        self.cls_token = nn.Parameter(torch.randn(1, 1, width) * 0.1)
        self.blocks = nn.ModuleList(TimmBlock(width, heads) for _ in range(depth))

    def forward(self, x: torch.Tensor) -> RadioOutput:
        x = (x - self.mean) / self.std
        t = self.patch_embed(x)
        t = t + F.interpolate(self.pos_embed, size=t.shape[2:], mode='bilinear', align_corners=False)
        t = torch.cat([self.cls_token.expand(t.shape[0], -1, -1), t.flatten(2).transpose(1, 2)], dim=1)
        for b in self.blocks:
            t = b(t)
        return RadioOutput(t[:, 0], t[:, 1:])


class MLP2(nn.Module):
    def __init__(self, input_size: int, hidden_size: int, output_size: int, num_inner: int = 1):
        super().__init__()
        self.pre_norm = nn.Identity()
        self.fc1 = nn.Linear(input_size, hidden_size)
        self.blocks = nn.ModuleList(nn.Sequential(nn.LayerNorm(hidden_size), nn.GELU(), nn.Linear(hidden_size, hidden_size))
                                    for _ in range(num_inner))
        self.final = nn.Sequential(nn.LayerNorm(hidden_size), nn.GELU(), nn.Linear(hidden_size, output_size))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc1(self.pre_norm(x))
        for b in self.blocks:
            x = x + b(x)
        return self.final(x)


class TinyTextTower(nn.Module):
    def __init__(self, vocab: int = 64, context: int = 16, width: int = 32, heads: int = 4, depth: int = 2, out: int = 24):
        super().__init__()
        self.token_embedding = nn.Embedding(vocab, width)
        self.positional_embedding = nn.Parameter(torch.randn(context, width) * 0.1)
        self.blocks = nn.ModuleList(Block(width, heads) for _ in range(depth))
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Linear(width, out)

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.token_embedding(ids) + self.positional_embedding
        for b in self.blocks:
            x = b(x)
        return self.text_projection(self.ln_final(x)[:, -1])


class TinyVisual(nn.Module):
    def __init__(self, image_size: int, patch_size: int, width: int, heads: int, depth: int, out: int, batch_first: bool):
        super().__init__()
        grid = image_size // patch_size
        self.image_size, self.patch_size = (image_size, image_size), (patch_size, patch_size)  # open_clip: 2-tuples
        self.conv1 = nn.Conv2d(3, width, patch_size, patch_size, bias=False)
        self.class_embedding = nn.Parameter(torch.randn(width) * 0.1)
        self.positional_embedding = nn.Parameter(torch.randn(grid * grid + 1, width) * 0.1)
        self.ln_pre = nn.LayerNorm(width)
        self.transformer = nn.Module()
        self.transformer.resblocks = nn.ModuleList(Block(width, heads, batch_first) for _ in range(depth))
        self.ln_post = nn.LayerNorm(width)
        self.proj = nn.Parameter(torch.randn(width, out) * width ** -0.5)


class TinyClip(nn.Module):
    def __init__(self, image_size: int = 32, patch_size: int = 8, width: int = 32, heads: int = 4, depth: int = 3,
                 out: int = 24, vocab: int = 64, context: int = 12, batch_first: bool = True):
        super().__init__()
        self.visual = TinyVisual(image_size, patch_size, width, heads, depth, out, batch_first)
        self.token_embedding = nn.Embedding(vocab, width)
        self.positional_embedding = nn.Parameter(torch.randn(context, width) * 0.1)
        self.transformer = nn.ModuleList(Block(width, heads) for _ in range(2))
        self.ln_final = nn.LayerNorm(width)
        self.text_projection = nn.Parameter(torch.randn(width, out) * width ** -0.5)
        self.register_buffer('attn_mask', torch.full((context, context), float('-inf')).triu(1), persistent=False)

    def encode_text(self, ids: torch.Tensor) -> torch.Tensor:
        x = self.token_embedding(ids) + self.positional_embedding
        for b in self.transformer:
            x = b(x, attn_mask=self.attn_mask)
        x = self.ln_final(x)
        return x[torch.arange(x.shape[0]), ids.argmax(dim=-1)] @ self.text_projection


class ToyTokenizer:
    """Word-level tokenizer over open_clip's clean-ups (`siglip`: canonicalize(basic_clean(t)), as
    SigLipTokenizer; `clip`: whitespace_clean(basic_clean(t)).lower(), as SimpleTokenizer; basic_clean
    without ftfy: NFC and html.unescape twice), then words split on whitespace, ids from a fixed
    vocabulary (unk 2), end-of-text appended (kept on truncation), padded with `pad_id`. Saves an
    equivalent HF `tokenizer.json` (WordPiece over whole words, WhitespaceSplit) plus
    `tokenizer_config.json`, so PLAF-TS (cleaning as the manifest's `clean` says) gives the same ids."""

    WORDS = ['a', 'chair', 'photo', 'of', 'pillow', 'table', 'lamp', 'sofa', 'multiple', 'spaces', 'and', 'very', 'long']

    def __init__(self, context_length: int, pad_id: int, eos_id: int, vocab: int, clean: str = 'siglip'):
        self.context_length, self.pad_id, self.eos_id, self.clean = context_length, pad_id, eos_id, clean
        self.vocab = {w: 3 + i for i, w in enumerate(self.WORDS)}
        assert max(self.vocab.values()) < vocab and eos_id < vocab and clean in ('siglip', 'clip')

    def cleaned(self, text: str) -> str:
        t = unicodedata.normalize('NFC', html.unescape(html.unescape(text))).strip()
        if self.clean == 'siglip':
            t = t.replace('_', ' ').translate(str.maketrans('', '', string.punctuation)).lower()
            return ' '.join(t.split()).strip()
        return re.sub(r'\s+', ' ', t).strip().lower()

    def __call__(self, texts: list[str]) -> torch.Tensor:
        out = torch.full((len(texts), self.context_length), self.pad_id, dtype=torch.int64)
        for i, t in enumerate(texts):
            ids = [self.vocab.get(w, 2) for w in self.cleaned(t).split()]
            ids = ids[: self.context_length - 1] + [self.eos_id]
            out[i, : len(ids)] = torch.tensor(ids)
        return out

    def save(self, out_dir: Path) -> list[str]:
        # '</s>' at the eos id the ids use (CLIP-style exports put it last: 63 here), so the saved
        # tokenizer.json holds every id the tokenizer emits (PLAF-TS refuses an eos outside the vocabulary)
        vocab = {'<pad>': 0, '<unk>': 2, **self.vocab, '</s>': self.eos_id}
        tok = {
            'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': [],
            'normalizer': {'type': 'Lowercase'}, 'pre_tokenizer': {'type': 'WhitespaceSplit'},
            'post_processor': {'type': 'TemplateProcessing', 'single': [{'Sequence': {'id': 'A', 'type_id': 0}}, {'SpecialToken': {'id': '</s>', 'type_id': 0}}],
                               'pair': [], 'special_tokens': {'</s>': {'id': '</s>', 'ids': [self.eos_id], 'tokens': ['</s>']}}},
            # WordPiece over whole-word entries is word-level (no '##' pieces in the vocabulary), and it is
            # a model type both Hugging Face tokenizers and PLAF-TS's @huggingface/tokenizers implement
            'decoder': None, 'model': {'type': 'WordPiece', 'vocab': vocab, 'unk_token': '<unk>', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100},
        }
        (out_dir / 'tokenizer.json').write_text(json.dumps(tok))
        (out_dir / 'tokenizer_config.json').write_text(json.dumps({'model_max_length': self.context_length}))
        return ['tokenizer.json', 'tokenizer_config.json']


def seeded(seed: int = 0) -> None:
    torch.manual_seed(seed)
