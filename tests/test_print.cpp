// Printing: exact expected strings, transcribed from what PyTorch's print(tensor) shows for the same tensor
// (with the C++ spellings requires_grad=true, dtype=float64 and grad_fn names without a trailing digit).
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>
#include <sstream>
#include <tensorgrad/core/range.hpp>
#include <tensorgrad/tensor.hpp>

using tg::to_string;

TEST_CASE("print: 1-d and 2-d floats use 4 decimals padded to a common width", "[print]") {
  CHECK(to_string(tg::tensor<float>({1.5f, -0.25f, 3.0f})) == "tensor([ 1.5000, -0.2500,  3.0000])");
  CHECK(to_string(tg::tensor<float>({{0.1f, -2.0f}, {3.0f, 4.0f}})) ==
        "tensor([[ 0.1000, -2.0000],\n"
        "        [ 3.0000,  4.0000]])");
  CHECK(to_string(tg::tensor<float>({0.12345f, 0.5f})) == "tensor([0.1235, 0.5000])");
}

TEST_CASE("print: integer-valued floats print with a trailing point", "[print]") {
  CHECK(to_string(tg::tensor<float>({1, 2, 3})) == "tensor([1., 2., 3.])");
  CHECK(to_string(tg::tensor<float>({-1, 10})) == "tensor([-1., 10.])");
  CHECK(to_string(tg::zeros<float>({2})) == "tensor([0., 0.])");
}

TEST_CASE("print: scientific notation for wide ranges, huge or tiny values", "[print]") {
  CHECK(to_string(tg::tensor<float>({1e8f, 1.0f})) == "tensor([1.0000e+08, 1.0000e+00])");  // integers, ratio > 1000
  CHECK(to_string(tg::tensor<float>({1e-5f, 1.0f})) == "tensor([1.0000e-05, 1.0000e+00])");  // min < 1e-4
  CHECK(to_string(tg::tensor<float>({0.5f, 1000.0f})) == "tensor([5.0000e-01, 1.0000e+03])");  // ratio 2000
  CHECK(to_string(tg::tensor<float>({-1e-5f, 2.0f})) == "tensor([-1.0000e-05,  2.0000e+00])");
  // A ratio of exactly 1000 stays fixed-point.
  CHECK(to_string(tg::tensor<float>({0.5f, 500.0f})) == "tensor([  0.5000, 500.0000])");
}

TEST_CASE("print: inf and nan keep the notation chosen from the finite values", "[print]") {
  const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
  CHECK(to_string(tg::tensor<float>({0.5f, inf, nan})) == "tensor([0.5000,    inf,    nan])");
  CHECK(to_string(tg::tensor<float>({0.0f, -inf, -nan})) == "tensor([0., -inf, nan])");
}

TEST_CASE("print: int64 prints integers without a dtype suffix", "[print]") {
  CHECK(to_string(tg::tensor<std::int64_t>({1, -20, 3})) == "tensor([  1, -20,   3])");
  CHECK(to_string(tg::tensor<std::int64_t>({{1, 2}, {3, 4}})) ==
        "tensor([[1, 2],\n"
        "        [3, 4]])");
}

TEST_CASE("print: float64 adds the dtype suffix", "[print]") {
  CHECK(to_string(tg::tensor<double>({1.5, 2.0})) == "tensor([1.5000, 2.0000], dtype=float64)");
  CHECK(to_string(tg::tensor<double>({1.0, 2.0}).requires_grad_()) ==
        "tensor([1., 2.], dtype=float64, requires_grad=true)");
}

