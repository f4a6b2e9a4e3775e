"""export_clip on a test-sized open_clip-structured CLIP (random weights): the MaskCLIP value path
against a direct computation from the weights, both attention layouts, contract I/O of both
graphs, the manifest."""
from __future__ import annotations

import io
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from helpers import TinyClip, ToyTokenizer, seeded
import check
import export_clip
import plaf_export as px
import plaf_text as pt
from onnx_run import run_onnx

MEAN, STD = list(px.CLIP_MEAN), list(px.CLIP_STD)


def maskclip_by_hand(model: TinyClip, image: torch.Tensor) -> torch.Tensor:
    """MaskCLIP dense tokens written out from the weights: every block but the last as the model
    runs it; in the last, only ln_1 → value projection → out projection; then ln_post and proj."""
    v = model.visual
    width = v.class_embedding.shape[0]
    tokens = F.conv2d(image, v.conv1.weight, stride=v.conv1.stride).flatten(2)[0].T  # [n, width]
    x = torch.cat([v.class_embedding[None], tokens]) + v.positional_embedding
    x = F.layer_norm(x, (width,), v.ln_pre.weight, v.ln_pre.bias)[None]
    blocks = list(v.transformer.resblocks)
    for b in blocks[:-1]:
        x = b(x) if b.attn.batch_first else b(x.transpose(0, 1)).transpose(0, 1)
    last = blocks[-1]
    wq, wk, wv = last.attn.in_proj_weight.chunk(3)
    bq, bk, bv = last.attn.in_proj_bias.chunk(3)
    h = F.layer_norm(x[0], (width,), last.ln_1.weight, last.ln_1.bias)
    val = h @ wv.T + bv
    y = val @ last.attn.out_proj.weight.T + last.attn.out_proj.bias
    y = F.layer_norm(y, (width,), v.ln_post.weight, v.ln_post.bias) @ v.proj
    g = int(round((y.shape[0] - 1) ** 0.5))
    return y[1:].reshape(1, g, g, -1)


def export(model: TinyClip, out: Path, tok: ToyTokenizer) -> dict:
    export_clip.export_clip(
        model, out, name='openclip-tiny', version='1.0.0', space='openclip-tiny-none', licence='MIT',
        source={'repo': 'mlfoundations/open_clip', 'revision': 'tiny/none'}, description='test',
        image_size=32, patch_size=8, mean=MEAN, std=STD, tokenize=tok, save_tokenizer=tok.save,
        context_length=12, pad_id=0, eos_id=63, clean='clip')
    return px.read_manifest(out)


class ClipExportTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = Path(self.tmp.name)
        self.tok = ToyTokenizer(12, pad_id=0, eos_id=63, vocab=64, clean='clip')

    def tearDown(self):
        self.tmp.cleanup()

    def test_maskclip_path_against_a_direct_computation_in_both_attention_layouts(self):
        for batch_first in (True, False):
            with self.subTest(batch_first=batch_first):
                seeded(3)
                model = TinyClip(batch_first=batch_first).eval()
                out = self.out / str(batch_first)
                export(model, out, self.tok)
                image = torch.randn(1, 3, 32, 32)
                with torch.no_grad():
                    want = maskclip_by_hand(model, image)
                    wrapped = export_clip.MaskClipVision(model.visual)(image)
                got, _ = run_onnx(out / 'vision_32x32.onnx', {'image': image.numpy()})
                np.testing.assert_allclose(wrapped.numpy(), want.numpy(), atol=1e-5)
                np.testing.assert_allclose(got['features'], want.numpy(), atol=1e-5)

    def test_the_value_path_is_not_the_attention_output(self):
        # the same weights through the full last block (q·k attention, residual, MLP) differ
        seeded(3)
        model = TinyClip().eval()
        image = torch.randn(1, 3, 32, 32)
        with torch.no_grad():
            dense = export_clip.MaskClipVision(model.visual)(image)
            v = model.visual
            t = v.conv1(image).flatten(2).transpose(1, 2)
            t = v.ln_pre(torch.cat([v.class_embedding.expand(1, 1, -1), t], 1) + v.positional_embedding)
            for b in v.transformer.resblocks:
                t = b(t)
            full = (v.ln_post(t) @ v.proj)[:, 1:].reshape(dense.shape)
        self.assertGreater((dense - full).abs().max().item(), 0.1)

    def test_both_graphs_and_the_manifest(self):
        seeded(4)
        model = TinyClip().eval()
        m = export(model, self.out, self.tok)
        self.assertEqual((m['family'], m['licence']['id']), ('clip', 'MIT'))
        vg, tg = m['graphs']['vision'], m['graphs']['text']
        self.assertEqual([(t['name'], t['dtype'], t['shape'], t['role']) for t in vg['inputs']],
                         [('image', 'float32', [1, 3, 32, 32], 'image')])
        self.assertEqual([(t['name'], t['dtype'], t['shape'], t['role'], t['layout']) for t in vg['outputs']],
                         [('features', 'float32', [1, 4, 4, 24], 'features', 'nhwc')])
        self.assertEqual([(t['name'], t['dtype'], t['shape']) for t in tg['inputs']], [('input_ids', 'int64', ['B', 12])])
        self.assertEqual([(t['name'], t['dtype'], t['shape']) for t in tg['outputs']], [('text_embeds', 'float32', ['B', 24])])
        img = m['image']
        self.assertEqual((img['patch_size'], img['feature_dim'], img['embedding_space']), (8, 24, 'openclip-tiny-none'))
        self.assertEqual((img['preprocessing']['mean'], img['preprocessing']['std'], img['preprocessing']['input_size']), (MEAN, STD, [32, 32]))
        self.assertEqual(m['text']['embedding_space'], img['embedding_space'])
        self.assertEqual(m['text']['tokenizer']['eos_id'], 63)
        self.assertIs(m['text']['tokenizer']['keep_eos_on_truncate'], True)
        self.assertEqual(sorted(f['path'] for f in m['files']),
                         ['text.onnx', 'tokenizer.json', 'tokenizer_config.json', 'tokens.json', 'vision_32x32.onnx'])
        self.assertEqual(px.verify_files(self.out), [])
        # argmax pooling picks the end-of-text token (id 63, the largest) as open_clip does
        ids = self.tok(['a chair'])
        got, _ = run_onnx(self.out / 'text.onnx', {'input_ids': ids.numpy()})
        with torch.no_grad():
            x = model.token_embedding(ids) + model.positional_embedding
            for b in model.transformer:
                x = b(x, attn_mask=model.attn_mask)
            want = F.normalize(model.ln_final(x)[0, 2] @ model.text_projection, dim=-1)
        np.testing.assert_allclose(got['text_embeds'][0], want.numpy(), atol=1e-5)
        with redirect_stdout(io.StringIO()) as log:
            modules = {'vision': export_clip.MaskClipVision(model.visual), 'text': pt.TextTower(model)}
            self.assertEqual(check.check_model(self.out, modules), 0, log.getvalue())

    def test_batch_first_attention_exports_and_weights_keep_their_requires_grad(self):
        # nn.MultiheadAttention's eval fast path has no ONNX symbolic; the exporter avoids it
        seeded(6)
        model = TinyClip(batch_first=True).eval()
        for p in model.parameters():
            p.requires_grad_(False)
        files = px.export_onnx(export_clip.MaskClipVision(model.visual), (torch.randn(1, 3, 32, 32),),
                               self.out / 'v.onnx', ['image'], ['features'])
        self.assertEqual(files, ['v.onnx'])
        self.assertFalse(any(p.requires_grad for p in model.parameters()))
        self.assertTrue(torch.is_grad_enabled())

    def test_image_and_text_dims_must_agree(self):
        seeded(5)
        model = TinyClip().eval()
        model.text_projection = torch.nn.Parameter(torch.randn(32, 16))
        with self.assertRaisesRegex(px.ExportError, 'image features are 24-d but text embeddings 16-d'):
            export(model, self.out, self.tok)


if __name__ == '__main__':
    unittest.main()
