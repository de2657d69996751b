// tensorgrad against PyTorch itself: each case of tests/pytorch_reference.py, computed there by PyTorch and
// stored with its inputs in tests/reference/pytorch.txt, is computed here by tensorgrad from the same inputs
// and compared value by value (outputs, every gradient, buffers after the call, optimizer trajectories,
// learning rates). One line per case below, under the name the script gives it; a case on one side only fails.
// TG_PYTORCH_REFERENCE in the environment points the test at another reference file (ctest does so with one
// the script has just written, when PyTorch is installed).
#include <catch2/catch.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <tensorgrad/nn.hpp>
#include <tensorgrad/optim.hpp>
#include <tensorgrad/tensor.hpp>

namespace pytorch_reference {

using tg::Tensor;
namespace F = tg::nn::functional;
namespace nn = tg::nn;
namespace optim = tg::optim;

/// One "in" or "rec" line: a tensor's label, shape and values (integers and floats alike as doubles; every
/// float32 and float64, and every integer the cases use, is exactly a double).
struct Values {
  std::string label, dtype;
  char layout = 'c';
  bool grad = false;
  std::vector<std::int64_t> shape;
  std::vector<double> values;
};

struct Reference {
  std::string name, dtype;
  double rtol = 0, atol = 0;
  std::vector<Values> inputs, records;
  std::string differs;  // why tensorgrad differs here on purpose; empty for a case that must match
};

std::vector<std::string> split(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

/// Parses "<dims...> : <values...>" from words[first].
void read_dims_and_values(const std::vector<std::string>& words, std::size_t first, Values& v) {
  std::size_t i = first;
  for (; i < words.size() && words[i] != ":"; ++i) v.shape.push_back(std::stoll(words[i]));
  for (++i; i < words.size(); ++i) v.values.push_back(std::strtod(words[i].c_str(), nullptr));
}

std::vector<Reference> read_references(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot open the PyTorch reference file " + path);
  std::vector<Reference> refs;
  for (std::string line; std::getline(file, line);) {
    const std::vector<std::string> w = split(line);
    if (w.empty() || w[0] == "#") continue;
    if (w[0] == "case") {
      refs.push_back({w.at(1), w.at(2), std::stod(w.at(3)), std::stod(w.at(4)), {}, {}, ""});
    } else if (w[0] == "differs") {
      refs.back().differs = line.substr(line.find(' ') + 1);
    } else if (w[0] == "in") {
      Values v;
      v.label = w.at(1), v.dtype = w.at(2), v.layout = w.at(3).at(0), v.grad = w.at(4) == "g";
      read_dims_and_values(w, 5, v);
      refs.back().inputs.push_back(std::move(v));
    } else if (w[0] == "rec") {
      Values v;
      v.label = w.at(1);
      read_dims_and_values(w, 2, v);
      refs.back().records.push_back(std::move(v));
    }
  }
  return refs;
}

template <class T> Values values_of(const std::string& label, const Tensor<T>& t) {
  Values v;
  v.label = label;
  for (std::int64_t d : t.sizes()) v.shape.push_back(d);
  for (T x : t.contiguous().tolist()) v.values.push_back(static_cast<double>(x));
  return v;
}

template <class T> Tensor<T> tensor_of(const Values& v) {
  std::vector<T> data;
  for (double x : v.values) data.push_back(static_cast<T>(x));
  return tg::tensor<T>(data, tg::Shape(v.shape));
}

/// What a case's function sees: its inputs by label, bind() and record(), as in the script.
template <class T> class Args {
 public:
  explicit Args(const Reference& ref) {
    for (const Values& v : ref.inputs) {
      if (v.dtype == "i64") {
        indices_[v.label] = tensor_of<std::int64_t>(v);
        continue;
      }
      Tensor<T> t = tensor_of<T>(v);
      if (v.layout == 't') {
        // The same values, laid out as the transpose of a contiguous tensor: the case sees a non-contiguous
        // leaf view, whose gradient is its base's, transposed back.
        Tensor<T> base = tg::transpose(t, -2, -1).contiguous();
        base.requires_grad_(v.grad);
        leaves_[v.label] = base;
        transposed_.insert(v.label);
        t = tg::transpose(base, -2, -1);
      } else {
        t.requires_grad_(v.grad);
        leaves_[v.label] = t;
      }
      inputs_[v.label] = t;
      if (v.grad) grad_labels_.push_back(v.label);
    }
  }

  const Tensor<T>& operator[](const std::string& label) const { return inputs_.at(label); }
  const Tensor<std::int64_t>& index(const std::string& label) const { return indices_.at(label); }
  bool has(const std::string& label) const { return inputs_.count(label) > 0; }

  /// Loads the module's parameters and buffers from the inputs of the same names; its parameters' gradients
  /// and its buffers after the call are then recorded too.
  template <class M> M bind(M module) {
    module->to(tg::dtype_v<T>);
    tg::NoGradGuard no_grad;
    for (auto& [name, p] : module->template named_parameters<T>()) p.copy_(inputs_.at(name));
    for (auto& [name, b] : module->named_buffers()) {
      if (b.template is<T>()) b.template as<T>().copy_(inputs_.at(name));
      else b.template as<std::int64_t>().copy_(indices_.at(name));
    }
    bound_.push_back(module.ptr());
    return module;
  }

  void record(const std::string& label, const Tensor<T>& t) { records_.push_back(values_of(label, t)); }
  void record(const std::string& label, double x) { records_.push_back(values_of(label, tg::scalar_tensor<double>(x))); }

  /// After the case's function: its output, then the gradients and buffers, as the script records them.
  void finish(const Tensor<T>& out) {
    if (!out.defined()) return;
    record("out", out);
    if (has("upstream")) {
      out.backward(inputs_.at("upstream"));
      std::map<std::string, Tensor<T>> grads;
      for (const std::string& label : grad_labels_) {
        const Tensor<T>& leaf = leaves_.at(label);
        const Tensor<T> g = leaf.grad().defined() ? leaf.grad() : tg::zeros_like(leaf);
        grads[label] = transposed_.count(label) ? tg::transpose(g, -2, -1) : g;
      }
      for (const auto& m : bound_)
        for (const auto& [name, p] : m->template named_parameters<T>())
          grads[name] = p.grad().defined() ? p.grad() : tg::zeros_like(p);
      for (const auto& [label, g] : grads) record("grad:" + label, g);
    }
    for (const auto& m : bound_)
      for (const auto& [name, b] : m->named_buffers()) {
        if (b.template is<T>()) record("after:" + name, b.template as<T>());
        else record("after:" + name, tg::to<T>(b.template as<std::int64_t>()));
      }
  }

  const std::vector<Values>& records() const { return records_; }

 private:
  std::map<std::string, Tensor<T>> inputs_, leaves_;
  std::map<std::string, Tensor<std::int64_t>> indices_;
  std::vector<std::string> grad_labels_;
  std::set<std::string> transposed_;
  std::vector<std::shared_ptr<nn::Module>> bound_;
  std::vector<Values> records_;
};

template <class T> using Case = std::function<Tensor<T>(Args<T>&)>;

/// Twelve steps of an optimizer over two parameters on the script's loss; records both after every step.
template <class Optimizer, class T, class Options> Tensor<T> optimizer_case(Args<T>& a, const Options& options) {
  Tensor<T> p = a["p"].detach().clone(), q = a["q"].detach().clone();
  p.requires_grad_(), q.requires_grad_();
  Optimizer optimizer(std::vector<Tensor<T>>{p, q}, options);
  const Tensor<T>& c = a["c"];
  for (int step = 0; step < 12; ++step) {
    optimizer.zero_grad();
    ((c * p * p).sum() + 0.3 * tg::pow(p - q, 2.0).sum() + (q * tg::select(c, 0, 0)).sum()).backward();
    optimizer.step();
    a.record("p@" + std::to_string(step), p);
    a.record("q@" + std::to_string(step), q);
  }
  return {};
}

/// Two parameters with the given gradients, clipped; records the clipped gradients and the returned norm.
template <class T, class Clip> Tensor<T> clip_case(Args<T>& a, Clip clip) {
  Tensor<T> p = a["p"].detach().clone(), q = a["q"].detach().clone();
  p.requires_grad_(), q.requires_grad_();
  p.set_grad(a["gp"].clone()), q.set_grad(a["gq"].clone());
  if constexpr (std::is_same_v<decltype(clip(std::vector<Tensor<T>>{})), double>) {
    a.record("norm", clip(std::vector<Tensor<T>>{p, q}));
  } else {
    clip(std::vector<Tensor<T>>{p, q});
  }
  a.record("grad:p", p.grad());
  a.record("grad:q", q.grad());
  return {};
}

/// The learning rate after each of 25 epochs (with the stored metric for ReduceLROnPlateau).
template <class T, class Make> Tensor<T> scheduler_case(Args<T>& a, Make make) {
  Tensor<T> p = tg::zeros<T>({1});
  p.requires_grad_();
  optim::SGD<T> optimizer({p}, optim::SGDOptions(0.1));
  auto scheduler = make(optimizer);
  for (int epoch = 0; epoch < 25; ++epoch) {
    optimizer.step();
    if constexpr (std::is_same_v<decltype(scheduler), optim::ReduceLROnPlateau>) {
      scheduler.step(static_cast<double>(tg::select(a["m"], 0, epoch).item()));
    } else {
      scheduler.step();
    }
    a.record("lr@" + std::to_string(epoch), optimizer.lr());
  }
  return {};
}

/// A module loaded from the inputs, in training or evaluation mode, called on x.
template <class T, class M> Tensor<T> module_case(Args<T>& a, M module, bool train = true) {
  module = a.bind(module);
  module->train(train);
  return module->forward(a["x"]);
}

template <class T> std::map<std::string, Case<T>> cases() {
  using A = Args<T>;
  const auto bce = [](const A& a, const std::string& r) { return F::binary_cross_entropy(a["x"], a["y"], {}, r); };
  const auto bcel = [](const A& a, const std::string& r) {
    return F::binary_cross_entropy_with_logits(a["x"], a["y"], {}, r);
  };
  std::map<std::string, Case<T>> c = {
      // elementwise, unary
      {"neg", [](A& a) { return -a["x"]; }},
      {"exp", [](A& a) { return tg::exp(a["x"]); }},
      {"log", [](A& a) { return tg::log(a["x"]); }},
      {"sqrt", [](A& a) { return tg::sqrt(a["x"]); }},
      {"abs", [](A& a) { return tg::abs(a["x"]); }},
      {"relu", [](A& a) { return tg::relu(a["x"]); }},
      {"leaky_relu", [](A& a) { return tg::leaky_relu(a["x"], 0.2); }},
      {"sigmoid", [](A& a) { return tg::sigmoid(a["x"]); }},
      {"tanh", [](A& a) { return tg::tanh(a["x"]); }},
      {"gelu", [](A& a) { return tg::gelu(a["x"]); }},
      {"gelu_tanh", [](A& a) { return tg::gelu(a["x"], "tanh"); }},
      {"silu", [](A& a) { return tg::silu(a["x"]); }},
      {"elu", [](A& a) { return tg::elu(a["x"], 1.5); }},
      {"softplus", [](A& a) { return tg::softplus(a["x"]); }},
      {"softplus_beta_threshold", [](A& a) { return tg::softplus(a["x"], 2, 5); }},
      {"pow_2", [](A& a) { return tg::pow(a["x"], 2.0); }},
      {"pow_3", [](A& a) { return tg::pow(a["x"], 3.0); }},
      {"pow_half", [](A& a) { return tg::pow(a["x"], 0.5); }},
      {"pow_neg", [](A& a) { return tg::pow(a["x"], -1.5); }},
      {"clamp", [](A& a) { return tg::clamp(a["x"], -0.5, 0.5); }},
      {"clamp_at_bounds", [](A& a) { return tg::clamp(a["x"], 0.0, 1.0); }},
      {"clamp_min", [](A& a) { return tg::clamp_min(a["x"], 0.25); }},
      {"clamp_max", [](A& a) { return tg::clamp_max(a["x"], 0.25); }},
      {"exp_noncontiguous", [](A& a) { return tg::exp(a["x"]); }},
      {"tanh_empty", [](A& a) { return tg::tanh(a["x"]); }},
      // elementwise, binary (broadcasting)
      {"add", [](A& a) { return a["x"] + a["y"]; }},
      {"sub", [](A& a) { return a["x"] - a["y"]; }},
      {"mul", [](A& a) { return a["x"] * a["y"]; }},
      {"div", [](A& a) { return a["x"] / a["y"]; }},
      {"pow_tensor", [](A& a) { return tg::pow(a["x"], a["y"]); }},
      {"maximum_ties", [](A& a) { return tg::maximum(a["x"], a["y"]); }},
      {"minimum_ties", [](A& a) { return tg::minimum(a["x"], a["y"]); }},
      {"add_scalar", [](A& a) { return a["x"] + 2.5; }},
      {"rsub_scalar", [](A& a) { return 2.5 - a["x"]; }},
      {"mul_scalar", [](A& a) { return a["x"] * -3.0; }},
      {"rdiv_scalar", [](A& a) { return 2.0 / a["x"]; }},
      {"mul_noncontiguous", [](A& a) { return a["x"] * a["y"]; }},
      {"add_empty", [](A& a) { return a["x"] + a["y"]; }},
      {"add_inplace", [](A& a) { return (a["x"] * 1.0).add_(a["y"], 2); }},
      {"mul_inplace", [](A& a) { return (a["x"] * 1.0).mul_(a["y"]); }},
      {"div_sub_inplace", [](A& a) { return (a["x"] * 1.0).div_(4.0).sub_(a["y"]); }},
      {"clamp_inplace", [](A& a) { return (a["x"] * 1.0).clamp_(-0.5, 0.5); }},
      {"eq", [](A& a) { return tg::eq(a["x"], a["y"]); }},
      {"ne", [](A& a) { return tg::ne(a["x"], a["y"]); }},
      {"lt", [](A& a) { return tg::lt(a["x"], a["y"]); }},
      {"le", [](A& a) { return tg::le(a["x"], a["y"]); }},
      {"gt", [](A& a) { return tg::gt(a["x"], a["y"]); }},
      {"ge", [](A& a) { return tg::ge(a["x"], a["y"]); }},
      {"where", [](A& a) { return tg::where(a["c"] > 0, a["x"], a["y"]); }},
      // reductions
      {"sum", [](A& a) { return a["x"].sum(); }},
      {"sum_dim", [](A& a) { return a["x"].sum(1); }},
      {"sum_dim_keepdim", [](A& a) { return a["x"].sum(0, true); }},
      {"sum_empty", [](A& a) { return a["x"].sum(); }},
      {"sum_noncontiguous", [](A& a) { return a["x"].sum(1); }},
      {"mean", [](A& a) { return a["x"].mean(); }},
      {"mean_dim", [](A& a) { return a["x"].mean(-1); }},
      {"mean_empty", [](A& a) { return a["x"].mean(); }},
      {"max_all_ties", [](A& a) { return a["x"].max(); }},
      {"min_all_ties", [](A& a) { return a["x"].min(); }},
      {"max_dim", [](A& a) { return a["x"].max(1); }},
      {"min_dim_keepdim", [](A& a) { return a["x"].min(0, true); }},
      {"argmax", [](A& a) { return tg::to<T>(a["x"].argmax()); }},
      {"argmax_dim", [](A& a) { return tg::to<T>(a["x"].argmax(1)); }},
      {"argmin_dim", [](A& a) { return tg::to<T>(a["x"].argmin(0)); }},
      {"var", [](A& a) { return a["x"].var(); }},
      {"var_biased", [](A& a) { return a["x"].var(false); }},
      {"var_dim", [](A& a) { return a["x"].var(1); }},
      {"std", [](A& a) { return a["x"].std(); }},
      {"std_dim_biased_keepdim", [](A& a) { return a["x"].std(0, false, true); }},
      // linear algebra
      {"matmul_2d", [](A& a) { return tg::matmul(a["x"], a["y"]); }},
      {"matmul_batched", [](A& a) { return tg::matmul(a["x"], a["y"]); }},
      {"matmul_broadcast", [](A& a) { return tg::matmul(a["x"], a["y"]); }},
      {"matmul_vector_matrix", [](A& a) { return tg::matmul(a["x"], a["y"]); }},
      {"matmul_matrix_vector", [](A& a) { return tg::matmul(a["x"], a["y"]); }},
      {"matmul_dot", [](A& a) { return tg::matmul(a["x"], a["y"]); }},
      {"matmul_noncontiguous", [](A& a) { return tg::matmul(a["x"], a["y"]); }},
      {"mm", [](A& a) { return tg::mm(a["x"], a["y"]); }},
      {"linear", [](A& a) { return F::linear(a["x"], a["w"], a["b"]); }},
      {"linear_no_bias_3d", [](A& a) { return F::linear(a["x"], a["w"]); }},
      // softmax
      {"softmax", [](A& a) { return tg::softmax(a["x"], -1); }},
      {"softmax_dim0", [](A& a) { return tg::softmax(a["x"], 0); }},
      {"log_softmax", [](A& a) { return tg::log_softmax(a["x"], -1); }},
      {"log_softmax_dim1_3d", [](A& a) { return tg::log_softmax(a["x"], 1); }},
      // views and joins
      {"view", [](A& a) { return a["x"].view({4, 3}) * a["w"]; }},
      {"reshape_noncontiguous", [](A& a) { return a["x"].reshape({12}) * a["w"]; }},
      {"transpose", [](A& a) { return a["x"].transpose(0, 2) * a["w"]; }},
      {"t", [](A& a) { return a["x"].t() * a["w"]; }},
      {"permute", [](A& a) { return a["x"].permute({2, 0, 1}) * a["w"]; }},
      {"unsqueeze", [](A& a) { return a["x"].unsqueeze(1) * a["w"]; }},
      {"squeeze", [](A& a) { return a["x"].squeeze() * a["w"]; }},
      {"squeeze_dim", [](A& a) { return a["x"].squeeze(1) * a["w"]; }},
      {"flatten", [](A& a) { return tg::flatten(a["x"], 1) * a["w"]; }},
      {"expand", [](A& a) { return a["x"].expand({3, 4}) * a["w"]; }},
      {"slice_step", [](A& a) { return tg::slice(a["x"], 1, 1, 5, 2) * a["w"]; }},
      {"select", [](A& a) { return tg::select(a["x"], 1, 2) * a["w"]; }},
      {"clone", [](A& a) { return tg::clone(a["x"]) * a["w"]; }},
      {"cat", [](A& a) { return tg::cat({a["x"], a["y"]}, 1); }},
      {"cat_empty", [](A& a) { return tg::cat({a["x"], a["y"]}, 0); }},
      {"stack", [](A& a) { return tg::stack({a["x"], a["y"]}, 1); }},
      // convolution, pooling, normalisation, embedding
      {"conv2d", [](A& a) { return tg::conv2d(a["x"], a["w"], a["b"]); }},
      {"conv2d_stride_padding", [](A& a) { return tg::conv2d(a["x"], a["w"], a["b"], 2, 1); }},
      {"conv2d_dilation_groups", [](A& a) { return tg::conv2d(a["x"], a["w"], {}, {1, 2}, {2, 1}, 2, 2); }},
      {"max_pool2d", [](A& a) { return tg::max_pool2d(a["x"], 2); }},
      {"max_pool2d_ties", [](A& a) { return tg::max_pool2d(a["x"], 2); }},
      {"max_pool2d_options", [](A& a) { return tg::max_pool2d(a["x"], 3, {2}, 1, 1, true); }},
      {"max_pool2d_dilation", [](A& a) { return tg::max_pool2d(a["x"], 2, {1}, 0, 2); }},
      {"avg_pool2d", [](A& a) { return tg::avg_pool2d(a["x"], 2); }},
      {"avg_pool2d_options", [](A& a) { return tg::avg_pool2d(a["x"], 3, {2}, 1, true, false); }},
      {"avg_pool2d_divisor", [](A& a) { return tg::avg_pool2d(a["x"], 2, {1}, 1, false, true, 3); }},
      {"adaptive_avg_pool2d", [](A& a) { return tg::adaptive_avg_pool2d(a["x"], {3, 2}); }},
      {"adaptive_avg_pool2d_1", [](A& a) { return tg::adaptive_avg_pool2d(a["x"], 1); }},
      {"batch_norm_train", [](A& a) { return tg::batch_norm(a["x"], a["rm"], a["rv"], a["w"], a["b"], true); }},
      {"batch_norm_eval", [](A& a) { return tg::batch_norm(a["x"], a["rm"], a["rv"], a["w"], a["b"], false); }},
      {"layer_norm", [](A& a) { return tg::layer_norm(a["x"], {4}, a["w"], a["b"]); }},
      {"layer_norm_2d_no_affine", [](A& a) { return tg::layer_norm(a["x"], {3, 4}, {}, {}, 1e-3); }},
      {"embedding", [](A& a) { return F::embedding(a.index("i"), a["w"]); }},
      {"embedding_padding_idx", [](A& a) { return F::embedding(a.index("i"), a["w"], 1); }},
      // losses
      {"smooth_l1_loss_beta0", [](A& a) { return F::smooth_l1_loss(a["x"], a["y"], "mean", 0.0); }},
      {"smooth_l1_loss_beta0_at_zero", [](A& a) { return F::smooth_l1_loss(a["x"], a["y"], "mean", 0.0); }},
      {"binary_cross_entropy_weight", [](A& a) { return F::binary_cross_entropy(a["x"], a["y"], a["w"]); }},
      {"binary_cross_entropy_with_logits_weights",
       [](A& a) { return F::binary_cross_entropy_with_logits(a["x"], a["y"], a["w"], "sum", a["p"]); }},
      {"nll_loss_weight_ignore", [](A& a) { return F::nll_loss(a["x"], a.index("t"), a["w"], 2); }},
      {"cross_entropy_weight", [](A& a) { return F::cross_entropy(a["x"], a.index("t"), a["w"]); }},
      {"cross_entropy_ignore_sum", [](A& a) { return F::cross_entropy(a["x"], a.index("t"), {}, 1, "sum"); }},
      {"cross_entropy_label_smoothing",
       [](A& a) { return F::cross_entropy(a["x"], a.index("t"), {}, -100, "mean", 0.1); }},
      {"cross_entropy_label_smoothing_weight_none",
       [](A& a) { return F::cross_entropy(a["x"], a.index("t"), a["w"], -100, "none", 0.2); }},
      // layers, in train and eval mode
      {"Linear", [](A& a) { return module_case(a, nn::Linear(5, 3)); }},
      {"Conv2d", [](A& a) { return module_case(a, nn::Conv2d(nn::Conv2dOptions(2, 3, 3).padding(1).bias(false))); }},
      {"BatchNorm1d_train", [](A& a) { return module_case(a, nn::BatchNorm1d(4)); }},
      {"BatchNorm1d_eval", [](A& a) { return module_case(a, nn::BatchNorm1d(4), false); }},
      {"BatchNorm1d_3d_train",
       [](A& a) { return module_case(a, nn::BatchNorm1d(nn::BatchNormOptions(3).momentum(0.3))); }},
      {"BatchNorm2d_train", [](A& a) { return module_case(a, nn::BatchNorm2d(3)); }},
      {"BatchNorm2d_eval", [](A& a) { return module_case(a, nn::BatchNorm2d(nn::BatchNormOptions(3).eps(1e-3)), false); }},
      {"BatchNorm2d_cumulative",
       [](A& a) { return module_case(a, nn::BatchNorm2d(nn::BatchNormOptions(3).momentum(std::nullopt))); }},
      {"LayerNorm", [](A& a) { return module_case(a, nn::LayerNorm(nn::LayerNormOptions({3, 4}))); }},
      {"Dropout_eval", [](A& a) { return module_case(a, nn::Dropout(0.5), false); }},
      {"Flatten", [](A& a) { return module_case(a, nn::Flatten()); }},
      {"Softmax", [](A& a) { return module_case(a, nn::Softmax(1)); }},
      {"LogSoftmax", [](A& a) { return module_case(a, nn::LogSoftmax(1)); }},
      {"MaxPool2d", [](A& a) { return module_case(a, nn::MaxPool2d(nn::MaxPool2dOptions(2).stride(1))); }},
      {"AvgPool2d", [](A& a) { return module_case(a, nn::AvgPool2d(nn::AvgPool2dOptions(3).stride(2).padding(1))); }},
      {"AdaptiveAvgPool2d", [](A& a) { return module_case(a, nn::AdaptiveAvgPool2d(tg::ExpandingArray<2>({2, 3}))); }},
      {"Dropout2d_eval", [](A& a) { return module_case(a, nn::Dropout2d(0.3), false); }},
      {"Identity", [](A& a) { return module_case(a, nn::Identity()); }},
      {"activation_modules", [](A& a) {
         return module_case(a, nn::Sequential(nn::LeakyReLU(0.1), nn::ELU(0.5), nn::GELU("tanh"), nn::SiLU(),
                                              nn::Softplus(2.0, 4.0), nn::Sigmoid(), nn::Tanh(), nn::ReLU()));
       }},
      {"Embedding", [](A& a) {
         return a.bind(nn::Embedding(nn::EmbeddingOptions(5, 3).padding_idx(0)))->template forward<T>(a.index("i"));
       }},
      {"CrossEntropyLoss", [](A& a) {
         const nn::CrossEntropyLoss loss(nn::CrossEntropyLossOptions().weight(a["w"]).ignore_index(3).label_smoothing(0.05));
         return loss->forward(a["x"], a.index("t"));
       }},
      {"BCEWithLogitsLoss", [](A& a) {
         const nn::BCEWithLogitsLoss loss(nn::BCEWithLogitsLossOptions().pos_weight(a["p"]).reduction("none"));
         return loss->forward(a["x"], a["y"]);
       }},
      {"Sequential_mlp", [](A& a) {
         return module_case(a, nn::Sequential(nn::Linear(4, 6), nn::ReLU(), nn::Linear(6, 3), nn::Tanh()));
       }},
      // optimizers
      {"SGD", [](A& a) { return optimizer_case<optim::SGD<T>>(a, optim::SGDOptions(0.05)); }},
      {"SGD_momentum", [](A& a) { return optimizer_case<optim::SGD<T>>(a, optim::SGDOptions(0.05).momentum(0.9)); }},
      {"SGD_dampening_weight_decay", [](A& a) {
         return optimizer_case<optim::SGD<T>>(a, optim::SGDOptions(0.05).momentum(0.8).dampening(0.3).weight_decay(0.1));
       }},
      {"SGD_nesterov",
       [](A& a) { return optimizer_case<optim::SGD<T>>(a, optim::SGDOptions(0.05).momentum(0.9).nesterov(true)); }},
      {"Adam", [](A& a) { return optimizer_case<optim::Adam<T>>(a, optim::AdamOptions(0.05)); }},
      {"Adam_betas_eps_weight_decay", [](A& a) {
         return optimizer_case<optim::Adam<T>>(a, optim::AdamOptions(0.05).betas({0.8, 0.9}).eps(1e-6).weight_decay(0.1));
       }},
      {"Adam_amsgrad", [](A& a) { return optimizer_case<optim::Adam<T>>(a, optim::AdamOptions(0.05).amsgrad(true)); }},
      {"AdamW", [](A& a) { return optimizer_case<optim::AdamW<T>>(a, optim::AdamWOptions(0.05)); }},
      {"AdamW_amsgrad", [](A& a) {
         return optimizer_case<optim::AdamW<T>>(a, optim::AdamWOptions(0.05).weight_decay(0.3).amsgrad(true));
       }},
      {"RMSprop", [](A& a) { return optimizer_case<optim::RMSprop<T>>(a, optim::RMSpropOptions(0.01)); }},
      {"RMSprop_centered_momentum", [](A& a) {
         return optimizer_case<optim::RMSprop<T>>(a, optim::RMSpropOptions(0.01).alpha(0.9).momentum(0.5).centered(true));
       }},
      {"RMSprop_weight_decay", [](A& a) {
         return optimizer_case<optim::RMSprop<T>>(a, optim::RMSpropOptions(0.01).eps(1e-4).weight_decay(0.2));
       }},
      {"Adagrad", [](A& a) { return optimizer_case<optim::Adagrad<T>>(a, optim::AdagradOptions(0.1)); }},
      {"Adagrad_options", [](A& a) {
         return optimizer_case<optim::Adagrad<T>>(
             a, optim::AdagradOptions(0.1).lr_decay(0.05).weight_decay(0.1).initial_accumulator_value(0.5).eps(1e-6));
       }},
      // gradient clipping
      {"clip_grad_norm_2", [](A& a) { return clip_case(a, [](auto ps) { return nn::utils::clip_grad_norm_(ps, 1.0); }); }},
      {"clip_grad_norm_1",
       [](A& a) { return clip_case(a, [](auto ps) { return nn::utils::clip_grad_norm_(ps, 2.0, 1.0); }); }},
      {"clip_grad_norm_inf",
       [](A& a) { return clip_case(a, [](auto ps) { return nn::utils::clip_grad_norm_(ps, 0.5, INFINITY); }); }},
      {"clip_grad_norm_unclipped",
       [](A& a) { return clip_case(a, [](auto ps) { return nn::utils::clip_grad_norm_(ps, 1e6); }); }},
      {"clip_grad_value", [](A& a) { return clip_case(a, [](auto ps) { nn::utils::clip_grad_value_(ps, 0.7); }); }},
      // learning-rate schedulers
      {"StepLR", [](A& a) { return scheduler_case(a, [](auto& o) { return optim::StepLR(o, 4, 0.5); }); }},
      {"ExponentialLR", [](A& a) { return scheduler_case(a, [](auto& o) { return optim::ExponentialLR(o, 0.9); }); }},
      {"CosineAnnealingLR",
       [](A& a) { return scheduler_case(a, [](auto& o) { return optim::CosineAnnealingLR(o, 10, 0.01); }); }},
      {"ReduceLROnPlateau",
       [](A& a) { return scheduler_case(a, [](auto& o) { return optim::ReduceLROnPlateau(o, "min", 0.5, 2); }); }},
      {"ReduceLROnPlateau_max_abs_cooldown", [](A& a) {
         return scheduler_case(a, [](auto& o) { return optim::ReduceLROnPlateau(o, "max", 0.3, 1, 0.1, "abs", 2, 0.005); });
       }},
  };
  for (const std::string r : {"none", "mean", "sum"}) {
    c["mse_loss_" + r] = [r](A& a) { return F::mse_loss(a["x"], a["y"], r); };
    c["l1_loss_" + r] = [r](A& a) { return F::l1_loss(a["x"], a["y"], r); };
    c["smooth_l1_loss_" + r] = [r](A& a) { return F::smooth_l1_loss(a["x"], a["y"], r, 0.5); };
    c["huber_loss_" + r] = [r](A& a) { return F::huber_loss(a["x"], a["y"], r, 1.5); };
    c["binary_cross_entropy_" + r] = [r, bce](A& a) { return bce(a, r); };
    c["binary_cross_entropy_with_logits_" + r] = [r, bcel](A& a) { return bcel(a, r); };
    c["nll_loss_" + r] = [r](A& a) { return F::nll_loss(a["x"], a.index("t"), {}, -100, r); };
    c["cross_entropy_" + r] = [r](A& a) { return F::cross_entropy(a["x"], a.index("t"), {}, -100, r); };
  }
  return c;
}

/// "" when the values agree within the case's tolerance (NaN matches NaN, infinities their own sign), else a
/// line naming the first element that does not and how many do not.
std::string compare(const Values& ours, const Values& ref, double rtol, double atol) {
  std::ostringstream why;
  why.precision(17);
  if (ours.shape != ref.shape) {
    why << ref.label << ": shape [";
    for (auto d : ours.shape) why << d << ",";
    why << "] vs PyTorch's [";
    for (auto d : ref.shape) why << d << ",";
    why << "]";
    return why.str();
  }
  std::size_t bad = 0, first = 0;
  for (std::size_t i = 0; i < ref.values.size(); ++i) {
    const double a = ours.values[i], b = ref.values[i];
    const bool same = (std::isnan(a) && std::isnan(b)) || a == b || std::abs(a - b) <= atol + rtol * std::abs(b);
    if (!same && bad++ == 0) first = i;
  }
  if (bad == 0) return "";
  why << ref.label << ": " << bad << " of " << ref.values.size() << " differ; first [" << first << "] "
      << ours.values[first] << " vs PyTorch's " << ref.values[first] << " (rtol " << rtol << ", atol " << atol << ")";
  return why.str();
}

template <class T> void check_against(const std::vector<Reference>& refs, const char* dtype) {
  const std::map<std::string, Case<T>> table = cases<T>();
  std::size_t compared = 0;
  for (const Reference& ref : refs) {
    if (ref.dtype != dtype) continue;
    INFO("case " << ref.name << " " << dtype);
    const auto it = table.find(ref.name);
    CHECK(it != table.end());  // a case of the script without its line here
    if (it == table.end()) continue;
    Args<T> args(ref);
    try {
      args.finish(it->second(args));
    } catch (const std::exception& e) {
      CHECK(std::string("threw: ") + e.what() == "");  // PyTorch computed it
      continue;
    }
    std::map<std::string, const Values*> ours;
    for (const Values& v : args.records()) ours[v.label] = &v;
    std::size_t differing = 0;
    for (const Values& r : ref.records) {
      INFO("record " << r.label);
      const auto o = ours.find(r.label);
      REQUIRE(o != ours.end());  // PyTorch recorded something tensorgrad did not
      const std::string mismatch = compare(*o->second, r, ref.rtol, ref.atol);
      if (ref.differs.empty()) CHECK(mismatch == "");
      differing += !mismatch.empty();
      ours.erase(o);
      ++compared;
    }
    // An intentional difference that no longer shows is taken off the list in tests/pytorch_reference.py.
    if (!ref.differs.empty()) CHECK((differing > 0 ? "" : "listed as differing, but matches: " + ref.differs) == "");
    for (const auto& [label, v] : ours) CHECK(label == "(recorded by PyTorch too)");
  }
  // Every line of the table has a case in the reference file (in either dtype: schedulers are float64 only).
  for (const auto& [name, fn] : table) {
    const bool in_file = std::any_of(refs.begin(), refs.end(), [&](const Reference& r) { return r.name == name; });
    CHECK((in_file ? "" : "a case missing from the reference file: " + name) == "");
  }
  CHECK(compared > 0);
}

std::string reference_path() {
  const char* env = std::getenv("TG_PYTORCH_REFERENCE");
  return env && *env ? env : TG_PYTORCH_REFERENCE;
}

}  // namespace pytorch_reference

TEST_CASE("tensorgrad matches PyTorch on every reference case, float32", "[pytorch]") {
  pytorch_reference::check_against<float>(pytorch_reference::read_references(pytorch_reference::reference_path()), "f32");
}

TEST_CASE("tensorgrad matches PyTorch on every reference case, float64", "[pytorch]") {
  pytorch_reference::check_against<double>(pytorch_reference::read_references(pytorch_reference::reference_path()), "f64");
}
