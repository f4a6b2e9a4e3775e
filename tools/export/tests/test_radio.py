"""export_radio on a test-sized RADIO (same structure, random weights): contract I/O, the language
head on every patch token, the manifest against the files, external data, refusals."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import numpy as np
import onnx
import torch

from helpers import MLP2, TinyRadio, seeded
import check
import export_radio
import plaf_export as px
from onnx_run import run_onnx

SOURCE = {'repo': 'NVlabs/RADIO', 'revision': 'radio_v2.5-b'}


def tiny_vision(patch: int = 8) -> export_radio.RadioVision:
    seeded(1)
    return export_radio.RadioVision(TinyRadio(patch_size=patch), MLP2(32, 48, 40, num_inner=2), patch).eval()


def export(vision, out: Path, resolution=(32, 48), **kw) -> dict:
    export_radio.export_vision(vision, out, name='radio-tiny', version='1.0.0', resolution=resolution,
                               licence='NSCL-RADIO', space='siglip-so400m-patch14-384', source=SOURCE,
                               description='test', **kw)
    return px.read_manifest(out)


class RadioExportTest(unittest.TestCase):
    # one export for the class; tests that change files work on a copy
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory()
        cls.out = Path(cls.tmp.name) / 'radio'
        cls.vision = tiny_vision()
        cls.manifest = export(cls.vision, cls.out)

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def scratch(self, name: str) -> Path:
        return Path(self.tmp.name) / name

    def test_graph_io_is_the_contract(self):
        g = self.manifest['graphs']['vision']
        self.assertEqual(g['file'], 'vision_32x48.onnx')
        self.assertEqual([(t['name'], t['dtype'], t['shape'], t['role']) for t in g['inputs']],
                         [('image', 'float32', [1, 3, 32, 48], 'image')])
        self.assertEqual([(t['name'], t['dtype'], t['shape'], t['role'], t['layout']) for t in g['outputs']],
                         [('features', 'float32', [1, 4, 6, 40], 'features', 'nhwc'),
                          ('backbone_features', 'float32', [1, 4, 6, 32], 'backbone_features', 'nhwc')])
        # the file itself, read independently of plaf_export.graph_io
        m = onnx.load(str(self.out / g['file']))
        self.assertEqual(m.opset_import[0].version, 17)
        self.assertEqual([i.name for i in m.graph.input], ['image'])
        self.assertEqual([o.name for o in m.graph.output], ['features', 'backbone_features'])

    def test_image_section_and_licence(self):
        m = self.manifest
        self.assertEqual((m['format'], m['family'], m['name'], m['version']), (1, 'radio', 'radio-tiny', '1.0.0'))
        self.assertEqual(m['licence']['id'], 'NSCL-RADIO')
        self.assertIs(m['licence']['commercial_use'], False)
        img = m['image']
        self.assertEqual((img['patch_size'], img['feature_dim'], img['backbone_dim']), (8, 40, 32))
        self.assertEqual(img['embedding_space'], 'siglip-so400m-patch14-384')
        pre = img['preprocessing']
        self.assertEqual((pre['input_size'], pre['resize'], pre['mean'], pre['std'], pre['channel_order']),
                         ([32, 48], 'squash', [0, 0, 0], [1, 1, 1], 'rgb'))
        self.assertAlmostEqual(pre['scale'], 1 / 255)

    def test_features_are_head_mlp_on_every_patch_token(self):
        x = torch.rand(1, 3, 32, 48)
        with torch.no_grad():
            tokens = self.vision.radio(x).features  # [1, 24, 32], row-major over the 4×6 grid
            want = torch.stack([self.vision.head_mlp(tokens[0, i]) for i in range(24)]).reshape(1, 4, 6, 40)
        got, _ = run_onnx(self.out / 'vision_32x48.onnx', {'image': x.numpy()})
        np.testing.assert_allclose(got['features'], want.numpy(), atol=1e-5, rtol=1e-4)
        np.testing.assert_allclose(got['backbone_features'], tokens.reshape(1, 4, 6, 32).numpy(), atol=1e-5, rtol=1e-4)

    def test_normalisation_happens_inside_the_graph(self):
        # the manifest says mean 0 / std 1 because the graph applies CLIP mean/std itself
        x = torch.rand(1, 3, 32, 48)
        got, _ = run_onnx(self.out / 'vision_32x48.onnx', {'image': x.numpy()})
        seeded(1)
        bare = TinyRadio()
        bare.load_state_dict(self.vision.radio.state_dict())
        bare.mean.zero_()
        bare.std.fill_(1)
        with torch.no_grad():
            unnormalised = bare(x).features.reshape(1, 4, 6, 32).numpy()
        self.assertGreater(np.abs(got['backbone_features'] - unnormalised).max(), 1e-2)

    def test_manifest_lists_every_file_with_its_hash(self):
        files = {f['path']: f for f in self.manifest['files']}
        self.assertEqual(set(files), {'vision_32x48.onnx', 'adaptor.onnx'})
        self.assertEqual(sorted(p.name for p in self.out.iterdir()), ['adaptor.onnx', 'plaf-model.json', 'vision_32x48.onnx'])
        for path, f in files.items():
            data = (self.out / path).read_bytes()
            self.assertEqual(f['sha256'], hashlib.sha256(data).hexdigest())
            self.assertEqual(f['bytes'], len(data))
        self.assertEqual(px.verify_files(self.out), [])
        copy = self.scratch('changed')
        shutil.copytree(self.out, copy)
        with open(copy / 'vision_32x48.onnx', 'ab') as fh:
            fh.write(b'\0')
        n = files['vision_32x48.onnx']['bytes']
        self.assertEqual(px.verify_files(copy), [f'vision_32x48.onnx: {n + 1} bytes, manifest says {n}'])

    def test_check_passes_on_the_honest_export(self):
        with redirect_stdout(io.StringIO()) as out:
            self.assertEqual(check.check_model(self.out, export_radio.graph_modules(self.vision, self.manifest)), 0)
        self.assertRegex(out.getvalue(), r'ok   vision\.features \(\w+\): max abs diff')
        self.assertIn('ok   vision.backbone_features', out.getvalue())
        self.assertIn('ok   adaptor.features', out.getvalue())

    def test_adaptor_graph_is_the_head_alone_on_rows(self):
        g = self.manifest['graphs']['adaptor']
        self.assertEqual(g['file'], 'adaptor.onnx')
        self.assertEqual([(t['name'], t['dtype'], t['shape'], t['role']) for t in g['inputs']],
                         [('backbone_features', 'float32', ['N', 32], 'backbone_features')])
        self.assertEqual([(t['name'], t['dtype'], t['shape'], t['role']) for t in g['outputs']],
                         [('features', 'float32', ['N', 40], 'features')])
        # any number of rows; each row is head_mlp of it, computed row by row here
        for n in (1, 7, 300):
            rows = torch.randn(n, 32) * 3
            got, _ = run_onnx(self.out / 'adaptor.onnx', {'backbone_features': rows.numpy()})
            with torch.no_grad():
                want = torch.stack([self.vision.head_mlp(r) for r in rows])
            np.testing.assert_allclose(got['features'], want.numpy(), atol=1e-5, rtol=1e-4)

    def test_adaptor_on_the_backbone_tokens_gives_the_vision_features(self):
        # the two graphs agree: vision.features = adaptor(vision.backbone_features), token by token
        x = torch.rand(1, 3, 32, 48)
        vis, _ = run_onnx(self.out / 'vision_32x48.onnx', {'image': x.numpy()})
        rows, _ = run_onnx(self.out / 'adaptor.onnx', {'backbone_features': vis['backbone_features'].reshape(24, 32)})
        np.testing.assert_allclose(rows['features'].reshape(1, 4, 6, 40), vis['features'], atol=1e-5, rtol=1e-4)
        # and the head is nonlinear: the head of a mean is not the mean of the heads
        mean_then_head, _ = run_onnx(self.out / 'adaptor.onnx', {'backbone_features': vis['backbone_features'].reshape(24, 32).mean(0, keepdims=True)})
        self.assertGreater(np.abs(mean_then_head['features'][0] - vis['features'].reshape(24, 40).mean(0)).max(), 1e-2)

    def test_no_separate_adaptor_writes_the_vision_graph_only(self):
        m = export(self.vision, self.scratch('baked'), separate_adaptor=False)
        self.assertEqual(list(m['graphs']), ['vision'])
        self.assertEqual([f['path'] for f in m['files']], ['vision_32x48.onnx'])
        self.assertEqual(list(export_radio.graph_modules(self.vision, m)), ['vision'])

    def test_external_data_for_large_models(self):
        out = self.scratch('ext')
        m = export(self.vision, out, external_data=True)
        self.assertEqual([f['path'] for f in m['files']], ['vision_32x48.onnx', 'vision_32x48.onnx_data', 'adaptor.onnx'])
        graph = onnx.load(str(out / 'vision_32x48.onnx'), load_external_data=False).graph
        self.assertTrue(graph.initializer)
        big = [t for t in graph.initializer if np.prod(t.dims) * 4 >= 1024]
        self.assertTrue(big)
        self.assertTrue(all(t.data_location == onnx.TensorProto.EXTERNAL for t in big))
        weights = sum(p.numel() * 4 for p in self.vision.parameters())
        self.assertGreaterEqual((out / 'vision_32x48.onnx_data').stat().st_size, weights * 0.9)
        x = torch.rand(1, 3, 32, 48)
        a, _ = run_onnx(out / 'vision_32x48.onnx', {'image': x.numpy()})
        b, _ = run_onnx(self.out / 'vision_32x48.onnx', {'image': x.numpy()})
        np.testing.assert_array_equal(a['features'], b['features'])

    def test_other_resolutions_and_patch_sizes(self):
        vision = tiny_vision(patch=16)
        m = export(vision, self.scratch('p16'), resolution=(64, 64))
        self.assertEqual(m['graphs']['vision']['outputs'][0]['shape'], [1, 4, 4, 40])
        self.assertEqual(m['image']['patch_size'], 16)
        with self.assertRaisesRegex(px.ExportError, 'not a multiple of the patch size 16'):
            export(vision, self.scratch('bad'), resolution=(64, 72))

    def test_default_names(self):
        self.assertEqual(export_radio.default_name('radio_v2.5-b', 512, 512), 'radio-v2.5-b')
        self.assertEqual(export_radio.default_name('c-radio_v3-l', 768, 1024), 'c-radio-v3-l-768x1024')
        self.assertEqual(export_radio.VERSIONS['c-radio_v3-b']['licence'], 'NVIDIA-Open-Model-License')
        self.assertEqual(export_radio.VERSIONS['c-radio_v3-b']['space'], 'siglip2-g')
        self.assertEqual(export_radio.VERSIONS['radio_v2.5-h']['licence'], 'NSCL-RADIO')

    def test_cli_refuses_fp16_on_the_cpu_and_a_full_output_folder(self):
        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()) as err, self.assertRaises(SystemExit):
            export_radio.main(['--out', str(self.scratch('x')), '--fp16'])
        self.assertIn('--fp16 needs --device cuda', err.getvalue())
        with self.assertRaisesRegex(px.ExportError, 'not empty'):
            px.fresh_dir(self.out, force=False)


class ContractTest(unittest.TestCase):
    def test_a_wrapper_that_breaks_the_contract_never_reaches_a_manifest(self):
        real = [{'name': 'features', 'dtype': 'float32', 'shape': [1, 4, 4, 40]}]
        with self.assertRaisesRegex(px.ExportError, r'shape \[1, 4, 4, 40\], the contract says \[1, 4, 6, 40\]'):
            px.tensor_specs(real, {'features': {}}, {'features': [1, 4, 6, 40]}, 'v.onnx')
        with self.assertRaisesRegex(px.ExportError, 'does not name'):
            px.tensor_specs(real, {'feats': {}}, None, 'v.onnx')
        with self.assertRaisesRegex(px.ExportError, 'lacks'):
            px.tensor_specs(real, {'features': {}, 'backbone_features': {}}, None, 'v.onnx')

    def test_write_manifest_refuses_unlisted_graph_files(self):
        with tempfile.TemporaryDirectory() as d:
            (Path(d) / 'a.onnx').write_bytes(b'x')
            with self.assertRaisesRegex(px.ExportError, 'not in its file list'):
                px.write_manifest(Path(d), {'graphs': {'vision': {'file': 'a.onnx'}}}, [])
            path = px.write_manifest(Path(d), {'graphs': {'vision': {'file': 'a.onnx'}}}, ['a.onnx'])
            self.assertEqual(json.loads(path.read_text())['files'],
                             [{'path': 'a.onnx', 'sha256': hashlib.sha256(b'x').hexdigest(), 'bytes': 1}])


if __name__ == '__main__':
    unittest.main()
