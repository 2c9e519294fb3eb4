"""The keras.ops names added for Keras 3.15 coverage: gradients (float64 finite differences),
facts derived by hand, and the errors Keras raises for bad inputs.

Values against Keras itself are in test_ops_coverage_fixture.py.
"""
import math

import numpy as np
import pytest

from minikeras import ops
from minikeras.autodiff.gradcheck import gradcheck
from minikeras.autodiff.tensor import Tensor, grad

rng = np.random.default_rng(11)


def r(*shape, low=-2.0, high=2.0):
    return rng.uniform(low, high, shape)


def well_conditioned(*shape):
    return r(*shape, low=-1, high=1) + 3 * np.eye(shape[-1])


def arr(t):
    return np.asarray(ops.convert_to_numpy(t))


def with_nans(*shape):
    x = r(*shape)
    x.reshape(-1)[::4] = np.nan
    return x


# op name -> (function of float64 tensors, inputs): each composed op carries gradients
GRADIENT_CASES = {
    "erfc": (ops.erfc, [r(6)]),
    "erfinv": (ops.erfinv, [r(6, low=-0.9, high=0.9)]),
    "fabs": (ops.fabs, [r(6) + np.sign(r(6)) * 0.1]),
    "fmax": (ops.fmax, [with_nans(3, 4), r(4) + 0.05]),
    "fmin": (ops.fmin, [with_nans(3, 4), r(4) + 0.05]),
    "fmod": (ops.fmod, [np.array([2.3, -2.3, 5.1, -0.4]), np.array([0.7, 0.7, -1.9, 0.3])]),
    "logaddexp2": (ops.logaddexp2, [r(5), r(5)]),
    "sinc": (ops.sinc, [np.array([0.0, 0.3, -1.2, 2.7])]),
    "ldexp": (lambda x: ops.ldexp(x, np.array([0, 2, -1], np.int32)), [r(3)]),
    "ptp": (lambda x: ops.ptp(x, axis=1), [r(3, 4)]),
    "nansum": (lambda x: ops.nansum(x, axis=0), [with_nans(3, 4)]),
    "nanmean": (lambda x: ops.nanmean(x, axis=1), [with_nans(3, 4)]),
    "nanvar": (ops.nanvar, [with_nans(3, 4)]),
    "nanstd": (lambda x: ops.nanstd(x, axis=0), [with_nans(4, 3)]),
    "nanmax": (lambda x: ops.nanmax(x, axis=1), [with_nans(3, 4)]),
    "nanmin": (ops.nanmin, [with_nans(3, 4)]),
    "nanprod": (lambda x: ops.nanprod(x, axis=1), [with_nans(3, 4)]),
    "nancumsum": (lambda x: ops.nancumsum(x, axis=1), [with_nans(3, 4)]),
    "nancumprod": (lambda x: ops.nancumprod(x, axis=0), [with_nans(3, 4)]),
    "nanquantile": (lambda x: ops.nanquantile(x, [0.3, 0.8], axis=1), [with_nans(3, 5)]),
    "nanmedian": (ops.nanmedian, [with_nans(3, 5)]),
    "percentile": (lambda x: ops.percentile(x, 35.0, axis=0, keepdims=True), [r(5, 2)]),
    "nanpercentile": (lambda x: ops.nanpercentile(x, 60.0), [with_nans(7)]),
    "trapezoid": (lambda y, x: ops.trapezoid(y, x), [r(2, 5), np.cumsum(r(5, low=0.1, high=1))]),
    "trapezoid_dx": (lambda y: ops.trapezoid(y, dx=0.3, axis=0), [r(4, 2)]),
    "fliplr": (ops.fliplr, [r(2, 3)]),
    "flipud": (ops.flipud, [r(3, 2)]),
    "rot90": (lambda x: ops.rot90(x, k=3, axes=(2, 0)), [r(2, 3, 4)]),
    "dstack": (lambda a, b: ops.dstack([a, b]), [r(2, 3), r(2, 3)]),
    "array_split": (lambda x: ops.array_split(x, 3)[1], [r(7, 2)]),
    "hsplit": (lambda x: ops.hsplit(x, [1])[1], [r(2, 3)]),
    "vsplit": (lambda x: ops.vsplit(x, 2)[0], [r(4, 3)]),
    "dsplit": (lambda x: ops.dsplit(x, 2)[1], [r(2, 2, 4)]),
    "diagflat": (lambda x: ops.diagflat(x, k=1), [r(2, 2)]),
    "vander": (lambda x: ops.vander(x, N=4), [r(3)]),
    "corrcoef": (ops.corrcoef, [r(3, 6)]),
    "correlate": (lambda a, b: ops.correlate(a, b, mode="full"), [r(5), r(3)]),
    "inv": (ops.inv, [well_conditioned(3, 3)]),
    "det": (ops.det, [well_conditioned(2, 3, 3)]),
    "slogdet": (lambda x: ops.slogdet(x)[1], [well_conditioned(3, 3)]),
    "logdet": (ops.logdet, [well_conditioned(3, 3)]),
    "solve_vector": (ops.solve, [well_conditioned(3, 3), r(3)]),
    "solve_triangular": (lambda a, b: ops.solve_triangular(a, b, lower=True),
                         [well_conditioned(3, 3), r(3, 2)]),
    "cholesky_upper": (lambda m: ops.cholesky(ops.matmul(m, ops.transpose(m)), upper=True),
                       [well_conditioned(3, 3)]),
    "cholesky_inverse": (lambda m: ops.cholesky_inverse(ops.tril(m)), [well_conditioned(3, 3)]),
    "qr_r": (lambda m: ops.qr(m)[1], [r(4, 3) + 2 * np.eye(4, 3)]),
    "svd_values": (lambda m: ops.svd(m, compute_uv=False), [r(3, 3) + np.diag([3.0, 1.5, 0.5])]),
    "norm_2": (lambda m: ops.norm(m, ord=2), [r(3, 3) + np.diag([3.0, 1.5, 0.5])]),
    "norm_nuc": (lambda m: ops.norm(m, ord="nuc"), [r(3, 3) + np.diag([3.0, 1.5, 0.5])]),
    "cdist": (ops.cdist, [r(2, 3, 4), r(2, 2, 4)]),
    "segment_min": (lambda x: ops.segment_min(x, np.array([0, 1, 2, 2]), 3), [r(4, 2)]),
    "segment_prod": (lambda x: ops.segment_prod(x, np.array([0, 1, 1, 1]), 2), [r(4)]),
    "depth_to_space": (lambda x: ops.depth_to_space(x, 2), [r(1, 2, 3, 8)]),
    "space_to_depth_cf": (lambda x: ops.space_to_depth(x, 2, data_format="channels_first"),
                          [r(1, 2, 4, 2)]),
    "adaptive_average_pool": (lambda x: ops.adaptive_average_pool(x, (2, 3)), [r(2, 5, 4, 2)]),
    "adaptive_max_pool": (lambda x: ops.adaptive_max_pool(x, 3, data_format="channels_first"),
                          [r(1, 2, 7)]),
    "unfold": (lambda x: ops.unfold(x, 2, padding=1, stride=2), [r(1, 2, 4, 3)]),
    "fold": (lambda x: ops.fold(x, (3, 4), 2, dilation=(1, 2)), [r(1, 8, 4)]),
    "rearrange": (lambda x: ops.rearrange(x, "b (h h1) w -> h (b w h1)", h1=2), [r(2, 4, 3)]),
    "vectorize": (ops.vectorize(lambda a, b: ops.sum(ops.multiply(a, b)),
                                signature="(n),(n)->()"), [r(3, 4), r(4)]),
    "gaussian_blur": (lambda x: ops.image.gaussian_blur(x, (3, 5), (1.0, 0.5)), [r(1, 4, 5, 2)]),
    "sobel_edges": (ops.image.sobel_edges, [r(1, 4, 4, 2)]),
    "ssim": (lambda a, b: ops.image.ssim(a, b, filter_size=3),
             [r(2, 5, 5, 1, low=0, high=1), r(2, 5, 5, 1, low=0, high=1)]),
    "extract_patches_3d": (lambda x: ops.image.extract_patches_3d(x, 2), [r(1, 4, 4, 2, 1)]),
    "scale_and_translate": (lambda x: ops.image.scale_and_translate(
        x, (1, 7, 3, 1), [1.4, 0.7], [0.3, -0.2], (1, 2), "bicubic"), [r(1, 5, 4, 1)]),
    "perspective_transform": (lambda x: ops.image.perspective_transform(
        x, np.array([[0, 0], [4, 0], [0, 4], [4, 4]]),
        np.array([[0.3, 0.2], [4, 0], [0, 3.6], [3.7, 4]])), [r(1, 5, 5, 2)]),
    "elastic_transform": (lambda x: ops.image.elastic_transform(x, 2.0, 1.0, seed=5),
                          [r(1, 5, 5, 1)]),
    "ctc_loss": (lambda y: ops.ctc_loss(np.array([[1, 2], [2, 0]]), y, np.array([2, 1]),
                                        np.array([4, 3])), [r(2, 4, 3)]),
    "cumsum": (lambda x: ops.cumsum(x, axis=0), [r(5, 2)]),
    "scatter_update_add": (lambda x, u: ops.scatter_update(x, [[2], [0], [2]], u,
                                                           reduction="add"), [r(4, 2), r(3, 2)]),
    "associative_scan_list": (lambda a, b: ops.associative_scan(
        lambda p, q: [ops.add(p[0], q[0]), ops.multiply(p[1], q[1])], [a, b])[1],
        [r(4, 2), r(4, 2)]),
}


