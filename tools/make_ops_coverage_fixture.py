"""Run once with real Keras 3 (jax backend): the keras.ops / keras.tree names minikeras added.

    KERAS_BACKEND=jax /work/scratch-keras/bin/python tools/make_ops_coverage_fixture.py

Writes tests/fixtures/ops_coverage.npz: for each case its input arrays, Keras's outputs and
their dtypes, and a JSON table of the calls (op path, arguments, keyword arguments).
tests/ops/test_ops_coverage_fixture.py replays every call on minikeras; it never imports
Keras. Inputs are float32 / int32 (the dtypes a Keras user has by default).
"""
import json
import pathlib

import keras
import numpy as np

OUT = pathlib.Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "ops_coverage.npz"
rng = np.random.default_rng(2026)


def f32(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape).astype("float32")


def i32(*values):
    return np.array(values, dtype="int32")


with_nan = f32(3, 4)
with_nan[0, 1] = with_nan[2, 3] = with_nan[1, 0] = np.nan
spd = f32(4, 4)
spd = (spd @ spd.T + 4 * np.eye(4)).astype("float32")
square = (f32(3, 3) + 3 * np.eye(3)).astype("float32")
batch_square = (f32(2, 3, 3) + 3 * np.eye(3)).astype("float32")
tall = f32(5, 3)
ints = i32(3, -7, 12, 0, 5, 18)