TEST_CASE("print: requires_grad and grad_fn suffixes", "[print]") {
  CHECK(to_string(tg::tensor<float>({{0.1f, -2.0f}, {3.0f, 4.0f}}).requires_grad_()) ==
        "tensor([[ 0.1000, -2.0000],\n"
        "        [ 3.0000,  4.0000]], requires_grad=true)");
  auto x = tg::tensor<float>({1, 2}).requires_grad_();
  CHECK(to_string(x * x) == "tensor([1., 4.], grad_fn=<MulBackward>)");
  // The printout PyTorch's tutorials show (PyTorch's AddBackward0 is AddBackward here).
  auto bias = tg::zeros<float>({2}).requires_grad_();
  CHECK(to_string(tg::tensor<float>({{9.8465f, 14.9062f}}) + bias) ==
        "tensor([[ 9.8465, 14.9062]], grad_fn=<AddBackward>)");
  // Under no-grad the result is a plain tensor again.
  tg::NoGradGuard guard;
  CHECK(to_string(x * x) == "tensor([1., 4.])");
}

TEST_CASE("print: suffixes wrap onto a new line past 80 columns", "[print]") {
  auto x = tg::tensor<double>({0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8}).requires_grad_();
  CHECK(to_string(x) ==
        "tensor([0.1000, 0.2000, 0.3000, 0.4000, 0.5000, 0.6000, 0.7000, 0.8000],\n"
        "       dtype=float64, requires_grad=true)");
}

TEST_CASE("print: 0-d tensors print the bare value", "[print]") {
  CHECK(to_string(tg::scalar_tensor<float>(3.5f)) == "tensor(3.5000)");
  CHECK(to_string(tg::scalar_tensor<float>(3.0f)) == "tensor(3.)");
  CHECK(to_string(tg::scalar_tensor<std::int64_t>(7)) == "tensor(7)");
  CHECK(to_string(tg::scalar_tensor<double>(-0.5)) == "tensor(-0.5000, dtype=float64)");
}

TEST_CASE("print: empty tensors spell out shape and non-default dtype", "[print]") {
  CHECK(to_string(tg::empty<float>({0})) == "tensor([])");
  CHECK(to_string(tg::empty<float>({2, 0})) == "tensor([], size=(2, 0))");
  CHECK(to_string(tg::empty<std::int64_t>({0})) == "tensor([], dtype=int64)");
  CHECK(to_string(tg::empty<double>({0, 3})) == "tensor([], size=(0, 3), dtype=float64)");
}

TEST_CASE("print: 3-d tensors separate blocks with a blank line", "[print]") {
  CHECK(to_string(tg::arange(8).view({2, 2, 2})) ==
        "tensor([[[0., 1.],\n"
        "         [2., 3.]],\n"
        "\n"
        "        [[4., 5.],\n"
        "         [6., 7.]]])");
}

TEST_CASE("print: long rows wrap at 80 columns", "[print]") {
  CHECK(to_string(tg::arange(40)) ==
        "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
        "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
        "        28., 29., 30., 31., 32., 33., 34., 35., 36., 37., 38., 39.])");
}

TEST_CASE("print: more than 1000 elements are summarised with 3 edge items", "[print]") {
  CHECK(to_string(tg::arange(2000)) ==
        "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n"
        "        1.9990e+03])");
  CHECK(to_string(tg::arange<std::int64_t>(1001)) == "tensor([   0,    1,    2,  ...,  998,  999, 1000])");
  CHECK(to_string(tg::zeros<float>({40, 50})) ==
        "tensor([[0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        ...,\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.],\n"
        "        [0., 0., 0.,  ..., 0., 0., 0.]])");
  // Exactly 1000 elements are printed in full.
  CHECK(to_string(tg::zeros<float>({1000})).find("...") == std::string::npos);
}

TEST_CASE("print: non-contiguous views print in logical order", "[print]") {
  auto x = tg::tensor<float>({{1, 2, 3}, {4, 5, 6}});
  CHECK(to_string(x.t()) ==
        "tensor([[1., 4.],\n"
        "        [2., 5.],\n"
        "        [3., 6.]])");
  CHECK(to_string(x.select(1, 2)) == "tensor([3., 6.])");
}

TEST_CASE("print: operator<< streams the same text - undefined tensors are named", "[print]") {
  std::ostringstream os;
  os << tg::tensor<float>({1, 2}) << ";" << tg::Tensor<float>();
  CHECK(os.str() == "tensor([1., 2.]);[ Tensor (undefined) ]");
}