@pytest.mark.parametrize("name", sorted(GRADIENT_CASES))
def test_gradient_matches_finite_differences(name):
    fn, inputs = GRADIENT_CASES[name]
    assert gradcheck(fn, *inputs)


# ---- facts derived by hand -----------------------------------------------------------------

def test_erfinv_inverts_erf_and_has_the_known_ends():
    x = np.linspace(-0.999, 0.999, 41)
    np.testing.assert_allclose(arr(ops.erf(ops.erfinv(x))), x, atol=1e-14)
    np.testing.assert_array_equal(arr(ops.erfinv(np.array([-1.0, 1.0]))), [-np.inf, np.inf])
    assert np.isnan(arr(ops.erfinv(np.array([1.5])))).all()


def test_erfc_keeps_relative_precision_in_the_tail():
    # erfc(5) = 1.5374597944280348e-12 (Abramowitz & Stegun table 7.1)
    np.testing.assert_allclose(arr(ops.erfc(np.array([5.0]))), [1.5374597944280348e-12],
                               rtol=1e-9)
    np.testing.assert_allclose(arr(ops.erfc(np.array([-5.0]))), [2 - 1.5374597944280348e-12])


def test_windows_by_their_formulas():
    n = np.arange(5)
    np.testing.assert_allclose(arr(ops.hamming(5)), 0.54 - 0.46 * np.cos(2 * np.pi * n / 4),
                               rtol=1e-6)
    np.testing.assert_allclose(arr(ops.hanning(5)), [0, 0.5, 1, 0.5, 0], atol=1e-7)
    np.testing.assert_allclose(arr(ops.bartlett(5)), [0, 0.5, 1, 0.5, 0], atol=1e-7)
    assert ops.hamming(5).dtype == np.float32