# (case id, op path under keras.ops, positional args, keyword args)
CASES = [
    ("erfc", "erfc", [f32(7, low=-3, high=3)], {}),
    ("erfc_int", "erfc", [i32(-1, 0, 2)], {}),
    ("erfinv", "erfinv", [f32(9, low=-0.99, high=0.99)], {}),
    ("fabs", "fabs", [f32(5)], {}),
    ("fabs_int", "fabs", [i32(-3, 2)], {}),
    ("fmax", "fmax", [with_nan, f32(4)], {}),
    ("fmin", "fmin", [with_nan, f32(4)], {}),
    ("fmod", "fmod", [f32(6, low=-5, high=5),
              np.array([1.5, -2.0, 0.7, 3.0, -1.1, 2.2], "float32")], {}),
    ("fmod_int", "fmod", [i32(7, -7, 9, -9), i32(3, 3, -4, -4)], {}),
    ("logaddexp2", "logaddexp2", [f32(6, low=-5, high=5), f32(6, low=-5, high=5)], {}),
    ("sinc", "sinc", [np.array([0.0, 0.5, -1.5, 2.25, 1e-3], "float32")], {}),
    ("sinc_int", "sinc", [i32(0, 1, 2)], {}),
    ("ldexp", "ldexp", [f32(5), i32(0, 1, -2, 3, 5)], {}),
    ("ptp", "ptp", [f32(3, 4)], {"axis": 1}),
    ("ptp_all", "ptp", [f32(3, 4)], {"keepdims": True}),
    ("ptp_int", "ptp", [ints], {}),
    ("nansum", "nansum", [with_nan], {"axis": 0}),
    ("nansum_all", "nansum", [with_nan], {}),
    ("nanmean", "nanmean", [with_nan], {"axis": 1, "keepdims": True}),
    ("nanmean_int", "nanmean", [ints], {}),
    ("nanmax", "nanmax", [with_nan], {"axis": 0}),
    ("nanmin", "nanmin", [with_nan], {"axis": 1}),
    ("nanprod", "nanprod", [with_nan], {"axis": 1}),
    ("nanvar", "nanvar", [with_nan], {"axis": 1}),
    ("nanstd", "nanstd", [with_nan], {}),
    ("nanmedian", "nanmedian", [with_nan], {"axis": 1}),
    ("nanargmax", "nanargmax", [with_nan], {"axis": 1}),
    ("nanargmin", "nanargmin", [with_nan], {}),
    ("nancumsum", "nancumsum", [with_nan], {"axis": 1}),
    ("nancumprod", "nancumprod", [with_nan], {"axis": 0}),
    ("nanquantile", "nanquantile", [with_nan, 0.3], {"axis": 1}),
    ("nanpercentile", "nanpercentile", [with_nan, [25.0, 80.0]], {"axis": 0}),
    ("percentile", "percentile", [f32(3, 5), 40.0], {"axis": 1}),
    ("percentile_q", "percentile", [f32(7), [10.0, 50.0, 95.0]], {}),
    ("percentile_nearest", "percentile", [f32(6), 35.0], {"method": "nearest"}),
    ("trapezoid", "trapezoid", [f32(3, 5)], {}),
    ("trapezoid_x", "trapezoid", [f32(5), np.array([0.0, 0.5, 1.5, 1.75, 3.0], "float32")], {}),
    ("trapezoid_dx", "trapezoid", [f32(4, 2)], {"dx": 0.25, "axis": 0}),
    ("isin", "isin", [i32(1, 2, 3, 4, 5), i32(2, 5, 9)], {}),
    ("isin_invert", "isin", [i32(1, 2, 3, 4, 5), i32(2, 5, 9)], {"invert": True}),
    ("allclose_true", "allclose", [np.array([1.0, 2.0], "float32"),
                                   np.array([1.0, 2.000001], "float32")], {}),
    ("allclose_false", "allclose", [np.array([1.0, 2.0], "float32"),
                                    np.array([1.0, 2.1], "float32")], {}),
    ("fliplr", "fliplr", [f32(2, 3, 2)], {}),
    ("flipud", "flipud", [f32(3, 2)], {}),
    ("rot90", "rot90", [f32(2, 3)], {}),
    ("rot90_k3", "rot90", [f32(2, 3, 4)], {"k": 3, "axes": (1, 2)}),
    ("rot90_k2", "rot90", [f32(2, 3)], {"k": -2}),
    ("dstack", "dstack", [[f32(2, 3), f32(2, 3)]], {}),
    ("dstack_1d", "dstack", [[f32(3), f32(3)]], {}),
    ("array_split", "array_split", [f32(7, 2), 3], {}),
    ("array_split_axis", "array_split", [f32(2, 5), 2], {"axis": 1}),
    ("hsplit", "hsplit", [f32(2, 4), 2], {}),
    ("hsplit_1d", "hsplit", [f32(6), [1, 4]], {}),
    ("vsplit", "vsplit", [f32(4, 3), [1, 3]], {}),
    ("dsplit", "dsplit", [f32(2, 2, 4), 2], {}),
    ("diagflat", "diagflat", [f32(2, 2)], {}),
    ("diagflat_k", "diagflat", [f32(3)], {"k": -1}),
    ("vander", "vander", [np.array([1.0, 2.0, 3.0, 5.0], "float32")], {}),
    ("vander_n", "vander", [np.array([1.0, 2.0, -1.5], "float32")], {"N": 2, "increasing": True}),
    ("vander_int", "vander", [i32(1, 2, 3)], {}),
    ("hamming", "hamming", [7], {}),
    ("hanning", "hanning", [6], {}),
    ("bartlett", "bartlett", [7], {}),
    ("blackman", "blackman", [8], {}),
    ("kaiser", "kaiser", [6, 4.5], {}),
    ("hamming_1", "hamming", [1], {}),
    ("i0", "i0", [f32(6, low=-4, high=4)], {}),
    ("bitwise_and", "bitwise_and", [i32(12, 10, -3), i32(10, 6, 5)], {}),
    ("bitwise_or", "bitwise_or", [i32(12, 10, -3), i32(10, 6, 5)], {}),
    ("bitwise_xor", "bitwise_xor", [i32(12, 10, -3), i32(10, 6, 5)], {}),
    ("bitwise_not", "bitwise_not", [i32(12, 0, -3)], {}),
    ("bitwise_invert", "bitwise_invert", [np.array([True, False])], {}),
    ("bitwise_left_shift", "bitwise_left_shift", [i32(1, 3, -4), i32(2, 1, 3)], {}),
    ("left_shift", "left_shift", [i32(5, 7), 2], {}),
    ("bitwise_right_shift", "bitwise_right_shift", [i32(16, 7, -8), i32(2, 1, 2)], {}),
    ("right_shift", "right_shift", [i32(16, 9), 3], {}),
    ("gcd", "gcd", [i32(12, -18, 7, 0), i32(8, 24, 5, 6)], {}),
    ("lcm", "lcm", [i32(4, -6, 7, 0), i32(6, 4, 5, 3)], {}),
    ("corrcoef", "corrcoef", [f32(3, 6)], {}),
    ("correlate_valid", "correlate", [f32(6), f32(3)], {}),
    ("correlate_same", "correlate", [f32(5), f32(3)], {"mode": "same"}),
    ("correlate_full", "correlate", [f32(4), f32(3)], {"mode": "full"}),
    ("histogram", "histogram", [np.array([0.1, 0.4, 0.45, 0.9, 1.0, 0.0, 0.55], "float32")],
     {"bins": 4}),
    ("histogram_range", "histogram", [f32(9)], {"bins": 3, "range": (-1.0, 1.0)}),
    ("unravel_index", "unravel_index", [i32(0, 5, 11, 7)], {"shape": (3, 4)}),
    ("geomspace", "geomspace", [1.0, 1000.0], {"num": 4}),
    ("geomspace_open", "geomspace", [2.0, 32.0], {"num": 4, "endpoint": False}),
    ("isreal", "isreal", [f32(3)], {}),
    ("angle", "angle", [np.array([-1.0, 0.0, 2.0], "float32")], {}),
    ("nextafter", "nextafter", [np.array([1.0, -1.0, 0.0], "float32"),
                                np.array([2.0, -2.0, -1.0], "float32")], {}),
    # dtype promotion of integer and bool inputs
    ("logaddexp2_int", "logaddexp2", [i32(1, 2, 3), i32(0, 5, -1)], {}),
    ("fmax_int_float", "fmax", [i32(1, 5, -2), np.array([0.5, np.nan, -3.0], "float32")], {}),
    ("erfc_bool", "erfc", [np.array([True, False])], {}),
    ("sinc_uint8", "sinc", [np.array([0, 1, 3], "uint8")], {}),
    ("trapezoid_int", "trapezoid", [i32(1, 4, 9, 16)], {}),
    ("nansum_int", "nansum", [i32(1, 4, 9, 16)], {}),
    ("sum_uint8", "sum", [np.array([[200, 100], [7, 1]], "uint8")], {"axis": 0}),
    ("sum_bool", "sum", [np.array([True, True, False])], {}),
    ("sum_int8", "numpy.sum", [np.array([100, 100], "int8")], {}),
    ("percentile_int", "percentile", [i32(1, 4, 9, 16, 25)], {"q": 30.0}),
    ("corrcoef_int", "corrcoef", [np.array([[1, 2, 4, 7], [3, 1, 0, 2]], "int32")], {}),
    ("inv_int", "inv", [np.array([[2, 1], [1, 3]], "int32")], {}),
    # linear algebra (keras.ops.linalg, also in keras.ops)
    ("inv", "inv", [square], {}),
    ("inv_batch", "inv", [batch_square], {}),
    ("det", "det", [square], {}),
    ("det_batch", "det", [batch_square], {}),
    ("slogdet", "slogdet", [square], {}),
    ("logdet", "logdet", [spd], {}),
    ("solve", "solve", [square, f32(3, 2)], {}),
    ("solve_batch", "solve", [batch_square, f32(2, 3, 1)], {}),
    ("solve_triangular", "solve_triangular", [np.tril(square), f32(3, 2)], {"lower": True}),
    ("solve_triangular_upper", "solve_triangular", [np.triu(square), f32(3, 2)], {}),
    ("cholesky", "cholesky", [spd], {}),
    ("cholesky_upper", "cholesky", [spd], {"upper": True}),
    ("cholesky_inverse", "cholesky_inverse", [np.linalg.cholesky(spd).astype("float32")], {}),
    ("eigh_values", "linalg.eigh", [spd], {}),
    ("eig", "eig", [np.array([[1, 2, 0], [-3, 1, 1], [0, 0.5, 2]], "float32")], {}),
    ("eig_real", "linalg.eig", [np.array([[2, 1], [1, 3]], "float32")], {}),
    ("polar", "polar", [np.array([1.0, 2.0, 0.5], "float32"), f32(3)], {}),
    ("view_as_complex", "view_as_complex", [f32(3, 2)], {}),
    ("svd_values", "svd", [tall], {"compute_uv": False}),
    ("matrix_rank", "matrix_rank", [np.array([[1, 2, 3], [2, 4, 6], [1, 0, 1]], "float32")], {}),
    ("pinv", "pinv", [tall], {}),
    ("lstsq", "lstsq", [tall, f32(5, 2)], {}),
    ("norm_2", "norm", [tall], {"ord": 2}),
    ("cdist", "cdist", [f32(2, 3, 4), f32(2, 5, 4)], {}),
    ("segment_min", "segment_min", [f32(6, 2), i32(0, 0, 1, 2, 2, 2)], {"num_segments": 3}),
    ("segment_max_empty", "segment_max", [f32(4), i32(0, 0, 2, 2)], {"num_segments": 4}),
    ("segment_min_empty_int", "segment_min", [i32(5, -3, 8), i32(1, 1, 3)], {"num_segments": 4}),
    ("segment_prod", "segment_prod", [f32(5), i32(0, 1, 1, 2, 2)], {"num_segments": 3}),
    ("ifft2", "ifft2", [(f32(2, 3, 4), f32(2, 3, 4))], {}),
    ("stft", "stft", [f32(2, 20)], {"sequence_length": 6, "sequence_stride": 3,
                                    "fft_length": 8}),
    ("stft_hamming", "stft", [f32(17)], {"sequence_length": 8, "sequence_stride": 4,
                                         "fft_length": 8, "window": "hamming",
                                         "center": False}),
    ("stft_none", "stft", [f32(12)], {"sequence_length": 4, "sequence_stride": 2,
                                      "fft_length": 5, "window": None}),
    ("istft", "istft", [(f32(2, 5, 5), f32(2, 5, 5))],
     {"sequence_length": 8, "sequence_stride": 4, "fft_length": 8}),
    ("istft_length", "istft", [(f32(6, 4), f32(6, 4))],
     {"sequence_length": 5, "sequence_stride": 2, "fft_length": 6, "length": 9,
      "window": "hamming", "center": False}),
    ("istft_none", "istft", [(f32(4, 3), f32(4, 3))],
     {"sequence_length": 4, "sequence_stride": 2, "fft_length": 4, "window": None}),
    ("rearrange", "rearrange", [f32(2, 3, 4, 2), "b h w c -> b c h w"], {}),
    ("rearrange_merge", "rearrange", [f32(2, 3, 4, 2), "b h w c -> h (b w) c"], {}),
    ("rearrange_split", "rearrange", [f32(2, 4, 6, 3), "b (h1 h) (w w1) c -> (b h1) h w (c w1)"],
     {"h1": 2, "w1": 3}),
    ("view_f32_i32", "view", [np.array([1.0, -2.5], "float32")], {"dtype": "int32"}),
    ("view_i16_i32", "view", [np.array([[1, 2, 3, 4]], "int16")], {"dtype": "int32"}),
    ("view_i32_u8", "view", [i32(258, -1)], {"dtype": "uint8"}),
    # keras.ops.image
    # data_format given: Keras 3.15's eager jax gaussian_blur reads data_format=None as
    # channels_first (the documented default is image_data_format(), which minikeras uses)
    ("gaussian_blur", "image.gaussian_blur", [f32(2, 6, 7, 3)],
     {"kernel_size": (3, 5), "sigma": (1.0, 2.0), "data_format": "channels_last"}),
    ("gaussian_blur_cf", "image.gaussian_blur", [f32(2, 5, 6)],
     {"kernel_size": (5, 3), "sigma": (0.7, 1.3), "data_format": "channels_first"}),
    ("sobel_edges", "image.sobel_edges", [f32(2, 5, 6, 2)], {}),
    ("sobel_edges_cf", "image.sobel_edges", [f32(1, 2, 4, 5)], {"data_format": "channels_first"}),
    ("ssim", "image.ssim", [f32(2, 12, 13, 3, low=0, high=1), f32(2, 12, 13, 3, low=0, high=1)],
     {"filter_size": 5}),
    ("ssim_unbatched", "image.ssim", [f32(11, 11, 1, low=0, high=255),
                                      f32(11, 11, 1, low=0, high=255)],
     {"max_val": 255.0, "filter_size": 7, "filter_sigma": 2.0}),
    ("perspective_transform", "image.perspective_transform",
     [f32(2, 8, 9, 2), np.array([[[0, 0], [8, 0], [0, 7], [8, 7]]] * 2, "float32"),
      np.array([[[1, 1], [7, 0], [0, 6], [8, 7]], [[0, 1], [8, 0], [1, 7], [7, 6]]], "float32")],
     {}),
    ("perspective_transform_nearest", "image.perspective_transform",
     [f32(2, 6, 7), np.array([[0, 0], [6, 0], [0, 5], [6, 5]], "float32"),
      np.array([[0.5, 0], [6, 1], [0, 5], [5.5, 4.5]], "float32")],
     {"interpolation": "nearest", "fill_value": -1.0, "data_format": "channels_first"}),
    ("scale_and_translate", "image.scale_and_translate",
     [f32(2, 6, 8, 3), (2, 9, 5, 3), np.array([1.5, 0.6], "float32"),
      np.array([0.5, -1.0], "float32"), (1, 2), "bilinear"], {}),
    ("scale_and_translate_cubic", "image.scale_and_translate",
     [f32(7, 5), (4, 11), np.array([0.5, 2.0], "float32"), np.array([0.0, 1.5], "float32"),
      (0, 1), "cubic"], {"antialias": False}),
    ("scale_and_translate_lanczos", "image.scale_and_translate",
     [f32(1, 9, 2), (1, 5, 2), np.array([0.5], "float32"), np.array([0.25], "float32"), (1,),
      "lanczos3"], {}),
    ("extract_patches_3d", "image.extract_patches_3d", [f32(2, 6, 6, 6, 2)], {"size": 3}),
    ("extract_patches_3d_cf", "image.extract_patches_3d", [f32(2, 5, 6, 4)],
     {"size": (2, 3, 2), "strides": 1, "padding": "same", "data_format": "channels_first"}),
    # keras.ops.nn
    ("depth_to_space", "nn.depth_to_space", [f32(2, 2, 3, 12)], {"block_size": 2}),
    ("depth_to_space_cf", "depth_to_space", [f32(1, 8, 2, 3)],
     {"block_size": 2, "data_format": "channels_first"}),
    ("space_to_depth", "space_to_depth", [f32(2, 4, 6, 3)], {"block_size": 2}),
    ("space_to_depth_cf", "space_to_depth", [f32(1, 2, 4, 6)],
     {"block_size": 2, "data_format": "channels_first"}),
    ("adaptive_average_pool_1d", "adaptive_average_pool", [f32(2, 10, 3)], {"output_size": 4}),
    ("adaptive_average_pool_2d", "adaptive_average_pool", [f32(2, 7, 5, 3)],
     {"output_size": (3, 4)}),
    ("adaptive_average_pool_3d_cf", "adaptive_average_pool", [f32(1, 2, 5, 4, 6)],
     {"output_size": 3, "data_format": "channels_first"}),
    ("adaptive_max_pool_1d", "adaptive_max_pool", [f32(2, 9, 2)], {"output_size": 4}),
    ("adaptive_max_pool_2d_cf", "nn.adaptive_max_pool", [f32(1, 3, 7, 6)],
     {"output_size": (2, 4), "data_format": "channels_first"}),
    ("adaptive_max_pool_up", "adaptive_max_pool", [f32(1, 2, 3, 1)], {"output_size": (5, 4)}),
    ("unfold", "unfold", [f32(2, 3, 5, 4)], {"kernel_size": (2, 3)}),
    ("unfold_options", "nn.unfold", [f32(1, 2, 6, 5)],
     {"kernel_size": 3, "dilation": (1, 2), "padding": 1, "stride": (2, 1)}),
    ("fold", "fold", [f32(2, 12, 8)], {"output_size": (4, 5), "kernel_size": 2, "stride": (2, 1)}),
    ("fold_options", "nn.fold", [f32(1, 18, 9)],
     {"output_size": (6, 5), "kernel_size": 3, "dilation": (1, 2), "padding": 1,
      "stride": (2, 1)}),
    ("ctc_loss", "ctc_loss", [np.array([[1, 2, 2], [3, 1, 0]], "int32"), f32(2, 7, 4),
                              i32(3, 2), i32(7, 5)], {}),
    ("ctc_loss_mask", "nn.ctc_loss", [np.array([[0, 1, 0], [2, 2, 1]], "int32"), f32(2, 8, 4),
                                      i32(3, 2), i32(8, 8)], {"mask_index": 3}),
    ("ctc_decode", "ctc_decode", [f32(2, 6, 4), i32(6, 4)], {}),
    ("ctc_decode_beam", "ctc_decode", [f32(2, 6, 4), i32(6, 4)],
     {"strategy": "beam_search", "beam_width": 5, "top_paths": 3}),
    ("ctc_decode_beam_blank", "nn.ctc_decode", [f32(3, 5, 3, low=-3, high=3), i32(5, 5, 3)],
     {"strategy": "beam_search", "beam_width": 2, "top_paths": 2, "mask_index": 2}),
    ("ctc_decode_no_merge", "nn.ctc_decode", [f32(2, 6, 3), i32(5, 6)],
     {"merge_repeated": False, "mask_index": 2}),
]


