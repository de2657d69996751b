// Errors are values a user can act on (DESIGN.md): each op family throws tg::Error naming the op and the
// shapes (or dims/values) involved. Messages are asserted verbatim where they are short enough to read.
#include <catch2/catch.hpp>
#include <tensorgrad/tensor.hpp>

#include <stdexcept>

namespace {
using Catch::Contains;
using tg::Shape;
using tg::TensorD;
using tg::TensorF;
}  // namespace

TEST_CASE("tg::Error is a std::invalid_argument, thrown by TG_CHECK", "[errors]") {
  CHECK_THROWS_AS(tg::zeros<float>({2}).item(), tg::Error);
  CHECK_THROWS_AS(tg::zeros<float>({2}).item(), std::invalid_argument);
}

TEST_CASE("matmul and mm name both shapes and the mismatching sizes", "[errors][linalg]") {
  const TensorF a = tg::zeros<float>({4, 3}), b = tg::zeros<float>({2, 5});
  CHECK_THROWS_WITH(a.matmul(b), "matmul: shapes [4, 3] and [2, 5] cannot be multiplied (3 != 2)");
  CHECK_THROWS_WITH(tg::zeros<float>({3}).matmul(tg::zeros<float>({4})),
                    "matmul: shapes [3] and [4] cannot be multiplied (3 != 4)");
  CHECK_THROWS_WITH(tg::zeros<float>({2, 3, 4}).matmul(tg::zeros<float>({3, 5, 2})),
                    "matmul: shapes [2, 3, 4] and [3, 5, 2] cannot be multiplied (4 != 5)");
  CHECK_THROWS_WITH(tg::zeros<float>({2, 3, 4}).matmul(tg::zeros<float>({3, 4, 2})),
                    Contains("matmul: shapes [2] and [3] cannot be broadcast together"));
  CHECK_THROWS_WITH(tg::scalar_tensor<float>(1).matmul(a),
                    "matmul: both arguments need at least 1 dimension, got shapes [] and [4, 3]");
  CHECK_THROWS_WITH(tg::mm(tg::zeros<float>({2, 3, 4}), tg::zeros<float>({4, 5})),
                    "mm: expected 2-d tensors, got shapes [2, 3, 4] and [4, 5]");
  CHECK_THROWS_WITH(tg::mm(a, b), "matmul: shapes [4, 3] and [2, 5] cannot be multiplied (3 != 2)");
}

TEST_CASE("binary ops name the op and both shapes when they cannot broadcast", "[errors][binary]") {
  const TensorD a = tg::zeros<double>({2, 3}), b = tg::zeros<double>({4});
  CHECK_THROWS_WITH(a + b, "add: shapes [2, 3] and [4] cannot be broadcast together (dim 1: 3 vs 4)");
  CHECK_THROWS_WITH(a - b, Contains("sub: shapes [2, 3] and [4]"));
  CHECK_THROWS_WITH(a * b, Contains("mul: shapes [2, 3] and [4]"));
  CHECK_THROWS_WITH(a / b, Contains("div: shapes [2, 3] and [4]"));
  CHECK_THROWS_WITH(a.pow(b), Contains("pow: shapes [2, 3] and [4]"));
  CHECK_THROWS_WITH(tg::zeros<double>({2, 1, 3}) + tg::zeros<double>({5, 2}),
                    "add: shapes [2, 1, 3] and [5, 2] cannot be broadcast together (dim 2: 3 vs 2)");
}

TEST_CASE("in-place ops name the op and both shapes", "[errors][inplace]") {
  TensorD a = tg::zeros<double>({2, 3});
  CHECK_THROWS_WITH(a.add_(tg::zeros<double>({4})), Contains("add_: shapes [2, 3] and [4] cannot be broadcast"));
  CHECK_THROWS_WITH(a.mul_(tg::zeros<double>({3, 3})), Contains("mul_: shapes [2, 3] and [3, 3] cannot be broadcast"));
  CHECK_THROWS_WITH(a.copy_(tg::zeros<double>({2, 2})), Contains("copy_"));
  // Broadcasting must not grow the destination.
  CHECK_THROWS_WITH(tg::zeros<double>({3}).copy_(tg::zeros<double>({2, 3})),
                    Contains("copy_: source of shape [2, 3] cannot be broadcast to [3]"));
  CHECK(a.tolist() == std::vector<double>(6, 0.0));  // nothing written by a failed op
}

