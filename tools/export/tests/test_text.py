"""export_siglip_text on a test-sized SigLIP-like text tower (last-token pooling, no causal mask,
random weights) with a word-level tokenizer: contract I/O, symbolic batch, normalised embeddings,
tokenizer settings read from the tokenizer, golden ids, the manifest against the files."""
from __future__ import annotations

import hashlib
import io
import json
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import torch

from helpers import TinyTextTower, ToyTokenizer, seeded
import check
import export_siglip_text
import plaf_export as px
import plaf_text as pt
from onnx_run import run_onnx

CONTEXT = 16


class SiglipTextExportTest(unittest.TestCase):
    # one export for the class, in model/; no test changes its files, scratch work goes beside it
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = Path(cls.tmp.name) / 'model'
        cls.out.mkdir()
        seeded(2)
        cls.encoder = TinyTextTower(context=CONTEXT).eval()
        cls.tower = pt.TextTower(cls.encoder).eval()
        cls.tok = ToyTokenizer(CONTEXT, pad_id=1, eos_id=1, vocab=64)
        export_siglip_text.export_text(
            cls.tower, cls.out, name='siglip-tiny-text', version='1.0.0', family='siglip-text', licence='Apache-2.0',
            source={'repo': 'mlfoundations/open_clip', 'revision': 'tiny/none'}, description='test',
            tokenize=cls.tok, save_tokenizer=cls.tok.save, context_length=CONTEXT, pad_id=1, eos_id=1,
            clean='siglip', space='siglip-so400m-patch14-384', logit_scale=10.0, logit_bias=-10.0)
        cls.manifest = px.read_manifest(cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scratch(self, name: str) -> Path:
        d = Path(self.tmp.name) / name
        d.mkdir(exist_ok=True)
        return d

    def test_graph_io_is_the_contract(self):
        g = self.manifest['graphs']['text']
        self.assertEqual(g['file'], 'text.onnx')
        self.assertEqual([(t['name'], t['dtype'], t['shape'], t['role']) for t in g['inputs']],
                         [('input_ids', 'int64', ['B', CONTEXT], 'input_ids')])
        self.assertEqual([(t['name'], t['dtype'], t['shape'], t['role']) for t in g['outputs']],
                         [('text_embeds', 'float32', ['B', 24], 'text_embeds')])

    def test_text_section(self):
        m = self.manifest
        self.assertEqual((m['family'], m['licence']['id'], m['licence']['commercial_use']), ('siglip-text', 'Apache-2.0', True))
        t = m['text']
        self.assertEqual((t['embedding_space'], t['feature_dim'], t['logit_scale'], t['logit_bias']),
                         ('siglip-so400m-patch14-384', 24, 10.0, -10.0))
        self.assertEqual(t['tokenizer'], {'file': 'tokenizer.json', 'config_file': 'tokenizer_config.json',
                                          'context_length': CONTEXT, 'pad_id': 1, 'clean': 'siglip',
                                          'keep_eos_on_truncate': True, 'eos_id': 1})

    def test_keep_eos_on_truncate_comes_from_the_tokenizer(self):
        class Cuts(ToyTokenizer):  # truncates without keeping the end-of-text id
            def __call__(self, texts):
                ids = super().__call__(texts)
                long = [i for i, t in enumerate(texts) if len(t.split()) >= CONTEXT]
                ids[long, -1] = 5
                return ids
        tok = Cuts(CONTEXT, pad_id=1, eos_id=1, vocab=64)
        _, _, info = pt.text_part(self.tower, self.scratch('cut'), tokenize=tok, save_tokenizer=tok.save,
                                  context_length=CONTEXT, pad_id=1, eos_id=1, clean='siglip', space='s')
        self.assertIs(info['tokenizer']['keep_eos_on_truncate'], False)

    def test_onnx_equals_torch_for_any_batch_and_is_normalised(self):
        ids = self.tok(pt.GOLDEN_TEXTS)
        for batch in (ids[:1], ids):
            got, _ = run_onnx(self.out / 'text.onnx', {'input_ids': batch.numpy()})
            with torch.no_grad():
                want = torch.nn.functional.normalize(self.encoder.encode_text(batch), dim=-1)
            np.testing.assert_allclose(got['text_embeds'], want.numpy(), atol=1e-5)
            np.testing.assert_allclose(np.linalg.norm(got['text_embeds'], axis=1), 1, atol=1e-5)

    def test_golden_tokens_and_files(self):
        golden = json.loads((self.out / 'tokens.json').read_text())
        self.assertEqual(golden['texts'], pt.GOLDEN_TEXTS)
        self.assertEqual(golden['input_ids'], self.tok(pt.GOLDEN_TEXTS).tolist())
        self.assertEqual(golden['input_ids'][1][:5], [3, 5, 6, 3, 4])  # 'A Photo of a CHAIR.' → a photo of a chair
        files = {f['path']: f for f in self.manifest['files']}
        self.assertEqual(set(files), {'text.onnx', 'tokens.json', 'tokenizer.json', 'tokenizer_config.json'})
        self.assertEqual(set(files) | {'plaf-model.json'}, {p.name for p in self.out.iterdir()})
        for path, f in files.items():
            self.assertEqual(f['sha256'], hashlib.sha256((self.out / path).read_bytes()).hexdigest())

    def test_check_passes_on_the_honest_export(self):
        with redirect_stdout(io.StringIO()) as out:
            self.assertEqual(check.check_model(self.out, {'text': self.tower}), 0)
        self.assertIn('ok   text.text_embeds', out.getvalue())

    def test_a_tokenizer_that_does_not_fit_the_context_is_refused(self):
        with self.assertRaisesRegex(px.ExportError, r'expected int64 \[11, 8\]'):
            pt.text_part(self.tower, self.scratch('x'), tokenize=self.tok, save_tokenizer=self.tok.save,
                         context_length=8, pad_id=1, eos_id=1, clean='siglip', space='s')

    def test_a_pad_id_the_tokenizer_does_not_use_is_refused(self):
        with self.assertRaisesRegex(px.ExportError, r"pad_id 0 is not what the tokenizer pads with \(1\): 'a chair' → \[3, 4, 1, 1,"):
            pt.text_part(self.tower, self.scratch('x'), tokenize=self.tok, save_tokenizer=self.tok.save,
                         context_length=CONTEXT, pad_id=0, eos_id=1, clean='siglip', space='s')

    def test_hf_saver_keeps_only_what_the_manifest_lists(self):
        class SavesLikeT5:  # what T5TokenizerFast.save_pretrained writes
            def save_pretrained(self, d):
                for f in ('tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'spiece.model'):
                    Path(d, f).write_text('{}')
        d = self.scratch('hf')
        (d / 'text.onnx').write_text('kept')
        self.assertEqual(pt.hf_saver(SavesLikeT5())(d), ['tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'])
        self.assertEqual(sorted(p.name for p in d.iterdir()),
                         ['special_tokens_map.json', 'text.onnx', 'tokenizer.json', 'tokenizer_config.json'])


if __name__ == '__main__':
    unittest.main()
