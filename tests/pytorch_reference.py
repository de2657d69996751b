#!/usr/bin/python3
"""Computes with PyTorch the reference values that tests/test_pytorch_reference.cpp compares tensorgrad with.

    /usr/bin/python3 tests/pytorch_reference.py OUT.txt

One line of CASES per case: its name, a function computing it with torch, its inputs and, where the default
for its dtype does not fit, a tolerance with the reason. Every case runs in float32 and float64 (unless it says
otherwise). The C++ test has one line per case too, under the same name, computing the same thing with
tensorgrad; it fails on a case missing from either side.

What a case computes:
  - an op or a layer: its output, then, with a fixed upstream gradient, the gradient of every floating input
    and of every parameter of a module bound with a.bind(module) ("grad:<name>"), and the module's buffers
    after the call ("after:<name>", e.g. BatchNorm's running statistics);
  - an optimizer or a scheduler: what the function records itself with a.record (parameters after each step,
    learning rates per epoch).

The output file is plain text: per case and dtype a "case" line, "in" lines (the inputs, values written with
float.hex so they cross exactly), "rec" lines (the reference values) and "end". Inputs are stored, not
regenerated, so the C++ side never has to reproduce PyTorch's random streams.
"""
import math
import sys
import zlib
from types import SimpleNamespace

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

F32, F64 = torch.float32, torch.float64
NAMES = {F32: "f32", F64: "f64", torch.int64: "i64"}
# Default tolerances per dtype: |tg - torch| <= atol + rtol * |torch|. A few ulps of the dtype, since the two
# libraries round in different orders (vectorised sums, fused multiply-adds or not); the absolute part is a
# few ulps of 1, the inputs' scale, for results that cancel O(1) terms (x·scale + shift in batch_norm).
DEFAULT_TOL = {F32: (2e-6, 5e-7), F64: (1e-13, 1e-15)}
# Convolutions: each value (and each gradient) sums 18-54 products of O(1) terms, in another order than
# PyTorch's (tensorgrad: im2col + blocked GEMM); the rounding error bound K·ε·Σ|terms| is about 3e-6 in
# float32 and 1e-14 in float64, absolute, so values near 0 need that atol.
CONV_TOL = {F32: (1e-5, 3e-6), F64: (1e-12, 1e-14)}
CONV_WHY = "sums of up to 54 products in another order: K·ε·Σ|terms| absolute"


