"""The exporters' and check.py's command lines end to end, with only the real-weight loaders
replaced by test-sized models of the same structure (the weights cannot be downloaded here)."""
from __future__ import annotations

import io
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path
from unittest import mock

from helpers import MLP2, TinyClip, TinyRadio, TinyTextTower, ToyTokenizer, seeded
import check
import export_clip
import export_radio
import export_siglip_text
import plaf_export as px
import plaf_text as pt


class HfLike(ToyTokenizer):
    """ToyTokenizer behind the attributes the exporters read from open_clip / HF tokenizers."""

    def __init__(self, context_length: int, pad_id: int, eos_id: int):
        super().__init__(context_length, pad_id, eos_id, vocab=64)
        outer = self

        class Hf:
            pad_token_id, eos_token_id = pad_id, eos_id

            def save_pretrained(self, d):
                outer.save(Path(d))
                Path(d, 'spiece.model').write_bytes(b'not kept')
        self.tokenizer = Hf()


def run(main, argv) -> tuple[int, str]:
    with redirect_stdout(io.StringIO()) as out:
        code = main(argv)
    return code, out.getvalue()


class CliTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def test_export_radio_then_check(self):
        seeded(20)
        vision = export_radio.RadioVision(TinyRadio(patch_size=16), MLP2(32, 48, 40), 16).eval()
        out = self.dir / 'c-radio'
        with mock.patch.object(export_radio, 'load_radio', return_value=vision) as load:
            code, log = run(export_radio.main, ['--version', 'c-radio_v3-b', '--resolution', '64x96', '--out', str(out)])
        self.assertEqual(code, 0, log)
        load.assert_called_once_with('c-radio_v3-b', 'cpu', False)
        self.assertIn('ok   vision.features', log)
        m = px.read_manifest(out)
        self.assertEqual((m['name'], m['version'], m['licence']['id'], m['licence']['commercial_use']),
                         ('c-radio-v3-b-64x96', '1.0.0', 'NVIDIA-Open-Model-License', True))
        self.assertEqual((m['source']['revision'], m['image']['embedding_space']), ('c-radio_v3-b', 'siglip2-g'))
        self.assertEqual(m['graphs']['vision']['outputs'][0]['shape'], [1, 4, 6, 40])
        with mock.patch.object(export_radio, 'load_radio', return_value=vision) as load:
            code, log = run(check.main, [str(out)])
        self.assertEqual(code, 0, log)
        load.assert_called_once_with('c-radio_v3-b', 'cpu', False)
        # a refused export is one line and exit 1, not a traceback
        with mock.patch('sys.argv', ['export_radio.py', '--version', 'c-radio_v3-b', '--out', str(out)]), \
                mock.patch('sys.stderr', io.StringIO()) as err, self.assertRaises(SystemExit) as exit_:
            px.run_cli(export_radio.main)
        self.assertEqual(exit_.exception.code, 1)
        self.assertEqual(err.getvalue(), f'error: {out} exists and is not empty (pass --force to replace it)\n')

    def test_export_siglip_text_then_check(self):
        seeded(21)
        tower = pt.TextTower(TinyTextTower(context=64)).eval()
        tok = HfLike(64, pad_id=1, eos_id=1)
        out = self.dir / 'siglip'
        with mock.patch.object(export_siglip_text, 'load_open_clip', return_value=(tower, tok, 117.3, -12.9)) as load:
            code, log = run(export_siglip_text.main, ['--out', str(out)])
        self.assertEqual(code, 0, log)
        load.assert_called_once_with('ViT-SO400M-14-SigLIP-384', 'webli', 'cpu')
        m = px.read_manifest(out)
        self.assertEqual((m['name'], m['family'], m['source']['revision']), ('siglip-so400m-text', 'siglip-text', 'ViT-SO400M-14-SigLIP-384/webli'))
        t = m['text']
        self.assertEqual((t['embedding_space'], t['logit_scale'], t['logit_bias']), ('siglip-so400m-patch14-384', 117.3, -12.9))
        self.assertEqual(t['tokenizer'], {'file': 'tokenizer.json', 'config_file': 'tokenizer_config.json', 'context_length': 64,
                                          'pad_id': 1, 'clean': 'siglip', 'keep_eos_on_truncate': True, 'eos_id': 1})
        self.assertEqual(m['graphs']['text']['inputs'][0]['shape'], ['B', 64])
        self.assertFalse((out / 'spiece.model').exists())
        with mock.patch.object(export_siglip_text, 'load_open_clip', return_value=(tower, tok, None, None)):
            code, log = run(check.main, [str(out)])
        self.assertEqual(code, 0, log)
        self.assertIn('ok   text.text_embeds', log)

    def test_export_clip_then_check(self):
        seeded(22)
        model = TinyClip().eval()
        tok = ToyTokenizer(12, pad_id=0, eos_id=63, vocab=64, clean='clip')
        tok.eot_token_id = 63
        out = self.dir / 'clip'
        with mock.patch.object(export_clip, 'load_open_clip', return_value=(model, tok, tok.save)):
            code, log = run(export_clip.main, ['--arch', 'ViT-B-16', '--pretrained', 'openai', '--out', str(out)])
        self.assertEqual(code, 0, log)
        m = px.read_manifest(out)
        self.assertEqual((m['name'], m['licence']['id'], m['image']['embedding_space']), ('openclip-vit-b-16-openai', 'MIT', 'openclip-vit-b-16-openai'))
        self.assertEqual((m['image']['patch_size'], m['image']['preprocessing']['input_size']), (8, [32, 32]))
        self.assertEqual((m['text']['tokenizer']['pad_id'], m['text']['tokenizer']['eos_id']), (0, 63))
        with mock.patch.object(export_clip, 'load_open_clip', return_value=(model, tok, tok.save)):
            code, log = run(check.main, [str(out)])
        self.assertEqual(code, 0, log)
        self.assertEqual(log.count('ok  '), 2)

    def test_a_loader_failure_is_one_clear_line(self):
        def offline(*a, **k):
            raise OSError('Name or service not known')
        with mock.patch('torch.hub.load', offline), mock.patch('sys.argv', ['export_radio.py', '--out', str(self.dir / 'r')]), \
                mock.patch('sys.stderr', io.StringIO()) as err, self.assertRaises(SystemExit) as exit_:
            px.run_cli(export_radio.main)
        self.assertEqual(exit_.exception.code, 1)
        self.assertRegex(err.getvalue(), r'^error: could not load RADIO radio_v2\.5-b with its siglip adaptor through torch\.hub '
                                         r'\(NVlabs/RADIO\): OSError: Name or service not known\. It needs network access')

    def test_check_refuses_a_family_it_did_not_write(self):
        (self.dir / 'plaf-model.json').write_text('{"family": "sam", "files": []}')
        with mock.patch('sys.stderr', io.StringIO()) as err, self.assertRaises(SystemExit):
            check.main([str(self.dir)])
        self.assertIn('family sam was not written by these exporters', err.getvalue())


if __name__ == '__main__':
    unittest.main()