TEST_CASE("reductions, softmax and shape ops reject bad dims, naming the op, the dim and the rank",
          "[errors][dims]") {
  const TensorF x = tg::zeros<float>({2, 3});
  CHECK_THROWS_WITH(x.sum(2), "sum: dim 2 is out of range for a tensor with 2 dims (expected in [-2, 1])");
  CHECK_THROWS_WITH(x.mean(-3), "mean: dim -3 is out of range for a tensor with 2 dims (expected in [-2, 1])");
  CHECK_THROWS_WITH(x.max(5), Contains("max: dim 5 is out of range"));
  CHECK_THROWS_WITH(x.min(5), Contains("min: dim 5 is out of range"));
  CHECK_THROWS_WITH(x.argmax(5), Contains("argmax: dim 5 is out of range"));
  CHECK_THROWS_WITH(x.var(2, true), Contains("var: dim 2 is out of range"));
  CHECK_THROWS_WITH(x.softmax(2), Contains("softmax: dim 2 is out of range"));
  CHECK_THROWS_WITH(x.log_softmax(-3), Contains("log_softmax: dim -3 is out of range"));
  CHECK_THROWS_WITH(x.transpose(0, 2), Contains("transpose: dim 2 is out of range"));
  CHECK_THROWS_WITH(x.unsqueeze(3), "unsqueeze: dim 3 is out of range for a tensor with 3 dims (expected in [-3, 2])");
  CHECK_THROWS_WITH(x.squeeze(2), Contains("squeeze: dim 2 is out of range"));
  CHECK_THROWS_WITH(x.select(0, 2), "select: index 2 out of range for dim 0 with size 2 (shape [2, 3])");
  CHECK_THROWS_WITH(x.slice(2, 0, 1), Contains("slice: dim 2 is out of range"));
  CHECK_THROWS_WITH(x.permute({0, 0}), "permute: repeated dim 0 in [0, 0]");
  CHECK_THROWS_WITH(x.permute({0}), "permute: number of dims [0] doesn't match tensor of shape [2, 3]");
  CHECK_THROWS_WITH(x.flatten(1, 0), Contains("flatten: start_dim (1) cannot come after end_dim (0)"));
  CHECK_THROWS_WITH(x.size(2), Contains("size: dim 2 is out of range"));
  CHECK_THROWS_WITH(tg::zeros<float>({2, 0}).max(1), "argmax: cannot reduce over a dimension of size 0 (shape [2, 0])");
  CHECK_THROWS_WITH(tg::zeros<float>({0}).mean(), "mean: cannot take the mean of an empty tensor of shape [0]");
}

TEST_CASE("view and reshape name the requested and actual shapes", "[errors][view]") {
  const TensorF x = tg::zeros<float>({2, 3});
  CHECK_THROWS_WITH(x.t().view({6}), "view: view size [6] is not compatible with input tensor's size [3, 2] and stride "
                                     "[1, 3] (it is not contiguous); use reshape(...) instead");
  CHECK_THROWS_WITH(x.view({4, 2}), "view: shape [4, 2] is invalid for input of shape [2, 3] (6 elements)");
  CHECK_THROWS_WITH(x.view({-1, -1}), "view: only one dimension can be inferred (-1) in shape [-1, -1]");
  CHECK_THROWS_WITH(x.expand({2, 4}), Contains("expand: the expanded size of the tensor (4) must match the existing "
                                               "size (3) at non-singleton dimension 1. Target sizes: [2, 4]. Tensor "
                                               "sizes: [2, 3]"));
  CHECK_THROWS_WITH(x.expand({3}), Contains("expand: the number of sizes provided (1) must be greater or equal to the "
                                            "number of dimensions in the tensor (2)"));
  CHECK_THROWS_WITH(tg::scalar_tensor<float>(1).slice(0, 0, 1), Contains("slice"));
  CHECK_THROWS_WITH(x.slice(0, 0, 2, 0), "slice: step must be positive, got 0");
  CHECK_THROWS_WITH(tg::zeros<float>({2, 3, 4}).t(),
                    "t: expects a tensor with <= 2 dimensions, but got 3-d of shape [2, 3, 4]");
}