class In:
    """An input: shape, how its values are drawn, whether it needs a gradient, and its layout in the C++ test
    ("t": built as the transpose of a contiguous tensor, so tensorgrad sees a non-contiguous input)."""

    def __init__(self, *shape, kind="mixed", grad=True, layout="c", lo=None, hi=None):
        self.shape, self.kind, self.grad, self.layout, self.lo, self.hi = shape, kind, grad, layout, lo, hi

    def make(self, dtype, gen):
        n = math.prod(self.shape)
        if self.kind == "int":
            return torch.randint(self.lo, self.hi, self.shape, generator=gen)
        if self.kind == "uniform":  # in [lo, hi)
            v = torch.rand(n, generator=gen, dtype=F64) * (self.hi - self.lo) + self.lo
        elif self.kind == "pos":  # positive, away from 0
            v = torch.rand(n, generator=gen, dtype=F64) * 2.5 + 0.25
        elif self.kind == "prob":  # probabilities, with exact 0 and 1 among them
            v = torch.rand(n, generator=gen, dtype=F64) * 0.96 + 0.02
            if n >= 4:
                v[1], v[n - 2] = 0.0, 1.0
        elif self.kind == "binary":  # 0/1 targets
            v = (torch.rand(n, generator=gen, dtype=F64) < 0.5).to(F64)
        else:
            # "mixed": normal values with a zero, a tie (two equal entries) and, for "wide", ±large ones.
            v = torch.randn(n, generator=gen, dtype=F64) * 1.5
            if n >= 3:
                v[0] = 0.0
                v[n - 1] = v[n // 2]
            if self.kind == "wide" and n >= 6:
                v[1], v[2] = 30.0, -30.0
            if self.kind == "ties" and n >= 6:
                v[3] = v[4] = v[5] = v.max().item()
        return v.reshape(self.shape).to(dtype)


def case(name, fn, inputs, tol=None, dtypes=(F32, F64), why=None, differs=None):
    """tol: {dtype: (rtol, atol)} overriding DEFAULT_TOL, with `why` saying in one line what justifies it.
    differs: the reason tensorgrad differs from PyTorch here on purpose. These cases are the one list of
    intentional differences; the C++ test checks that each still differs, so the list cannot go stale."""
    assert tol is None or why, f"{name}: a tolerance other than the default needs its reason"
    CASES.append(SimpleNamespace(name=name, fn=fn, inputs=inputs, tol=tol or {}, dtypes=dtypes, differs=differs))


class Args:
    """What a case's function sees: its inputs as attributes (a.x), bind() and record()."""

    def __init__(self, tensors, dtype):
        self.__dict__.update(tensors)
        self._tensors, self._dtype, self._bound, self._records = tensors, dtype, [], []

    def bind(self, module):
        """Loads the module's parameters and buffers from the inputs of the same names; its parameters'
        gradients and its buffers after the call are then compared too."""
        module.to(self._dtype)
        with torch.no_grad():
            for name, t in list(module.named_parameters()) + list(module.named_buffers()):
                t.copy_(self._tensors[name])
        self._bound.append(module)
        return module

    def record(self, label, t):
        self._records.append((label, torch.as_tensor(t).detach().clone()))  # a copy: optimizers step in place


CASES = []
U = lambda *shape, lo=-2.0, hi=2.0, **kw: In(*shape, kind="uniform", lo=lo, hi=hi, **kw)  # noqa: E731
LABELS = lambda n, classes: In(n, kind="int", lo=0, hi=classes, grad=False)  # noqa: E731
NOGRAD = dict(grad=False)
REDUCTIONS = ("none", "mean", "sum")

# ---- elementwise, unary --------------------------------------------------------------------------------------
case("neg", lambda a: -a.x, {"x": In(3, 4)})
case("exp", lambda a: torch.exp(a.x), {"x": In(3, 4, kind="wide")})
case("log", lambda a: torch.log(a.x), {"x": In(3, 4, kind="prob")})
case("sqrt", lambda a: torch.sqrt(a.x), {"x": In(3, 4, kind="prob")})
case("abs", lambda a: torch.abs(a.x), {"x": In(3, 4)})
case("relu", lambda a: torch.relu(a.x), {"x": In(3, 4, kind="wide")})
case("leaky_relu", lambda a: F.leaky_relu(a.x, 0.2), {"x": In(3, 4)})
case("sigmoid", lambda a: torch.sigmoid(a.x), {"x": In(3, 4, kind="wide")})
case("tanh", lambda a: torch.tanh(a.x), {"x": In(3, 4, kind="wide")})
case("gelu", lambda a: F.gelu(a.x), {"x": In(3, 4, kind="wide")})
case("gelu_tanh", lambda a: F.gelu(a.x, approximate="tanh"), {"x": In(3, 4, kind="wide")})
case("silu", lambda a: F.silu(a.x), {"x": In(3, 4, kind="wide")})
case("elu", lambda a: F.elu(a.x, 1.5), {"x": In(3, 4, kind="wide")})
case("softplus", lambda a: F.softplus(a.x), {"x": In(3, 4, kind="wide")})
case("softplus_beta_threshold", lambda a: F.softplus(a.x, beta=2, threshold=5), {"x": In(3, 4, kind="wide")})
case("pow_2", lambda a: torch.pow(a.x, 2), {"x": In(3, 4)})
case("pow_3", lambda a: torch.pow(a.x, 3), {"x": In(3, 4)})
case("pow_half", lambda a: torch.pow(a.x, 0.5), {"x": In(3, 4, kind="pos")})
case("pow_neg", lambda a: torch.pow(a.x, -1.5), {"x": In(3, 4, kind="pos")})
case("clamp", lambda a: torch.clamp(a.x, -0.5, 0.5), {"x": U(4, 5, lo=-1, hi=1)})
case("clamp_at_bounds", lambda a: torch.clamp(a.x, 0.0, 1.0), {"x": In(4, 5, kind="prob")})
case("clamp_min", lambda a: torch.clamp_min(a.x, 0.25), {"x": In(3, 4)})
case("clamp_max", lambda a: torch.clamp_max(a.x, 0.25), {"x": In(3, 4)})
case("exp_noncontiguous", lambda a: torch.exp(a.x), {"x": In(4, 3, layout="t")})
case("tanh_empty", lambda a: torch.tanh(a.x), {"x": In(0, 3)})

# ---- elementwise, binary (broadcasting) ----------------------------------------------------------------------
case("add", lambda a: a.x + a.y, {"x": In(3, 4), "y": In(4)})
case("sub", lambda a: a.x - a.y, {"x": In(2, 1, 4), "y": In(3, 1)})
case("mul", lambda a: a.x * a.y, {"x": In(3, 4), "y": In(3, 1)})
case("div", lambda a: a.x / a.y, {"x": In(3, 4), "y": In(4, kind="pos")})
case("pow_tensor", lambda a: torch.pow(a.x, a.y), {"x": In(3, 4, kind="pos"), "y": In(3, 4)})
case("maximum_ties", lambda a: torch.maximum(a.x, a.y), {"x": In(3, 4), "y": In(3, 4)})
case("minimum_ties", lambda a: torch.minimum(a.x, a.y), {"x": In(3, 4), "y": In(3, 4)})
case("add_scalar", lambda a: a.x + 2.5, {"x": In(3, 4)})
case("rsub_scalar", lambda a: 2.5 - a.x, {"x": In(3, 4)})
case("mul_scalar", lambda a: a.x * -3.0, {"x": In(3, 4)})
case("rdiv_scalar", lambda a: 2.0 / a.x, {"x": In(3, 4, kind="pos")})
case("mul_noncontiguous", lambda a: a.x * a.y, {"x": In(3, 4, layout="t"), "y": In(3, 4)})
case("add_empty", lambda a: a.x + a.y, {"x": In(0, 4), "y": In(4)})
case("add_inplace", lambda a: (a.x * 1).add_(a.y, alpha=2), {"x": In(3, 4), "y": In(4)})
case("mul_inplace", lambda a: (a.x * 1).mul_(a.y), {"x": In(3, 4), "y": In(3, 4)})
case("div_sub_inplace", lambda a: (a.x * 1).div_(4.0).sub_(a.y), {"x": In(3, 4), "y": In(3, 1)})
case("clamp_inplace", lambda a: (a.x * 1).clamp_(-0.5, 0.5), {"x": U(3, 4, lo=-1, hi=1)})
for cmp in ("eq", "ne", "lt", "le", "gt", "ge"):
    case(cmp, lambda a, cmp=cmp: getattr(torch, cmp)(a.x, a.y).to(a.x.dtype),
         {"x": In(3, 4, **NOGRAD), "y": In(4, **NOGRAD)})
case("where", lambda a: torch.where(a.c > 0, a.x, a.y), {"c": In(3, 4, **NOGRAD), "x": In(3, 4), "y": In(4)})

# ---- reductions ----------------------------------------------------------------------------------------------
case("sum", lambda a: a.x.sum(), {"x": In(3, 4)})
case("sum_dim", lambda a: a.x.sum(1), {"x": In(2, 3, 4)})
case("sum_dim_keepdim", lambda a: a.x.sum(0, keepdim=True), {"x": In(3, 4)})
case("sum_empty", lambda a: a.x.sum(), {"x": In(0, 4)})
case("sum_noncontiguous", lambda a: a.x.sum(1), {"x": In(5, 3, layout="t")})
case("mean", lambda a: a.x.mean(), {"x": In(3, 4)})
case("mean_dim", lambda a: a.x.mean(-1), {"x": In(2, 3, 4)})
case("mean_empty", lambda a: a.x.mean(), {"x": In(0, 4)})
case("max_all_ties", lambda a: a.x.max(), {"x": In(3, 4, kind="ties")})
case("min_all_ties", lambda a: a.x.min(), {"x": In(3, 4, kind="ties")})
case("max_dim", lambda a: a.x.max(1).values, {"x": In(3, 4, kind="ties")})
case("min_dim_keepdim", lambda a: a.x.min(0, keepdim=True).values, {"x": In(3, 4, kind="ties")})
case("argmax", lambda a: a.x.argmax().to(a.x.dtype), {"x": In(3, 4, kind="ties", **NOGRAD)})
case("argmax_dim", lambda a: a.x.argmax(1).to(a.x.dtype), {"x": In(3, 4, kind="ties", **NOGRAD)})
case("argmin_dim", lambda a: a.x.argmin(0).to(a.x.dtype), {"x": In(3, 4, kind="ties", **NOGRAD)})
case("var", lambda a: a.x.var(), {"x": In(3, 4)})
case("var_biased", lambda a: a.x.var(unbiased=False), {"x": In(3, 4)})
case("var_dim", lambda a: a.x.var(1), {"x": In(3, 4)})
case("std", lambda a: a.x.std(), {"x": In(3, 4)})
case("std_dim_biased_keepdim", lambda a: a.x.std(0, unbiased=False, keepdim=True), {"x": In(3, 4)})

# ---- linear algebra ------------------------------------------------------------------------------------------
case("matmul_2d", lambda a: a.x @ a.y, {"x": In(3, 5), "y": In(5, 4)})
case("matmul_batched", lambda a: a.x @ a.y, {"x": In(2, 3, 5), "y": In(2, 5, 4)})
case("matmul_broadcast", lambda a: a.x @ a.y, {"x": In(2, 3, 5), "y": In(5, 4)})
case("matmul_vector_matrix", lambda a: a.x @ a.y, {"x": In(5), "y": In(5, 4)})
case("matmul_matrix_vector", lambda a: a.x @ a.y, {"x": In(3, 5), "y": In(5)})
case("matmul_dot", lambda a: a.x @ a.y, {"x": In(5), "y": In(5)})
case("matmul_noncontiguous", lambda a: a.x @ a.y, {"x": In(3, 5, layout="t"), "y": In(5, 4, layout="t")})
case("mm", lambda a: torch.mm(a.x, a.y), {"x": In(3, 5), "y": In(5, 4)})
case("linear", lambda a: F.linear(a.x, a.w, a.b), {"x": In(6, 5), "w": In(4, 5), "b": In(4)})
case("linear_no_bias_3d", lambda a: F.linear(a.x, a.w), {"x": In(2, 3, 5), "w": In(4, 5)})

# ---- softmax -------------------------------------------------------------------------------------------------
case("softmax", lambda a: torch.softmax(a.x, -1), {"x": In(3, 5, kind="wide")})
case("softmax_dim0", lambda a: torch.softmax(a.x, 0), {"x": In(3, 5)})
case("log_softmax", lambda a: torch.log_softmax(a.x, -1), {"x": In(3, 5, kind="wide")})
case("log_softmax_dim1_3d", lambda a: torch.log_softmax(a.x, 1), {"x": In(2, 3, 4)})

# ---- views and joins -----------------------------------------------------------------------------------------
case("view", lambda a: a.x.view(4, 3) * a.w, {"x": In(3, 4), "w": In(4, 3)})
case("reshape_noncontiguous", lambda a: a.x.reshape(12) * a.w, {"x": In(4, 3, layout="t"), "w": In(12)})
case("transpose", lambda a: a.x.transpose(0, 2) * a.w, {"x": In(2, 3, 4), "w": In(4, 3, 2)})
case("t", lambda a: a.x.t() * a.w, {"x": In(3, 4), "w": In(4, 3)})
case("permute", lambda a: a.x.permute(2, 0, 1) * a.w, {"x": In(2, 3, 4), "w": In(4, 2, 3)})
case("unsqueeze", lambda a: a.x.unsqueeze(1) * a.w, {"x": In(3, 4), "w": In(3, 2, 4)})
case("squeeze", lambda a: a.x.squeeze() * a.w, {"x": In(3, 1, 4), "w": In(3, 4)})
case("squeeze_dim", lambda a: a.x.squeeze(1) * a.w, {"x": In(3, 1, 4), "w": In(3, 4)})
case("flatten", lambda a: torch.flatten(a.x, 1) * a.w, {"x": In(2, 3, 4), "w": In(2, 12)})
case("expand", lambda a: a.x.expand(3, 4) * a.w, {"x": In(3, 1), "w": In(3, 4)})
case("slice_step", lambda a: a.x[:, 1:5:2] * a.w, {"x": In(3, 6), "w": In(3, 2)})
case("select", lambda a: a.x.select(1, 2) * a.w, {"x": In(3, 4), "w": In(3)})
case("clone", lambda a: a.x.clone() * a.w, {"x": In(3, 4), "w": In(3, 4)})
case("cat", lambda a: torch.cat([a.x, a.y], 1), {"x": In(3, 2), "y": In(3, 4)})
case("cat_empty", lambda a: torch.cat([a.x, a.y], 0), {"x": In(0, 4), "y": In(2, 4)})
case("stack", lambda a: torch.stack([a.x, a.y], 1), {"x": In(3, 4), "y": In(3, 4)})

# ---- convolution, pooling, normalisation, embedding (functional) ---------------------------------------------
case("conv2d", lambda a: F.conv2d(a.x, a.w, a.b), {"x": In(2, 3, 6, 6), "w": In(4, 3, 3, 3), "b": In(4)}, tol=CONV_TOL, why=CONV_WHY)
case("conv2d_stride_padding", lambda a: F.conv2d(a.x, a.w, a.b, stride=2, padding=1),
     {"x": In(2, 3, 7, 7), "w": In(4, 3, 3, 3), "b": In(4)}, tol=CONV_TOL, why=CONV_WHY)
case("conv2d_dilation_groups", lambda a: F.conv2d(a.x, a.w, None, stride=(1, 2), padding=(2, 1), dilation=2, groups=2),
     {"x": In(2, 4, 7, 6), "w": In(6, 2, 3, 2)}, tol=CONV_TOL, why=CONV_WHY)
case("max_pool2d", lambda a: F.max_pool2d(a.x, 2), {"x": In(2, 3, 6, 6)})
case("max_pool2d_ties", lambda a: F.max_pool2d(a.x, 2), {"x": In(1, 2, 4, 4, kind="binary")})
case("max_pool2d_options", lambda a: F.max_pool2d(a.x, 3, stride=2, padding=1, dilation=1, ceil_mode=True),
     {"x": In(2, 2, 7, 6)})
case("max_pool2d_dilation", lambda a: F.max_pool2d(a.x, 2, stride=1, dilation=2), {"x": In(1, 2, 6, 6)})
case("avg_pool2d", lambda a: F.avg_pool2d(a.x, 2), {"x": In(2, 3, 6, 6)})
case("avg_pool2d_options", lambda a: F.avg_pool2d(a.x, 3, stride=2, padding=1, ceil_mode=True,
                                                   count_include_pad=False), {"x": In(2, 2, 7, 6)})
case("avg_pool2d_divisor", lambda a: F.avg_pool2d(a.x, 2, stride=1, padding=1, divisor_override=3),
     {"x": In(1, 2, 5, 5)})
case("adaptive_avg_pool2d", lambda a: F.adaptive_avg_pool2d(a.x, (3, 2)), {"x": In(2, 2, 7, 5)})
case("adaptive_avg_pool2d_1", lambda a: F.adaptive_avg_pool2d(a.x, 1), {"x": In(2, 3, 4, 4)})
case("batch_norm_train", lambda a: F.batch_norm(a.x, a.rm, a.rv, a.w, a.b, True, 0.1, 1e-5),
     {"x": In(6, 4), "rm": In(4, **NOGRAD), "rv": In(4, kind="pos", **NOGRAD), "w": In(4), "b": In(4)})
case("batch_norm_eval", lambda a: F.batch_norm(a.x, a.rm, a.rv, a.w, a.b, False),
     {"x": In(6, 4), "rm": In(4, **NOGRAD), "rv": In(4, kind="pos", **NOGRAD), "w": In(4), "b": In(4)})
case("layer_norm", lambda a: F.layer_norm(a.x, (4,), a.w, a.b), {"x": In(3, 4), "w": In(4), "b": In(4)})
case("layer_norm_2d_no_affine", lambda a: F.layer_norm(a.x, (3, 4), eps=1e-3), {"x": In(2, 3, 4)})
case("embedding", lambda a: F.embedding(a.i, a.w), {"i": In(2, 3, kind="int", lo=0, hi=5, grad=False), "w": In(5, 3)})
case("embedding_padding_idx", lambda a: F.embedding(a.i, a.w, padding_idx=1),
     {"i": In(7, kind="int", lo=0, hi=4, grad=False), "w": In(4, 3)})

# ---- losses: every reduction, every option ---------------------------------------------------------------------
for r in REDUCTIONS:
    case(f"mse_loss_{r}", lambda a, r=r: F.mse_loss(a.x, a.y, reduction=r), {"x": In(3, 4), "y": In(3, 4)})
    case(f"l1_loss_{r}", lambda a, r=r: F.l1_loss(a.x, a.y, reduction=r), {"x": In(3, 4), "y": In(3, 4)})
    case(f"smooth_l1_loss_{r}", lambda a, r=r: F.smooth_l1_loss(a.x, a.y, reduction=r, beta=0.5),
         {"x": In(3, 4), "y": In(3, 4)})
    case(f"huber_loss_{r}", lambda a, r=r: F.huber_loss(a.x, a.y, reduction=r, delta=1.5),
         {"x": In(3, 4), "y": In(3, 4)})
    case(f"binary_cross_entropy_{r}", lambda a, r=r: F.binary_cross_entropy(a.x, a.y, reduction=r),
         {"x": In(3, 4, kind="prob"), "y": In(3, 4, kind="prob")})
    case(f"binary_cross_entropy_with_logits_{r}",
         lambda a, r=r: F.binary_cross_entropy_with_logits(a.x, a.y, reduction=r),
         {"x": In(3, 4, kind="wide"), "y": In(3, 4, kind="prob")})
    case(f"nll_loss_{r}", lambda a, r=r: F.nll_loss(a.x, a.t, reduction=r), {"x": In(5, 4), "t": LABELS(5, 4)})
    case(f"cross_entropy_{r}", lambda a, r=r: F.cross_entropy(a.x, a.t, reduction=r),
         {"x": In(5, 4, kind="wide"), "t": LABELS(5, 4)})
case("smooth_l1_loss_beta0", lambda a: F.smooth_l1_loss(a.x, a.y, beta=0.0), {"x": In(3, 4), "y": In(3, 4, kind="pos")})
case("smooth_l1_loss_beta0_at_zero", lambda a: F.smooth_l1_loss(a.x, a.y, beta=0.0), {"x": In(3, 4), "y": In(3, 4)},
     differs="where input == target, PyTorch 1.13's gradient for beta = 0 is -1 (its kernel tests x <= -beta "
             "first); tensorgrad's is 0, as l1_loss's is in both libraries, which beta = 0 is documented to equal")
case("binary_cross_entropy_weight", lambda a: F.binary_cross_entropy(a.x, a.y, a.w),
     {"x": In(3, 4, kind="prob"), "y": In(3, 4, kind="binary", **NOGRAD), "w": In(4, kind="pos", **NOGRAD)})
case("binary_cross_entropy_with_logits_weights",
     lambda a: F.binary_cross_entropy_with_logits(a.x, a.y, a.w, pos_weight=a.p, reduction="sum"),
     {"x": In(3, 4, kind="wide"), "y": In(3, 4, kind="prob"), "w": In(3, 1, kind="pos", **NOGRAD),
      "p": In(4, kind="pos", **NOGRAD)})
case("nll_loss_weight_ignore", lambda a: F.nll_loss(a.x, a.t, a.w, ignore_index=2),
     {"x": In(6, 4), "t": LABELS(6, 4), "w": In(4, kind="pos", **NOGRAD)})
case("cross_entropy_weight", lambda a: F.cross_entropy(a.x, a.t, a.w),
     {"x": In(6, 4), "t": LABELS(6, 4), "w": In(4, kind="pos", **NOGRAD)})
case("cross_entropy_ignore_sum", lambda a: F.cross_entropy(a.x, a.t, ignore_index=1, reduction="sum"),
     {"x": In(6, 4), "t": LABELS(6, 4)})
case("cross_entropy_label_smoothing", lambda a: F.cross_entropy(a.x, a.t, label_smoothing=0.1),
     {"x": In(6, 4), "t": LABELS(6, 4)})
case("cross_entropy_label_smoothing_weight_none",
     lambda a: F.cross_entropy(a.x, a.t, a.w, label_smoothing=0.2, reduction="none"),
     {"x": In(6, 4), "t": LABELS(6, 4), "w": In(4, kind="pos", **NOGRAD)})

# ---- layers, in train and eval mode ---------------------------------------------------------------------------
nn = torch.nn


def module_case(name, make, inputs, train=True, **kw):
    """A module built by make(), loaded from the inputs named as its parameters and buffers, called on a.x."""
    def run(a):
        m = a.bind(make())
        m.train(train)
        return m(a.x)
    case(name, run, inputs, **kw)


module_case("Linear", lambda: nn.Linear(5, 3), {"x": In(4, 5), "weight": In(3, 5), "bias": In(3)})
module_case("Conv2d", lambda: nn.Conv2d(2, 3, 3, padding=1, bias=False), {"x": In(2, 2, 5, 5), "weight": In(3, 2, 3, 3)},
            tol=CONV_TOL, why=CONV_WHY)
BN_STATE = lambda c: {"weight": In(c), "bias": In(c), "running_mean": In(c, **NOGRAD),  # noqa: E731
                      "running_var": In(c, kind="pos", **NOGRAD),
                      "num_batches_tracked": In(kind="int", lo=3, hi=4, grad=False)}
module_case("BatchNorm1d_train", lambda: nn.BatchNorm1d(4), {"x": In(6, 4), **BN_STATE(4)})
module_case("BatchNorm1d_eval", lambda: nn.BatchNorm1d(4), {"x": In(6, 4), **BN_STATE(4)}, train=False)
module_case("BatchNorm1d_3d_train", lambda: nn.BatchNorm1d(3, momentum=0.3), {"x": In(2, 3, 5), **BN_STATE(3)})
module_case("BatchNorm2d_train", lambda: nn.BatchNorm2d(3), {"x": In(2, 3, 4, 4), **BN_STATE(3)})
module_case("BatchNorm2d_eval", lambda: nn.BatchNorm2d(3, eps=1e-3), {"x": In(2, 3, 4, 4), **BN_STATE(3)}, train=False)
module_case("BatchNorm2d_cumulative", lambda: nn.BatchNorm2d(3, momentum=None), {"x": In(2, 3, 4, 4), **BN_STATE(3)})
module_case("LayerNorm", lambda: nn.LayerNorm([3, 4]), {"x": In(2, 3, 4), "weight": In(3, 4), "bias": In(3, 4)})
module_case("Dropout_eval", lambda: nn.Dropout(0.5), {"x": In(3, 4)}, train=False)
module_case("Flatten", lambda: nn.Flatten(), {"x": In(2, 3, 2, 2)})
module_case("Softmax", lambda: nn.Softmax(dim=1), {"x": In(3, 5)})
module_case("LogSoftmax", lambda: nn.LogSoftmax(dim=1), {"x": In(3, 5)})
module_case("MaxPool2d", lambda: nn.MaxPool2d(2, stride=1), {"x": In(1, 2, 4, 4)})
module_case("AvgPool2d", lambda: nn.AvgPool2d(3, stride=2, padding=1), {"x": In(1, 2, 5, 5)})
module_case("AdaptiveAvgPool2d", lambda: nn.AdaptiveAvgPool2d((2, 3)), {"x": In(1, 2, 5, 7)})
module_case("Dropout2d_eval", lambda: nn.Dropout2d(0.3), {"x": In(2, 3, 2, 2)}, train=False)
module_case("Identity", lambda: nn.Identity(), {"x": In(3, 4)})
module_case("activation_modules", lambda: nn.Sequential(nn.LeakyReLU(0.1), nn.ELU(0.5), nn.GELU("tanh"), nn.SiLU(),
                                                        nn.Softplus(2.0, 4.0), nn.Sigmoid(), nn.Tanh(), nn.ReLU()),
            {"x": In(3, 4, kind="wide")})
case("Embedding", lambda a: a.bind(nn.Embedding(5, 3, padding_idx=0))(a.i),
     {"i": In(2, 4, kind="int", lo=0, hi=5, grad=False), "weight": In(5, 3)})
case("CrossEntropyLoss", lambda a: nn.CrossEntropyLoss(weight=a.w, ignore_index=3, label_smoothing=0.05)(a.x, a.t),
     {"x": In(6, 4), "t": LABELS(6, 4), "w": In(4, kind="pos", **NOGRAD)})
case("BCEWithLogitsLoss", lambda a: nn.BCEWithLogitsLoss(pos_weight=a.p, reduction="none")(a.x, a.y),
     {"x": In(3, 4, kind="wide"), "y": In(3, 4, kind="prob"), "p": In(4, kind="pos", **NOGRAD)})
module_case("Sequential_mlp", lambda: nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3), nn.Tanh()),
            {"x": In(5, 4), "0.weight": In(6, 4), "0.bias": In(6), "2.weight": In(3, 6), "2.bias": In(3)})