def test_linalg_by_hand():
    a = np.array([[2.0, 1.0], [1.0, 3.0]])              # det 5, inverse [[3, -1], [-1, 2]] / 5
    np.testing.assert_allclose(arr(ops.det(a)), 5.0)
    np.testing.assert_allclose(arr(ops.inv(a)), np.array([[3, -1], [-1, 2]]) / 5)
    np.testing.assert_allclose(arr(ops.solve(a, np.array([3.0, 4.0]))), [1.0, 1.0])
    sign, log_abs = ops.slogdet(np.array([[0.0, 2.0], [1.0, 0.0]]))      # det -2
    assert arr(sign) == -1 and np.isclose(arr(log_abs), math.log(2))
    chol = arr(ops.cholesky(np.array([[4.0, 2.0], [2.0, 5.0]])))           # [[2, 0], [1, 2]]
    np.testing.assert_allclose(chol, [[2, 0], [1, 2]])
    w, v = ops.eigh(np.array([[2.0, 1.0], [1.0, 2.0]]))                     # eigenvalues 1, 3
    np.testing.assert_allclose(arr(w), [1.0, 3.0])
    np.testing.assert_allclose(np.abs(arr(v)), np.full((2, 2), 0.5 ** 0.5))
    lu, piv = ops.lu_factor(np.array([[1.0, 2.0], [3.0, 4.0]]))
    # pivot row 1 first: U = [[3, 4], [0, 2 - 4/3]], L's entry 1/3
    np.testing.assert_allclose(arr(lu), [[3, 4], [1 / 3, 2 / 3]])
    np.testing.assert_array_equal(arr(piv), [1, 1])


def test_lu_factor_reconstructs_a_batch():
    x = r(2, 4, 4)
    lu, piv = (arr(t) for t in ops.lu_factor(x))
    for b in range(2):
        lower, upper = np.tril(lu[b], -1) + np.eye(4), np.triu(lu[b])
        permuted = x[b].copy()
        for k, p in enumerate(piv[b]):
            permuted[[k, p]] = permuted[[p, k]]
        np.testing.assert_allclose(lower @ upper, permuted, atol=1e-12)


def test_fold_is_the_adjoint_of_unfold():
    # <unfold(x), y> = <x, fold(y)> for any x, y: fold sums back what unfold copied out
    x, y = r(2, 3, 5, 4), r(2, 3 * 6, 5)
    options = dict(kernel_size=(2, 3), dilation=(2, 1), padding=(1, 0), stride=(1, 2))
    left = np.sum(arr(ops.unfold(x, **options)) * y)
    right = np.sum(x * arr(ops.fold(y, (5, 4), **options)))
    np.testing.assert_allclose(left, right)


def test_depth_to_space_inverts_space_to_depth():
    x = r(2, 4, 6, 4)
    for fmt in ("channels_last", "channels_first"):
        np.testing.assert_array_equal(
            arr(ops.depth_to_space(ops.space_to_depth(x, 2, fmt), 2, fmt)), x)


def test_adaptive_pools_by_hand():
    x = np.arange(5.0).reshape(1, 5, 1)     # windows for 3 outputs: [0, 2), [1, 4), [3, 5)
    np.testing.assert_allclose(arr(ops.adaptive_average_pool(x, 3))[0, :, 0], [0.5, 2, 3.5])
    np.testing.assert_allclose(arr(ops.adaptive_max_pool(x, 3))[0, :, 0], [1, 3, 4])


def test_ctc_loss_of_one_label_by_hand():
    # one frame, label [1]: the only path emits 1, so the loss is -log softmax(logits)[1]
    logits = np.array([[[0.3, 1.2, -0.4]]])
    expected = -(1.2 - np.log(np.exp(logits).sum()))
    np.testing.assert_allclose(arr(ops.ctc_loss(np.array([[1]]), logits, [1], [1])),
                               [expected])


