"""check.py fails when the ONNX file differs from the PyTorch module (a perturbed weight, a
changed file), passes when they agree; its comparison and inputs; the ONNX runtime choice."""
from __future__ import annotations

import io
import os
import tempfile
import unittest
from contextlib import redirect_stdout
from pathlib import Path
from unittest import mock

import numpy as np
import onnx
from onnx import numpy_helper

import helpers  # noqa: F401  (puts tools/export on sys.path)
import check
import onnx_run
import plaf_export as px
from test_radio import export, tiny_vision


def perturb_largest_weight(path: Path, factor: float) -> str:
    """Scales the largest initializer of the ONNX file in place; returns its name."""
    model = onnx.load(str(path))
    init = max(model.graph.initializer, key=lambda t: int(np.prod(t.dims)))
    arr = numpy_helper.to_array(init) * np.float32(factor)
    init.CopyFrom(numpy_helper.from_array(arr.astype(np.float32), init.name))
    onnx.save_model(model, str(path))
    return init.name


def rehash(model_dir: Path) -> None:
    m = px.read_manifest(model_dir)
    files = [f['path'] for f in m.pop('files')]
    m.pop('format')
    px.write_manifest(model_dir, m, files)


class CheckFailsWhenTheOnnxDiffers(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.out = Path(self.tmp.name)
        self.vision = tiny_vision()
        export(self.vision, self.out)
        self.onnx = self.out / 'vision_32x48.onnx'

    def tearDown(self):
        self.tmp.cleanup()

    def run_check(self) -> tuple[int, str]:
        with redirect_stdout(io.StringIO()) as out:
            code = check.check_model(self.out, {'vision': self.vision})
        return code, out.getvalue()

    def test_honest_export_passes_with_small_differences(self):
        code, log = self.run_check()
        self.assertEqual(code, 0, log)
        self.assertNotIn('FAIL', log)

    def test_a_perturbed_weight_fails_on_the_numbers(self):
        perturb_largest_weight(self.onnx, 1.05)
        rehash(self.out)  # the hashes match again: only the comparison can catch it
        self.assertEqual(px.verify_files(self.out), [])
        code, log = self.run_check()
        self.assertEqual(code, 1, log)
        self.assertRegex(log, r'FAIL vision\.\w+ \(\w+\): max abs diff .*relative max difference')

    def test_a_changed_file_fails_on_its_hash(self):
        perturb_largest_weight(self.onnx, 1.05)
        code, log = self.run_check()
        self.assertEqual(code, 1)
        self.assertIn('vision_32x48.onnx: sha256 differs from the manifest', log)

    def test_the_pytorch_side_changing_fails_too(self):
        with torch_no_grad():
            self.vision.head_mlp.final[2].bias.add_(0.5)
        code, log = self.run_check()
        self.assertEqual(code, 1)
        self.assertIn('FAIL vision.features', log)
        self.assertIn('ok   vision.backbone_features', log)


def torch_no_grad():
    import torch
    return torch.no_grad()


class CompareTest(unittest.TestCase):
    def setUp(self):
        self.ref = np.random.default_rng(0).normal(size=(4, 5, 8)).astype(np.float32)

    def test_equal_and_nearly_equal_pass(self):
        r = check.compare(self.ref, self.ref, 1e-3, 0.999)
        self.assertEqual((r['ok'], r['max_abs_diff'], r['min_cosine'] > 0.999999), (True, 0.0, True))
        r = check.compare(self.ref, self.ref + 1e-5, 1e-3, 0.999)
        self.assertTrue(r['ok'])
        self.assertAlmostEqual(r['max_abs_diff'], 1e-5, places=6)

    def test_scale_fails_on_the_difference_and_a_flipped_row_on_the_cosine(self):
        r = check.compare(self.ref, self.ref * 1.01, 1e-3, 0.999)
        self.assertFalse(r['ok'])
        self.assertGreater(r['min_cosine'], 0.9999)  # a uniform scale keeps every cosine at 1
        flipped = self.ref.copy()
        flipped[1, 2] = -flipped[1, 2]
        r = check.compare(self.ref, flipped, 10.0, 0.999)  # huge rtol: only the cosine can fail it
        self.assertFalse(r['ok'])
        self.assertAlmostEqual(r['min_cosine'], -1.0, places=5)

    def test_shape_mismatch(self):
        r = check.compare(self.ref, self.ref[:, :4], 1e-3, 0.999)
        self.assertFalse(r['ok'])
        self.assertIn('shape [4, 4, 8] differs from PyTorch [4, 5, 8]', r['why'])

    def test_image_feed_follows_the_manifest(self):
        m = {'image': {'preprocessing': {'input_size': [16, 24], 'scale': 1 / 255, 'mean': [0.5, 0.5, 0.5],
                                         'std': [0.25, 0.25, 0.25], 'channel_order': 'rgb'}}}
        img = np.full((8, 12, 3), 255, np.uint8)
        img[..., 1] = 0
        x = check.image_feed(m, img)
        self.assertEqual((x.shape, x.dtype), ((1, 3, 16, 24), np.float32))
        np.testing.assert_allclose(x[0, :, 5, 7], [2.0, -2.0, 2.0], atol=1e-6)
        m['image']['preprocessing']['channel_order'] = 'bgr'
        img[..., 2] = 51
        np.testing.assert_allclose(check.image_feed(m, img)[0, :, 0, 0], [-1.2, -2.0, 2.0], atol=1e-5)


class RuntimeChoiceTest(unittest.TestCase):
    def test_forced_runtime_must_be_known(self):
        with mock.patch.dict(os.environ, {'PLAF_ONNX_RUNTIME': 'tensorrt'}):
            with self.assertRaisesRegex(onnx_run.RuntimeUnavailable, 'expected one of onnxruntime, reference, node'):
                onnx_run.available_runtime()

    def test_some_runtime_is_available_here(self):
        name, skipped = onnx_run.available_runtime()
        self.assertIn(name, onnx_run.RUNTIMES)
        self.assertEqual(len(skipped), onnx_run.RUNTIMES.index(name) if 'PLAF_ONNX_RUNTIME' not in os.environ else 1)


if __name__ == '__main__':
    unittest.main()