# ---- optimizers: each option, many steps ---------------------------------------------------------------------
STEPS = 12


def optimizer_case(name, make, **kw):
    """make(params) builds the optimizer over two parameters; each of STEPS steps minimises a convex loss
    with per-element curvature and a term coupling the two, and the parameters after every step are compared."""
    def run(a):
        p, q = a.p.detach().clone().requires_grad_(), a.q.detach().clone().requires_grad_()
        opt = make([p, q])
        for step in range(STEPS):
            opt.zero_grad()
            loss = (a.c * p * p).sum() + 0.3 * ((p - q) ** 2).sum() + (q * a.c[0]).sum()
            loss.backward()
            opt.step()
            a.record(f"p@{step}", p)
            a.record(f"q@{step}", q)
    case(name, run, {"p": In(2, 3, **NOGRAD), "q": In(3, **NOGRAD), "c": In(2, 3, kind="pos", **NOGRAD)}, **kw)


O = torch.optim
optimizer_case("SGD", lambda ps: O.SGD(ps, lr=0.05))
optimizer_case("SGD_momentum", lambda ps: O.SGD(ps, lr=0.05, momentum=0.9))
optimizer_case("SGD_dampening_weight_decay", lambda ps: O.SGD(ps, lr=0.05, momentum=0.8, dampening=0.3, weight_decay=0.1))
optimizer_case("SGD_nesterov", lambda ps: O.SGD(ps, lr=0.05, momentum=0.9, nesterov=True))
optimizer_case("Adam", lambda ps: O.Adam(ps, lr=0.05))
optimizer_case("Adam_betas_eps_weight_decay", lambda ps: O.Adam(ps, lr=0.05, betas=(0.8, 0.9), eps=1e-6, weight_decay=0.1))
optimizer_case("Adam_amsgrad", lambda ps: O.Adam(ps, lr=0.05, amsgrad=True))
optimizer_case("AdamW", lambda ps: O.AdamW(ps, lr=0.05))
optimizer_case("AdamW_amsgrad", lambda ps: O.AdamW(ps, lr=0.05, weight_decay=0.3, amsgrad=True))
optimizer_case("RMSprop", lambda ps: O.RMSprop(ps, lr=0.01))
optimizer_case("RMSprop_centered_momentum", lambda ps: O.RMSprop(ps, lr=0.01, alpha=0.9, momentum=0.5, centered=True))
optimizer_case("RMSprop_weight_decay", lambda ps: O.RMSprop(ps, lr=0.01, eps=1e-4, weight_decay=0.2))
optimizer_case("Adagrad", lambda ps: O.Adagrad(ps, lr=0.1))
optimizer_case("Adagrad_options", lambda ps: O.Adagrad(ps, lr=0.1, lr_decay=0.05, weight_decay=0.1,
                                                       initial_accumulator_value=0.5, eps=1e-6))


