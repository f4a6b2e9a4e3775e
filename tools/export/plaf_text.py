"""Text towers for the PLAF-TS export tools: the `TextTower` wrapper, the text graph export with
golden token ids, the manifest's `text` section and saving a Hugging Face tokenizer.

Shared by export_siglip_text.py (SigLIP, RADIO adaptors' text towers) and export_clip.py.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import torch
import torch.nn.functional as F

from plaf_export import ExportError, export_onnx, graph_entry


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
    short = tokenize(GOLDEN_TEXTS[:1])[0]  # 'a chair': a few ids, then padding
    if int(short[-1]) != pad_id:
        raise ExportError(f'pad_id {pad_id} is not what the tokenizer pads with ({int(short[-1])}): {GOLDEN_TEXTS[0]!r} → {short.tolist()}')
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