TEST_CASE("reshape names itself, not the view it delegates to", "[errors][view]") {
  CHECK_THROWS_WITH(tg::zeros<float>({2, 3}).reshape({-1, 4}), "reshape: shape [-1, 4] is invalid for input of shape [2, 3]");
  CHECK_THROWS_WITH(tg::zeros<float>({2, 3}).t().reshape({4}),
                    "reshape: shape [4] is invalid for input of shape [3, 2] (6 elements)");
}

TEST_CASE("element access names the shape", "[errors][access]") {
  const TensorF x = tg::zeros<float>({2, 3});
  CHECK_THROWS_WITH(x.item(), "item: a Tensor with 6 elements cannot be converted to a scalar (shape [2, 3])");
  CHECK_THROWS_WITH(x.at({0, 3}), "at: index 3 is out of bounds for dim 1 with size 3 (shape [2, 3])");
  CHECK_THROWS_WITH(x.at({0}), "at: expected 2 indices for a tensor of shape [2, 3], got 1");
  CHECK_THROWS_WITH(x.t().data(), Contains("data(): tensor of shape [3, 2] is not contiguous"));
  CHECK_THROWS_WITH(tg::tensor<float>({1, 2, 3}, {2, 2}), "tensor: 3 values do not fill shape [2, 2] (4 elements)");
  CHECK_THROWS_WITH(TensorF().sizes(), Contains("undefined tensor"));
}

TEST_CASE("unary ops and activations validate their arguments", "[errors][unary]") {
  const TensorF x = tg::zeros<float>({2});
  CHECK_THROWS_WITH(x.clamp(1.0, -1.0), "clamp: min (1) must not exceed max (-1)");
  CHECK_THROWS_WITH(tg::gelu(x, "fast"), "gelu: approximate must be \"none\" or \"tanh\", got \"fast\"");
}

TEST_CASE("autograd errors say what to do", "[errors][autograd]") {
  TensorD x = tg::zeros<double>({2, 3}).requires_grad_();
  const TensorD y = x * 2.0;
  CHECK_THROWS_WITH(y.backward(), "backward: grad can be implicitly created only for scalar outputs; got shape [2, 3], "
                                  "pass a gradient of that shape");
  CHECK_THROWS_WITH(y.backward(tg::ones<double>({3})), "backward: gradient has shape [3] but the tensor has shape [2, 3]");
  CHECK_THROWS_WITH(tg::zeros<double>({2}).sum().backward(),
                    "backward: element 0 of tensors does not require grad and does not have a grad_fn");
  CHECK_THROWS_WITH(tg::zeros<std::int64_t>({2}).requires_grad_(),
                    "requires_grad_: only floating point tensors can require gradients (got int64)");
  TensorD h = y;
  CHECK_THROWS_WITH(h.requires_grad_(false), Contains("you can only change requires_grad flags of leaf tensors"));
  CHECK_THROWS_WITH(tg::zeros<double>({2}).retain_grad(),
                    "retain_grad: can't retain_grad on a tensor that has requires_grad=false");
  CHECK_THROWS_WITH(x.add_(1.0), Contains("add_: a leaf tensor that requires grad is being used in an in-place "
                                          "operation (shape [2, 3])"));
  TensorD view = (x * 1.0).select(0, 0);
  CHECK_THROWS_WITH(view.mul_(2.0), Contains("mul_: in-place operation on a view that takes part in autograd"));
  CHECK_THROWS_WITH(y.backward(tg::ones<double>({2, 3}), false, true), Contains("create_graph=true"));
}