def clip_case(name, clip):
    """Gradients of two parameters, clipped; the clipped gradients and the returned total norm are compared."""
    def run(a):
        p, q = a.p.detach().clone().requires_grad_(), a.q.detach().clone().requires_grad_()
        p.grad, q.grad = a.gp.clone(), a.gq.clone()
        norm = clip([p, q])
        if norm is not None:  # clip_grad_value_ returns nothing
            a.record("norm", norm.to(torch.float64))
        a.record("grad:p", p.grad)
        a.record("grad:q", q.grad)
    case(name, run, {"p": In(2, 3, **NOGRAD), "q": In(3, **NOGRAD), "gp": In(2, 3, kind="wide", **NOGRAD),
                     "gq": In(3, **NOGRAD)})


U_ = torch.nn.utils
clip_case("clip_grad_norm_2", lambda ps: U_.clip_grad_norm_(ps, 1.0))
clip_case("clip_grad_norm_1", lambda ps: U_.clip_grad_norm_(ps, 2.0, norm_type=1))
clip_case("clip_grad_norm_inf", lambda ps: U_.clip_grad_norm_(ps, 0.5, norm_type=math.inf))
clip_case("clip_grad_norm_unclipped", lambda ps: U_.clip_grad_norm_(ps, 1e6))
clip_case("clip_grad_value", lambda ps: U_.clip_grad_value_(ps, 0.7))