def test_ctc_decode_greedy_by_hand():
    # frames' best classes 1 1 0 2 2 1 (blank 0): merged -> 1 2 1; scores -sum(max)
    logits = np.full((1, 6, 3), -1.0)
    logits[0, np.arange(6), [1, 1, 0, 2, 2, 1]] = [1.0, 2.0, 0.5, 1.0, 1.0, 3.0]
    decoded, scores = ops.ctc_decode(logits, [6])
    np.testing.assert_array_equal(arr(decoded), [[[1, 2, 1, -1, -1, -1]]])
    np.testing.assert_allclose(arr(scores), [[-8.5]])


def test_istft_inverts_stft():
    signal = r(2, 40)
    spectrum = ops.stft(signal, 16, 4, 16)
    np.testing.assert_allclose(arr(ops.istft(spectrum, 16, 4, 16, length=40)), signal,
                               atol=1e-12)


def test_ifft2_inverts_fft2():
    real, imag = r(3, 4), r(3, 4)
    back = ops.ifft2(ops.fft2((real, imag)))
    np.testing.assert_allclose(arr(back[0]), real, atol=1e-12)
    np.testing.assert_allclose(arr(back[1]), imag, atol=1e-12)


def test_sizes_given_as_integer_tensors():
    # keras-io's causal attention mask: ops.tile(mask, ops.concatenate([batch, [1, 1]])),
    # ops.reshape(mask, (1, n, n)) with n from ops; Keras's backends accept such sizes
    n = ops.convert_to_tensor(3)
    mask = ops.reshape(ops.ones((3, 3)), (1, n, n))
    repeats = ops.concatenate([ops.expand_dims(2, -1), ops.convert_to_tensor([1, 1])], axis=0)
    assert ops.tile(mask, repeats).shape == (2, 3, 3)
    with pytest.raises(TypeError, match="integer"):
        ops.reshape(mask, (ops.convert_to_tensor(1.5), 6))


def test_a_weight_before_fft2_trains_as_in_keras():
    # keras-io's FNet puts ops.fft2 between trainable layers. One SGD(0.01) step of this
    # model (mse to ones) on Keras 3.15 (torch) moved the weight to these values.
    import minikeras as keras

    class Spectrum(keras.layers.Layer):
        def build(self, shape):
            self.w = self.add_weight(shape=(4, 3), initializer="ones")

        def call(self, a):
            real, imag = ops.fft2((a * self.w, a * 0.5 * self.w))
            return ops.sum(real * 0.3 + imag * 0.7, axis=-1)

    x = np.random.RandomState(0).randn(2, 4, 3).astype("float32")
    model = keras.Sequential([keras.Input((4, 3)), Spectrum()])
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="mse")
    model.train_on_batch(x, np.ones((2, 4), "float32"))
    expected = np.ones((4, 3))
    expected[:, 0] = [0.90888673, 0.8263915, 0.96194917, 0.9744155]
    np.testing.assert_allclose(arr(model.weights[0]), expected, rtol=1e-5)


def test_jvp_keras_docstring_and_a_matrix_function():
    primals, tangents = ops.jvp(ops.sin, (ops.convert_to_tensor(0.1),),
                                (ops.convert_to_tensor(0.2),))
    np.testing.assert_allclose(arr(primals), 0.09983342, rtol=1e-6)
    np.testing.assert_allclose(arr(tangents), 0.2 * math.cos(0.1), rtol=1e-6)
    # d(x @ w) = dx @ w + x @ dw, with a dict output and an aux value passed through
    x, w, dx, dw = r(2, 3), r(3, 2), r(2, 3), r(3, 2)
    out, tangent, aux = ops.jvp(lambda a, b: ({"y": ops.matmul(a, b)}, "aux"), (x, w),
                                (dx, dw), has_aux=True)
    np.testing.assert_allclose(arr(out["y"]), x @ w)
    np.testing.assert_allclose(arr(tangent["y"]), dx @ w + x @ dw)
    assert aux == "aux"


def test_vectorize_elementwise_broadcasts_and_excludes():
    f = ops.vectorize(lambda x, scale: ops.multiply(x, scale) if float(arr(x)) > 0 else x,
                      excluded={1})
    np.testing.assert_array_equal(arr(f(np.array([[1.0, -1.0], [2.0, 3.0]]), 10.0)),
                                  [[10, -1], [20, 30]])
    pairs = ops.vectorize(lambda a, b: (ops.add(a, b), ops.subtract(a, b)))
    total, difference = pairs(np.array([[1.0], [2.0]]), np.array([10.0, 20.0, 30.0]))
    np.testing.assert_array_equal(arr(total), [[11, 21, 31], [12, 22, 32]])
    assert arr(difference).shape == (2, 3)


def test_rearrange_keras_docstring_shapes():
    images = np.zeros((32, 30, 40, 3))
    cases = [("b h w c -> b c h w", {}, (32, 3, 30, 40)),
             ("b h w c -> (b h) w c", {}, (960, 40, 3)),
             ("b h w c -> h (b w) c", {}, (30, 1280, 3)),
             ("b h w c -> b (c h w)", {}, (32, 3600)),
             ("b (h1 h) (w1 w) c -> (b h1 w1) h w c", {"h1": 2, "w1": 2}, (128, 15, 20, 3)),
             ("b (h h1) (w w1) c -> b h w (c h1 w1)", {"h1": 2, "w1": 2}, (32, 15, 20, 12))]
    for pattern, lengths, shape in cases:
        assert ops.rearrange(images, pattern, **lengths).shape == shape