def to_json(value):
    return list(value) if isinstance(value, tuple) else value


def main():
    arrays, table = {}, []
    for case_id, op, args, kwargs in CASES:
        fn = keras.ops
        for part in op.split("."):
            fn = getattr(fn, part)
        spec = []
        for i, arg in enumerate(args):
            if isinstance(arg, (list, tuple)) and arg and isinstance(arg[0], np.ndarray):
                keys = [f"{case_id}/arg{i}_{j}" for j in range(len(arg))]
                arrays.update(zip(keys, arg))
                spec.append({"arrays": keys, "tuple": isinstance(arg, tuple)})
            elif isinstance(arg, np.ndarray):
                arrays[f"{case_id}/arg{i}"] = arg
                spec.append({"array": f"{case_id}/arg{i}"})
            else:
                spec.append({"value": to_json(arg)})
        out = fn(*args, **kwargs)
        outs = list(out) if isinstance(out, (tuple, list)) else [out]
        dtypes = []
        for j, o in enumerate(outs):
            o = keras.ops.convert_to_numpy(o)
            arrays[f"{case_id}/out{j}"] = np.asarray(o)
            dtypes.append(keras.backend.standardize_dtype(np.asarray(o).dtype))
        table.append({"id": case_id, "op": op, "args": spec,
                      "kwargs": {k: to_json(v) for k, v in kwargs.items()},
                      "tuple": isinstance(out, (tuple, list)), "dtypes": dtypes})
    arrays["cases"] = np.array(json.dumps(table))
    arrays["made_with"] = np.array(f"keras {keras.__version__}, {keras.backend.backend()} backend")
    np.savez(OUT, **arrays)
    print(f"{len(table)} cases -> {OUT}")


if __name__ == "__main__":
    main()