# ---- learning-rate schedulers ----------------------------------------------------------------------------------
EPOCHS = 25


def scheduler_case(name, make, metric=False):
    """The learning rate after each of EPOCHS epochs (a metric per epoch for ReduceLROnPlateau)."""
    def run(a):
        p = torch.zeros(1, requires_grad=True)
        opt = O.SGD([p], lr=0.1)
        sched = make(opt)
        for epoch in range(EPOCHS):
            opt.step()
            sched.step(a.m[epoch].item()) if metric else sched.step()
            a.record(f"lr@{epoch}", torch.tensor(opt.param_groups[0]["lr"], dtype=torch.float64))
    case(name, run, {"m": In(EPOCHS, kind="pos", **NOGRAD)} if metric else {}, dtypes=(F64,))


S = O.lr_scheduler
scheduler_case("StepLR", lambda o: S.StepLR(o, step_size=4, gamma=0.5))
scheduler_case("ExponentialLR", lambda o: S.ExponentialLR(o, gamma=0.9))
scheduler_case("CosineAnnealingLR", lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.01))
scheduler_case("ReduceLROnPlateau", lambda o: S.ReduceLROnPlateau(o, factor=0.5, patience=2), metric=True)
scheduler_case("ReduceLROnPlateau_max_abs_cooldown",
               lambda o: S.ReduceLROnPlateau(o, mode="max", factor=0.3, patience=1, threshold=0.1,
                                             threshold_mode="abs", cooldown=2, min_lr=0.005), metric=True)


