#pragma once
/// Embedding(num_embeddings, embedding_dim): a lookup table of learnable vectors, initialised N(0, 1) as
/// PyTorch's; forward takes int64 indices of any shape and returns input.shape + [embedding_dim].
/// With padding_idx, that row starts at zero and never receives a gradient.
/// Example: nn::Embedding emb(nn::EmbeddingOptions(10000, 256).padding_idx(0));  auto v = emb(tokens);
#include <cstdint>
#include <optional>
#include <string>

#include "functional.hpp"
#include "init.hpp"
#include "module_holder.hpp"
#include "options.hpp"

namespace tg {
namespace nn {

struct EmbeddingOptions {
  EmbeddingOptions(std::int64_t num_embeddings, std::int64_t embedding_dim)
      : num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {}
  TG_ARG(std::int64_t, num_embeddings);
  TG_ARG(std::int64_t, embedding_dim);
  /// Negative values count from the end (−1 is the last row), as PyTorch.
  TG_ARG(std::optional<std::int64_t>, padding_idx);
};

class EmbeddingImpl : public Module {
 public:
  EmbeddingImpl(std::int64_t num_embeddings, std::int64_t embedding_dim)
      : EmbeddingImpl(EmbeddingOptions(num_embeddings, embedding_dim)) {}
  explicit EmbeddingImpl(const EmbeddingOptions& options) : options(options) {
    const std::int64_t rows = options.num_embeddings();
    TG_CHECK(rows >= 0 && options.embedding_dim() >= 0,
             "Embedding: num_embeddings and embedding_dim must be non-negative, got ", rows, " and ",
             options.embedding_dim());
    this->options.padding_idx(tg::detail::wrap_padding_idx("Embedding", options.padding_idx(), rows));
    weight = register_parameter("weight", empty<float>({rows, options.embedding_dim()}));
    reset_parameters();
  }

  /// PyTorch's default: weight ~ N(0, 1), the padding row zero.
  void reset_parameters() {
    init::normal_(weight);
    if (options.padding_idx()) {
      NoGradGuard no_grad;
      weight.visit_floating("Embedding", [&](auto w) { w.select(0, *options.padding_idx()).fill_(0.0); });
    }
  }

  /// Rows of the weight, as Tensor<T>: a float64 module (after to(tg::kFloat64)) is called as forward<double>.
  template <class T = float> Tensor<T> forward(const Tensor<std::int64_t>& input) const {
    return in_context([&] {
      TG_CHECK(weight.is<T>(), "expected forward<", weight.dtype() == Dtype::Float64 ? "double" : "float",
               "> for a ", dtype_name(weight.dtype()), " weight, got forward<", dtype_name(dtype_v<T>), ">");
      return functional::embedding(input, weight.as<T>(), options.padding_idx());
    });
  }

  std::string name() const override { return "Embedding"; }
  std::string extra_repr() const override {
    std::string s = std::to_string(options.num_embeddings()) + ", " + std::to_string(options.embedding_dim());
    if (options.padding_idx()) s += ", padding_idx=" + std::to_string(*options.padding_idx());
    return s;
  }

  EmbeddingOptions options;
  AnyTensor weight;
};
TG_MODULE(Embedding);

}  // namespace nn
}  // namespace tg
