// Errors are values a user can act on: each op family throws tg::Error naming the op and the
// shapes (or dims/values) involved. Messages are asserted verbatim where they are short enough to read.
#include <catch2/catch.hpp>
#include <tensorgrad/tensorgrad.hpp>

#include <stdexcept>

namespace {
using Catch::Contains;
using tg::Shape;
using tg::TensorD;
using tg::TensorF;
using TensorL = tg::Tensor<std::int64_t>;
namespace nn = tg::nn;
namespace optim = tg::optim;

/// A model whose Linear sits two levels down: errors name it "net.2 (Linear)".
struct ClassifierImpl : nn::Module {
  nn::Sequential net{nullptr};
  ClassifierImpl() {
    net = register_module("net", nn::Sequential(nn::Linear(50, 100), nn::ReLU(), nn::Linear(128, 10)));
  }
  TensorF forward(const TensorF& x) { return net(x); }
};
TG_MODULE(Classifier);
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
  CHECK_THROWS_WITH(tg::zeros<float>({0}).max(), "max: cannot reduce an empty tensor of shape [0]");
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

TEST_CASE("join, comparison, range and random ops name the op and the shapes or values", "[errors][join]") {
  const TensorF a = tg::zeros<float>({2, 3}), b = tg::zeros<float>({2, 4});
  CHECK_THROWS_WITH(tg::cat({a, b}, 0), Contains("cat: sizes of tensors must match except in dimension 0") &&
                                            Contains("[2, 3]") && Contains("[2, 4]"));
  CHECK_THROWS_WITH(tg::cat({a, tg::zeros<float>({3})}),
                    Contains("cat: tensors must have the same number of dimensions"));
  CHECK_THROWS_WITH(tg::stack({a, b}), "stack: expects each tensor to be equal size, but got [2, 3] at entry 0 and "
                                       "[2, 4] at entry 1");
  CHECK_THROWS_WITH(tg::maximum(a, tg::zeros<float>({4})), Contains("[2, 3] and [4] cannot be broadcast"));
  CHECK_THROWS_WITH(tg::where(tg::zeros<float>({5}), a, a), Contains("where") && Contains("[5]"));
  CHECK_THROWS_WITH(tg::arange<float>(0, 1, 0), "arange: step must be nonzero");
  CHECK_THROWS_WITH(tg::randint(3, 3, {2}), Contains("randint: expected low < high, got low=3 high=3"));
  CHECK_THROWS_WITH(tg::empty<float>({2, -1}), "empty: negative dimension in shape [2, -1]");
}

TEST_CASE("a tensor of the wrong dtype or device is refused, naming both", "[errors][dtype][device]") {
  CHECK_THROWS_WITH(TensorF(tg::zeros<double>({2}).impl()), "Tensor<float32>: got a tensor of dtype float64");
  if (tg::detail::device_runtime_slot() == nullptr) {
    CHECK_THROWS_WITH(tg::zeros<float>({2}).to(tg::kCUDA), Contains("cuda:0") && Contains("without the CUDA backend"));
  }
}

// ---- modules: errors name the module by its place in the tree (NOTE [ Module path ] in nn/module.hpp) -----

TEST_CASE("module errors name the module's dotted path in its parent and its type", "[errors][nn][module]") {
  Classifier model;
  CHECK(model->net->path() == "net");
  CHECK(model->net[2]->path() == "net.2");
  CHECK_THROWS_WITH(model(tg::zeros<float>({64, 50})),
                    "net.2 (Linear): expected input with 128 features, got [64, 100]");
  // Registering the model in turn renames every descendant.
  nn::Module outer;
  outer.register_module("model", model);
  CHECK_THROWS_WITH(model(tg::zeros<float>({64, 50})),
                    "model.net.2 (Linear): expected input with 128 features, got [64, 100]");
  CHECK_THROWS_WITH(model(tg::zeros<float>({64, 7})),
                    "model.net.0 (Linear): expected input with 50 features, got [64, 7]");
  // A top-level module is named by its type alone.
  CHECK_THROWS_WITH(nn::Linear(128, 10)(tg::zeros<float>({64, 100})),
                    "Linear: expected input with 128 features, got [64, 100]");
  CHECK_THROWS_WITH(nn::Linear(3, 1)(tg::scalar_tensor<float>(1)), "Linear: expected input with 3 features, got []");
}

TEST_CASE("Sequential, Flatten, Dropout and activations name themselves and the shapes", "[errors][nn][layers]") {
  const TensorF x = tg::zeros<float>({2, 3});
  nn::Sequential seq(nn::Flatten(1, 3), nn::Softmax(2), nn::LogSoftmax(-3), nn::ReLU());
  CHECK_THROWS_WITH(seq[4], "Sequential: index 4 is out of range for a Sequential of 4 modules");
  CHECK_THROWS_WITH(seq->at<nn::LinearImpl>(3), "Sequential: module 3 is a ReLU, not the requested type");
  CHECK_THROWS_WITH(seq(x),
                    "0 (Flatten): flatten: dim 3 is out of range for a tensor with 2 dims (expected in [-2, 1])");
  CHECK_THROWS_WITH(nn::Softmax(2)(x), "Softmax: softmax: dim 2 is out of range for a tensor with 2 dims (expected in "
                                       "[-2, 1])");
  CHECK_THROWS_WITH(nn::LogSoftmax(-3)(x), Contains("LogSoftmax: log_softmax: dim -3 is out of range"));
  CHECK_THROWS_WITH(nn::Flatten(1, 0)(tg::zeros<float>({2, 3, 4})),
                    Contains("Flatten: flatten: start_dim (1) cannot come after end_dim (0)"));
  CHECK_THROWS_WITH(nn::Dropout(1.5), "Dropout: probability has to be between 0 and 1, but got 1.5");
  CHECK_THROWS_WITH(nn::Dropout(-0.5), "Dropout: probability has to be between 0 and 1, but got -0.5");
  CHECK_THROWS_WITH(nn::GELU("fast"), "GELU: approximate must be \"none\" or \"tanh\", got \"fast\"");
  // Elementwise activations accept any shape; an undefined input is what they can get wrong.
  CHECK_THROWS_WITH(nn::ReLU()(TensorF()), Contains("ReLU: ") && Contains("undefined"));
  CHECK_THROWS_WITH(nn::Sigmoid()(TensorF()), Contains("Sigmoid: ") && Contains("undefined"));
  CHECK_THROWS_WITH(nn::Tanh()(TensorF()), Contains("Tanh: ") && Contains("undefined"));
  CHECK_THROWS_WITH(nn::SiLU()(TensorF()), Contains("SiLU: ") && Contains("undefined"));
  CHECK_THROWS_WITH(nn::ELU()(TensorF()), Contains("ELU: ") && Contains("undefined"));
  CHECK_THROWS_WITH(nn::LeakyReLU()(TensorF()), Contains("LeakyReLU: ") && Contains("undefined"));
  CHECK_THROWS_WITH(nn::GELU()(TensorF()), Contains("GELU: ") && Contains("undefined"));
  CHECK_THROWS_WITH(nn::Dropout(0.5)(TensorF()), Contains("Dropout: ") && Contains("undefined"));
}

TEST_CASE("each loss module names itself, the functional op and both shapes", "[errors][nn][loss]") {
  const TensorF input = tg::zeros<float>({4, 1}), target = tg::zeros<float>({4});
  const std::string differ = ": input of shape [4, 1] and target of shape [4] differ";
  CHECK_THROWS_WITH(nn::MSELoss()(input, target), Contains("MSELoss: mse_loss" + differ));
  CHECK_THROWS_WITH(nn::L1Loss()(input, target), Contains("L1Loss: l1_loss" + differ));
  CHECK_THROWS_WITH(nn::SmoothL1Loss()(input, target), Contains("SmoothL1Loss: smooth_l1_loss" + differ));
  CHECK_THROWS_WITH(nn::HuberLoss()(input, target), Contains("HuberLoss: huber_loss" + differ));
  CHECK_THROWS_WITH(nn::BCELoss()(input, target), Contains("BCELoss: binary_cross_entropy" + differ));
  CHECK_THROWS_WITH(nn::BCEWithLogitsLoss()(input, target),
                    Contains("BCEWithLogitsLoss: binary_cross_entropy_with_logits" + differ));
  const TensorF logits = tg::zeros<float>({4, 3});
  const TensorL labels = tg::zeros<std::int64_t>({5});
  CHECK_THROWS_WITH(nn::CrossEntropyLoss()(logits, labels),
                    "CrossEntropyLoss: cross_entropy: expected input [N, C] and target [N], got input [4, 3] and "
                    "target [5]");
  CHECK_THROWS_WITH(nn::NLLLoss()(logits, labels), Contains("NLLLoss: nll_loss: expected input [N, C] and target [N], "
                                                            "got input [4, 3] and target [5]"));
  CHECK_THROWS_WITH(nn::CrossEntropyLoss()(logits, tg::full<std::int64_t>({4}, 3)),
                    Contains("CrossEntropyLoss: cross_entropy: target 3 is out of bounds for 3 classes"));
  // Registered in a model, a loss is named by its path too.
  nn::Module model;
  nn::MSELoss criterion = model.register_module("criterion", nn::MSELoss());
  CHECK_THROWS_WITH(criterion(input, target), Contains("criterion (MSELoss): mse_loss" + differ));
}

TEST_CASE("optimizers reject bad hyper-parameters and parameter lists, naming the optimizer", "[errors][optim]") {
  TensorF w = tg::zeros<float>({2}).requires_grad_();
  CHECK_THROWS_WITH(optim::SGD<float>({w}, optim::SGDOptions(-0.1)), "SGD: invalid learning rate: -0.1");
  CHECK_THROWS_WITH(optim::SGD<float>({w}, optim::SGDOptions(0.1).momentum(-1)), "SGD: invalid momentum value: -1");
  CHECK_THROWS_WITH(optim::Adam<float>({w}, optim::AdamOptions(-1)), "Adam: invalid learning rate: -1");
  CHECK_THROWS_WITH(optim::Adam<float>({w}, optim::AdamOptions().betas(std::make_tuple(1.0, 0.999))),
                    Contains("Adam: invalid beta parameter at index 0: 1"));
  CHECK_THROWS_WITH(optim::AdamW<float>({w}, optim::AdamWOptions().eps(-1)), "AdamW: invalid epsilon value: -1");
  CHECK_THROWS_WITH(optim::RMSprop<float>({w}, optim::RMSpropOptions().alpha(-1)), "RMSprop: invalid alpha value: -1");
  CHECK_THROWS_WITH(optim::Adagrad<float>({w}, optim::AdagradOptions().lr_decay(-1)),
                    "Adagrad: invalid lr_decay value: -1");
  CHECK_THROWS_WITH(optim::SGD<float>(std::vector<TensorF>{}, optim::SGDOptions(0.1)),
                    "SGD: got an empty parameter list");
  const TensorF non_leaf = w * 2.0f;
  CHECK_THROWS_WITH(optim::SGD<float>({non_leaf}, optim::SGDOptions(0.1)),
                    Contains("SGD: can't optimize a non-leaf tensor (parameter 0, shape [2]"));
  optim::SGD<float> sgd({w}, optim::SGDOptions(0.1));
  CHECK_THROWS_WITH(optim::StepLR(sgd, 0), "StepLR: step_size must be positive, got 0");
}

TEST_CASE("datasets and data loaders name the sizes that do not fit", "[errors][data]") {
  using Dataset = tg::data::TensorDataset<float, std::int64_t>;
  CHECK_THROWS_WITH(Dataset(tg::zeros<float>({4, 2}), tg::zeros<std::int64_t>({3})),
                    Contains("TensorDataset: size mismatch between tensors: inputs [4, 2]") && Contains("[3]"));
  const Dataset dataset(tg::zeros<float>({4, 2}), tg::zeros<std::int64_t>({4}));
  CHECK_THROWS_WITH(dataset.get(4), Contains("Dataset: index 4 is out of range for a dataset of 4"));
  CHECK_THROWS_WITH(tg::data::DataLoader<Dataset>(dataset, tg::data::DataLoaderOptions().batch_size(0)),
                    "DataLoader: batch_size should be a positive integer value, but got batch_size=0");
  CHECK_THROWS_WITH(tg::data::random_split(dataset, {3, 2}),
                    "random_split: sum of input lengths (5) does not equal the length of the input dataset (4)");
}

TEST_CASE("loading a state dict with mismatched names or shapes names each key and both shapes",
          "[errors][io][checkpoint]") {
  nn::Linear small(2, 3), wide(2, 4);
  const std::vector<float> before = wide->weight.as<float>().tolist();
  CHECK_THROWS_WITH(tg::load_state_dict(wide, tg::module_state_dict(small)),
                    "load_state_dict: tensor 'weight': shape [3, 2] does not match the module's [4, 2]; tensor "
                    "'bias': shape [3] does not match the module's [4]");
  CHECK(wide->weight.as<float>().tolist() == before);  // a failed load changes nothing
  nn::Sequential seq(nn::Linear(2, 3));
  CHECK_THROWS_WITH(tg::load_state_dict(seq, tg::module_state_dict(small)),
                    "load_state_dict: missing key(s) '0.weight', '0.bias'; unexpected key(s) 'weight', 'bias'");
}