def test_ssim_of_identical_images_is_one_and_of_a_shift_less():
    image = rng.uniform(0, 1, (16, 16, 3))
    assert np.isclose(arr(ops.image.ssim(image, image)), 1.0)
    assert arr(ops.image.ssim(image, np.roll(image, 3, axis=0))) < 0.5


def test_gaussian_blur_keeps_a_constant_interior_and_sums_a_delta_to_one():
    delta = np.zeros((1, 7, 7, 1))
    delta[0, 3, 3, 0] = 1.0
    blurred = arr(ops.image.gaussian_blur(delta, (5, 3), (1.5, 0.8)))
    assert np.isclose(blurred.sum(), 1.0) and blurred.shape == (1, 7, 7, 1)
    # the kernel is outer(g(3, 0.8) rows, g(5, 1.5) columns): 3 rows, 5 columns wide
    assert np.count_nonzero(blurred[0, :, 3, 0]) == 3
    assert np.count_nonzero(blurred[0, 3, :, 0]) == 5


def test_sobel_edges_of_a_ramp():
    ramp = np.tile(np.arange(5.0), (5, 1))[None, :, :, None]     # value = column index
    edges = arr(ops.image.sobel_edges(ramp))
    np.testing.assert_allclose(edges[0, 1:-1, 1:-1, 0, 1], 8.0)  # dx: (1 + 2 + 1) * 2
    np.testing.assert_allclose(edges[0, 1:-1, 1:-1, 0, 0], 0.0)  # dy


def test_elastic_transform_identity_seeding_and_dtype():
    images = rng.uniform(0, 1, (2, 9, 8, 3)).astype(np.float32)
    unmoved = ops.image.elastic_transform(images, alpha=0.0, seed=1)
    np.testing.assert_allclose(arr(unmoved), images, atol=1e-6)
    first, again = (arr(ops.image.elastic_transform(images, seed=3)) for _ in range(2))
    np.testing.assert_array_equal(first, again)
    assert first.dtype == np.float32 and not np.allclose(first, images)


def test_perspective_transform_with_equal_points_is_the_identity():
    images = r(1, 6, 7, 2)
    corners = np.array([[0, 0], [6, 0], [0, 5], [6, 5]], np.float64)
    np.testing.assert_allclose(arr(ops.image.perspective_transform(images, corners, corners)),
                               images, atol=1e-9)


def test_complex_round_trip_and_eig_by_hand():
    pairs = r(4, 2)
    np.testing.assert_array_equal(arr(ops.view_as_real(ops.view_as_complex(pairs))), pairs)
    w, v = ops.eig(np.array([[0.0, -1.0], [1.0, 0.0]]))        # a rotation: eigenvalues +-i
    np.testing.assert_allclose(np.sort_complex(arr(w)), [-1j, 1j])
    np.testing.assert_allclose(arr(ops.polar(2.0, math.pi / 2)), 2j, atol=1e-6)


def test_ctc_beam_search_sums_alignments_where_greedy_picks_one_path():
    # two frames, P(blank) = 0.6, P(a) = 0.4 each: greedy reads blank blank -> "" (0.36);
    # "a" has three alignments (a a, a -, - a): 0.16 + 0.24 + 0.24 = 0.64
    log_p = np.log(np.array([[[0.6, 0.4], [0.6, 0.4]]]))
    paths, scores = ops.ctc_decode(log_p, [2], strategy="beam_search", beam_width=4,
                                   top_paths=2)
    np.testing.assert_array_equal(arr(paths)[:, 0], [[1, -1], [-1, -1]])
    np.testing.assert_allclose(arr(scores), [[math.log(0.64), math.log(0.36)]])
    greedy, _ = ops.ctc_decode(log_p, [2])
    np.testing.assert_array_equal(arr(greedy), [[[-1, -1]]])


def test_argpartition_puts_the_kth_smallest_in_place():
    x = np.array([[7, 1, 5, 3, 9], [2, 8, 6, 4, 0]], np.int32)
    index = arr(ops.argpartition(x, 2))
    assert index.dtype == np.int32
    picked = np.take_along_axis(x, index, -1)
    np.testing.assert_array_equal(picked[:, 2], [5, 4])
    assert (picked[:, :2] <= picked[:, 2:3]).all() and (picked[:, 3:] >= picked[:, 2:3]).all()


def test_nan_reductions_of_an_all_nan_slice():
    x = np.array([[np.nan, np.nan], [1.0, np.nan]], np.float32)
    np.testing.assert_array_equal(arr(ops.nanmax(x, axis=1)), [np.nan, 1.0])
    np.testing.assert_array_equal(arr(ops.nansum(x, axis=1)), [0.0, 1.0])
    np.testing.assert_array_equal(arr(ops.nanargmax(x, axis=1)), [-1, 0])


# ---- bad inputs: a clear error naming what was expected and what was given -----------------