# ---- the writer --------------------------------------------------------------------------------------------------
def fmt(t):
    t = t.detach()
    dims = " ".join(str(d) for d in t.shape)
    if t.dtype in (torch.int64, torch.int32, torch.bool):
        vals = " ".join(str(int(v)) for v in t.flatten().tolist())
    else:
        vals = " ".join(float(v).hex() for v in t.to(F64).flatten().tolist())
    return f"{dims} : {vals}".strip()


def run_case(c, dtype, out):
    # Seeded by the case's name, so adding a case leaves the others' inputs as they were.
    gen = torch.Generator().manual_seed(zlib.crc32(f"{c.name} {NAMES[dtype]}".encode()))
    tensors = {}
    for label, spec in c.inputs.items():
        t = spec.make(dtype, gen)
        if spec.grad and t.is_floating_point():
            t.requires_grad_()
        tensors[label] = t
    a = Args(tensors, dtype)
    y = c.fn(a)
    if y is not None:
        a.record("out", y)
        grads = {k: t for k, t in tensors.items() if t.requires_grad}
        for m in a._bound:
            grads.update({n: p for n, p in m.named_parameters()})
        if y.requires_grad:
            upstream = torch.randn(y.shape, generator=gen, dtype=F64).to(dtype)
            tensors["upstream"] = upstream
            y.backward(upstream)
            for k, t in grads.items():
                a.record(f"grad:{k}", t.grad if t.grad is not None else torch.zeros_like(t))
        for m in a._bound:
            for n, b in m.named_buffers():
                a.record(f"after:{n}", b)
    rtol, atol = c.tol.get(dtype, DEFAULT_TOL[dtype])
    out.write(f"case {c.name} {NAMES[dtype]} {rtol!r} {atol!r}\n")
    if c.differs:
        out.write(f"differs {c.differs}\n")
    for label, t in tensors.items():
        spec = c.inputs.get(label)
        layout = spec.layout if spec else "c"
        flag = "g" if t.requires_grad and t.is_leaf else "-"
        out.write(f"in {label} {NAMES.get(t.dtype, 'i64')} {layout} {flag} {fmt(t)}\n")
    for label, t in a._records:
        out.write(f"rec {label} {fmt(t)}\n")
    out.write("end\n")


def main():
    names = [c.name for c in CASES]
    assert len(names) == len(set(names)), "duplicate case names"
    with open(sys.argv[1], "w") as out:
        out.write(f"# reference values computed by PyTorch {torch.__version__} (tests/pytorch_reference.py)\n")
        for c in CASES:
            for dtype in c.dtypes:
                run_case(c, dtype, out)
    print(f"pytorch_reference.py: {len(CASES)} cases, torch {torch.__version__}, wrote {sys.argv[1]}")


if __name__ == "__main__":
    main()