BAD_INPUTS = {
    "ldexp with a float exponent": (lambda: ops.ldexp(np.ones(2), np.ones(2)), TypeError,
                                    "exponent must be an integer type. Received: x2 dtype="
                                    "float64"),
    "bitwise_and of floats": (lambda: ops.bitwise_and(np.ones(2), np.ones(2)), TypeError,
                              "bitwise_and expects integer or bool inputs. Received: dtype="
                              "float64"),
    "gcd of bools": (lambda: ops.gcd(np.array([True]), np.array([False])), TypeError,
                     "gcd expects integer inputs. Received: dtype=bool"),
    "rot90 of a vector": (lambda: ops.rot90(np.ones(3)), ValueError,
                          "at least 2 dimensions. Received: array.ndim=1"),
    "rot90 on one axis twice": (lambda: ops.rot90(np.ones((2, 2)), axes=(1, 1)), ValueError,
                                "Axes must be a tuple of two different dimensions"),
    "vsplit of a vector": (lambda: ops.vsplit(np.ones(4), 2), ValueError,
                           r"2 or more dimensions. Received: x.shape=\(4,\)"),
    "dsplit of a matrix": (lambda: ops.dsplit(np.ones((2, 2)), 2), ValueError,
                           "3 or more dimensions"),
    "fliplr of a vector": (lambda: ops.fliplr(np.ones(3)), ValueError, "2 or more dimensions"),
    "scatter_update reduction": (lambda: ops.scatter_update(np.ones(3), [[0]], np.ones(1),
                                                            reduction="mean"), ValueError,
                                 "Invalid reduction: mean. Supported values are: None, 'add'"),
    "sparse bincount": (lambda: ops.bincount(np.array([1, 2]), sparse=True), ValueError,
                        "sparse=True is not supported"),
    "extract_patches size of 4": (lambda: ops.image.extract_patches(np.ones((4, 4, 1)),
                                                                    (2, 2, 2, 2)), ValueError,
                                  "Expected a tuple of length 2 or 3. Received: size="),
    "extract_patches size of a string": (lambda: ops.image.extract_patches(
        np.ones((4, 4, 1)), "2x2"), TypeError, "Expected an int or a tuple. Received: size=2x2"),
    "vander of a matrix": (lambda: ops.vander(np.ones((2, 2))), ValueError,
                           r"one-dimensional array. Received: x.shape=\(2, 2\)"),
    "histogram of a matrix": (lambda: ops.histogram(np.ones((2, 2))), ValueError,
                              "must be 1-dimensional"),
    "histogram with 0 bins": (lambda: ops.histogram(np.ones(3), bins=0), ValueError,
                              "positive integer. Received: bins=0"),
    "correlate of matrices": (lambda: ops.correlate(np.ones((2, 2)), np.ones(2)), ValueError,
                              r"two 1-D tensors. Received: x1.shape=\(2, 2\)"),
    "correlate mode": (lambda: ops.correlate(np.ones(3), np.ones(2), mode="wide"), ValueError,
                       "'valid', 'same' or 'full'. Received: mode='wide'"),
    "window of a float length": (lambda: ops.hamming(2.5), ValueError,
                                 "non-negative integer. Received: x=array"),
    "percentile above 100": (lambda: ops.percentile(np.ones(3), 150.0), ValueError,
                             r"range \[0, 1\]. Received: q=1.5"),
    "quantile method": (lambda: ops.quantile(np.ones(3), 0.5, method="cubic"), ValueError,
                        "unknown method 'cubic'"),
    "argpartition kth": (lambda: ops.argpartition(np.ones(3), 5), ValueError,
                         "kth=5 is out of bounds for an axis of size 3"),
    "unravel_index out of range": (lambda: ops.unravel_index(np.array([12]), (3, 4)),
                                   ValueError, r"\[0, 12\) for shape \(3, 4\)"),
    "inv of a vector": (lambda: ops.inv(np.ones(3)), ValueError,
                        r"rank >= 2. Received input with shape \(3,\)"),
    "det of a non-square matrix": (lambda: ops.det(np.ones((2, 3))), ValueError,
                                   r"square matrix. Received non-square input with shape "
                                   r"\(2, 3\)"),
    "solve with mismatched rows": (lambda: ops.solve(np.eye(3), np.ones((2, 1))), ValueError,
                                   r"Incompatible shapes between `a` and `b`.* Received: "
                                   r"a.shape=\(3, 3\), b.shape=\(2, 1\)"),
    "cholesky of an indefinite matrix": (lambda: ops.cholesky(-np.eye(2)), ValueError,
                                         "symmetric positive-definite"),
    "qr mode": (lambda: ops.qr(np.eye(2), mode="full"), ValueError,
                "Expected one of {'reduced', 'complete'}. Received: mode=full"),
    "lstsq of a vector a": (lambda: ops.lstsq(np.ones(3), np.ones(3)), ValueError,
                            r"a to have rank 2. Received: a.shape=\(3,\)"),
    "lstsq row mismatch": (lambda: ops.lstsq(np.ones((3, 2)), np.ones(4)), ValueError,
                           "b.shape\\[0\\] to be equal to a.shape\\[0\\]"),
    "norm order": (lambda: ops.norm(np.eye(2), ord=3, axis=(0, 1)), ValueError,
                   "Unsupported matrix norm order 3"),
    "cdist with different d": (lambda: ops.cdist(np.ones((2, 3)), np.ones((2, 4))), ValueError,
                               r"same d. Received: x.shape=\(2, 3\), y.shape=\(2, 4\)"),
    "depth_to_space block 1": (lambda: ops.depth_to_space(np.ones((1, 2, 2, 4)), 1),
                               ValueError, "at least 2. Received: block_size=1"),
    "depth_to_space channels": (lambda: ops.depth_to_space(np.ones((1, 2, 2, 6)), 2),
                                ValueError, r"channels \(6\) must be divisible by"),
    "space_to_depth of a 3-D input": (lambda: ops.space_to_depth(np.ones((2, 2, 4)), 2),
                                      ValueError, r"4-D input .* x.shape=\(2, 2, 4\)"),
    "space_to_depth size": (lambda: ops.space_to_depth(np.ones((1, 3, 4, 1)), 2), ValueError,
                            "divisible by block_size=2"),
    "adaptive pool rank": (lambda: ops.adaptive_average_pool(np.ones((2, 3)), 2), ValueError,
                           r"1D/2D/3D inputs .* inputs.shape=\(2, 3\)"),
    "adaptive pool size": (lambda: ops.adaptive_max_pool(np.ones((1, 4, 4, 1)), (2, 0)),
                           ValueError, r"Received: output_size=\(2, 0\)"),
    "unfold of a 3-D input": (lambda: ops.unfold(np.ones((1, 4, 4)), 2), ValueError,
                              "4-D input"),
    "fold block count": (lambda: ops.fold(np.ones((1, 4, 5)), (3, 3), 2), ValueError,
                         r"expected 4 blocks .* Received: x.shape\[2\]=5"),
    "ctc_loss output length": (lambda: ops.ctc_loss(np.ones((1, 2)), np.ones((1, 3, 4)), [2],
                                                    [4]), ValueError,
                               r"output_length must lie in \[1, 3\]. Received"),
    "ctc_loss labels": (lambda: ops.ctc_loss(np.array([[5]]), np.ones((1, 3, 4)), [1], [3]),
                        ValueError, r"integers in \[0, 4\). Received values from 5"),
    "rearrange arrow": (lambda: ops.rearrange(np.ones((2, 3)), "a b"), ValueError,
                        "one '->'. Received: 'a b'"),
    "rearrange rank": (lambda: ops.rearrange(np.ones((2, 3)), "a b c -> c b a"), ValueError,
                       r"3 axes but the tensor has rank 2 \(shape \(2, 3\)\)"),
    "rearrange new axis": (lambda: ops.rearrange(np.ones((2, 3)), "a b -> a c"), ValueError,
                           r"output axes \['a', 'c'\] must be the input axes"),
    "rearrange split": (lambda: ops.rearrange(np.ones((2, 5)), "a (b c) -> a b c", c=2),
                        ValueError, "cannot split an axis of size 5"),
    "rearrange symbol": (lambda: ops.rearrange(np.ones((2, 3)), "a ... -> a"), ValueError,
                         "unexpected '.'"),
    "view item size": (lambda: ops.view(np.ones(3, np.int16), "int32"), ValueError,
                       "not a multiple of int32's 4 bytes"),
    "jvp tangent count": (lambda: ops.jvp(ops.sin, (np.ones(2),), ()), ValueError,
                          "1 primals and 0 tangents"),
    "jvp tangent shape": (lambda: ops.jvp(ops.sin, (np.ones(2),), (np.ones(3),)), ValueError,
                          r"tangent of shape \(3,\) for a primal of shape \(2,\)"),
    "vectorize signature": (lambda: ops.vectorize(len, signature="(n)")(np.ones(2)),
                            ValueError, "looks like"),
    "vectorize input count": (lambda: ops.vectorize(ops.add, signature="(n)->(n)")(
        np.ones(2), np.ones(2)), ValueError, "has 1 inputs but 2 arguments"),
    "gaussian_blur sigma": (lambda: ops.image.gaussian_blur(np.ones((4, 4, 1)), sigma=(1.0, 0.0)),
                            ValueError, r"sigma as two positive numbers. .*sigma=\(1.0, 0.0\)"),
    "gaussian_blur rank": (lambda: ops.image.gaussian_blur(np.ones((4, 4))), ValueError,
                           r"expected rank 3 .* images.shape=\(4, 4\)"),
    "sobel_edges unbatched": (lambda: ops.image.sobel_edges(np.ones((4, 4, 1))), ValueError,
                              r"rank 4. Received input with shape: images.shape=\(4, 4, 1\)"),
    "ssim shapes": (lambda: ops.image.ssim(np.ones((8, 8, 1)), np.ones((8, 9, 1))), ValueError,
                    r"same shape. Received: image1.shape=\(8, 8, 1\), image2.shape=\(8, 9, 1\)"),
    "ssim filter": (lambda: ops.image.ssim(np.ones((4, 4, 1)), np.ones((4, 4, 1))), ValueError,
                    r"filter_size=11 is larger than the images \(4 x 4\)"),
    "extract_patches_3d rank": (lambda: ops.image.extract_patches_3d(np.ones((4, 4, 4)), 2),
                                ValueError, "expected rank 4 .* or rank 5"),
    "extract_patches_3d size": (lambda: ops.image.extract_patches_3d(np.ones((4, 4, 4, 1)),
                                                                     (2, 2)),
                                ValueError, r"tuple of length 3. Received: size=\(2, 2\)"),
    "scale_and_translate method": (lambda: ops.image.scale_and_translate(
        np.ones((4, 4)), (4, 4), [1, 1], [0, 0], (0, 1), "area"), ValueError,
        "Received: method=area"),
    "scale_and_translate shape": (lambda: ops.image.scale_and_translate(
        np.ones((2, 4, 4)), (3, 4, 4), [1, 1], [0, 0], (1, 2), "linear"), ValueError,
        r"keep its non-spatial sizes. Received: output_shape=\(3, 4, 4\)"),
    "perspective points": (lambda: ops.image.perspective_transform(
        np.ones((4, 4, 1)), np.ones((3, 2)), np.ones((3, 2))), ValueError,
        r"Invalid start_points shape: expected \(4,2\) .* Received shape: \(3, 2\)"),
    "perspective shapes": (lambda: ops.image.perspective_transform(
        np.ones((4, 4, 1)), np.ones((4, 2)), np.ones((1, 4, 2))), ValueError,
        "must have the same shape"),
    "elastic interpolation": (lambda: ops.image.elastic_transform(
        np.ones((4, 4, 1)), interpolation="bicubic"), ValueError,
        "Received: interpolation=bicubic"),
    "elastic fill_mode": (lambda: ops.image.elastic_transform(
        np.ones((4, 4, 1)), fill_mode="edge"), ValueError, "Received: fill_mode=edge"),
    "view_as_complex last axis": (lambda: ops.view_as_complex(np.ones((3, 3))), ValueError,
                                  r"size 2 \(real and imaginary\). Received shape: \(3, 3\)"),
    "view_as_real of reals": (lambda: ops.view_as_real(np.ones(3)), ValueError,
                              "complex tensor. Received: dtype=float64"),
    "eig of a non-square matrix": (lambda: ops.eig(np.ones((2, 3))), ValueError,
                                   "square matrix"),
    "stft of integers": (lambda: ops.stft(np.arange(8), 4, 2, 4), TypeError,
                         "Expected `float32` or `float64`. Received: input type=int64"),
    "stft fft_length": (lambda: ops.stft(np.ones(8), 4, 2, 3), ValueError,
                        "sequence_length=4, fft_length=3"),
    "stft window name": (lambda: ops.stft(np.ones(8), 4, 2, 4, window="bartlett"), ValueError,
                         "Received: window=bartlett"),
    "stft window shape": (lambda: ops.stft(np.ones(8), 4, 2, 4, window=np.ones(3)), ValueError,
                          r"\[sequence_length\]. Received: window shape=\(3,\)"),
    "istft of a 1-D input": (lambda: ops.istft((np.ones(3), np.ones(3)), 2, 1, 4), ValueError,
                             r"at least 2 dimensions. Received shape: \(3,\)"),
    "ctc_decode strategy": (lambda: ops.ctc_decode(np.ones((1, 3, 4)), [3], strategy="best"),
                            ValueError, "Invalid strategy best"),
    "ctc_decode lengths": (lambda: ops.ctc_decode(np.ones((1, 3, 4)), [4]), ValueError,
                           r"sequence_lengths must lie in \[0, 3\]. Received"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_raises_a_clear_error(name):
    fn, error, message = BAD_INPUTS[name]
    with pytest.raises(error, match=message):
        fn()


# ---- custom_gradient ------------------------------------------------------------------------

def test_custom_gradient_keras_docstring_example_stays_finite():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(upstream):
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1.0, e))
        return ops.log(1.0 + e), grad

    x = Tensor(np.array([0.0, 2.0, 50.0], np.float32), requires_grad=True)
    (gx,) = grad(ops.sum(log1pexp(x)), [x])
    # d/dx log(1 + e^x) = sigmoid(x): 0.5, 0.8807971, 1.0 (finite at x = 50)
    np.testing.assert_allclose(gx, [0.5, 1 / (1 + np.exp(-2.0)), 1.0], rtol=1e-6)


def test_custom_gradient_replaces_the_true_gradient():
    @ops.custom_gradient
    def clip_gradient(x):
        return ops.multiply(x, 1.0), lambda upstream: ops.clip(upstream, -0.5, 0.5)

    x = Tensor(np.ones(3), requires_grad=True)
    (gx,) = grad(ops.sum(ops.multiply(clip_gradient(x), np.array([0.1, 2.0, -3.0]))), [x])
    np.testing.assert_allclose(gx, [0.1, 0.5, -0.5])


@pytest.mark.parametrize("fn, message", [
    (lambda x: x, "must return \\(output, grad_fn\\)"),
    (lambda x: (x, lambda g: (g, g)), "returned 2 gradients for 1 inputs"),
])
def test_custom_gradient_bad_functions(fn, message):
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(ValueError, match=message):
        grad(ops.sum(ops.custom_gradient(fn)(x)), [x])


def test_custom_gradient_of_a_non_function():
    with pytest.raises(TypeError, match="expects a function. Received: 3"):
        ops.custom_gradient(3)
