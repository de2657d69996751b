#pragma once
/// The one list of templates that the compiled library (CMake target tensorgrad::compiled) instantiates.
///
/// Header-only is the default: every translation unit instantiates the ops it uses, which is most of what a
/// tensorgrad program costs to compile. With TENSORGRAD_COMPILED defined (the compiled target sets it for its
/// consumers), tensorgrad.hpp declares each entry below `extern template`, so consumers only parse the
/// definitions and call the library's copies; the library's sources (src/) expand the same list without
/// `extern`, once per dtype. An op missing here still works in compiled mode, it is just instantiated locally.
///
/// TG_INSTANTIATE_<SET>(EXTERN, T) expands to one explicit instantiation per entry, each prefixed with EXTERN
/// (`extern` or nothing). Default arguments are not repeated here: they live in the declarations.
#include "tensorgrad.hpp"

/// Ops every dtype has (float, double, int64): creation, views, copies, arithmetic, reductions, joins.
#define TG_INSTANTIATE_ALL_DTYPES(EXTERN, T)                                                                  \
  EXTERN template ::tg::Tensor<T> tg::empty<T>(const ::tg::Shape&, ::tg::Device);                              \
  EXTERN template ::tg::Tensor<T> tg::full<T>(const ::tg::Shape&, T, ::tg::Device);                            \
  EXTERN template ::tg::Tensor<T> tg::zeros<T>(const ::tg::Shape&, ::tg::Device);                              \
  EXTERN template ::tg::Tensor<T> tg::ones<T>(const ::tg::Shape&, ::tg::Device);                               \
  EXTERN template ::tg::Tensor<T> tg::tensor<T>(const std::vector<T>&, const ::tg::Shape&, ::tg::Device);      \
  EXTERN template ::tg::Tensor<T> tg::view<T>(const ::tg::Tensor<T>&, const ::tg::Shape&);                     \
  EXTERN template ::tg::Tensor<T> tg::reshape<T>(const ::tg::Tensor<T>&, const ::tg::Shape&);                  \
  EXTERN template ::tg::Tensor<T> tg::transpose<T>(const ::tg::Tensor<T>&, std::int64_t, std::int64_t);        \
  EXTERN template ::tg::Tensor<T> tg::t<T>(const ::tg::Tensor<T>&);                                            \
  EXTERN template ::tg::Tensor<T> tg::permute<T>(const ::tg::Tensor<T>&, const ::tg::Shape&);                  \
  EXTERN template ::tg::Tensor<T> tg::unsqueeze<T>(const ::tg::Tensor<T>&, std::int64_t);                      \
  EXTERN template ::tg::Tensor<T> tg::squeeze<T>(const ::tg::Tensor<T>&);                                      \
  EXTERN template ::tg::Tensor<T> tg::squeeze<T>(const ::tg::Tensor<T>&, std::int64_t);                        \
  EXTERN template ::tg::Tensor<T> tg::flatten<T>(const ::tg::Tensor<T>&, std::int64_t, std::int64_t);          \
  EXTERN template ::tg::Tensor<T> tg::expand<T>(const ::tg::Tensor<T>&, const ::tg::Shape&);                   \
  EXTERN template ::tg::Tensor<T> tg::slice<T>(const ::tg::Tensor<T>&, std::int64_t, std::int64_t,             \
                                               std::int64_t, std::int64_t);                                    \
  EXTERN template ::tg::Tensor<T> tg::select<T>(const ::tg::Tensor<T>&, std::int64_t, std::int64_t);           \
  EXTERN template ::tg::Tensor<T> tg::clone<T>(const ::tg::Tensor<T>&);                                        \
  EXTERN template ::tg::Tensor<T> tg::to_device<T>(const ::tg::Tensor<T>&, ::tg::Device);                      \
  EXTERN template ::tg::Tensor<float> tg::to<float, T>(const ::tg::Tensor<T>&);                                \
  EXTERN template ::tg::Tensor<double> tg::to<double, T>(const ::tg::Tensor<T>&);                              \
  EXTERN template ::tg::Tensor<std::int64_t> tg::to<std::int64_t, T>(const ::tg::Tensor<T>&);                  \
  EXTERN template ::tg::Tensor<T> tg::add<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);                  \
  EXTERN template ::tg::Tensor<T> tg::mul<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);                  \
  EXTERN template ::tg::Tensor<T> tg::maximum<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);              \
  EXTERN template ::tg::Tensor<T> tg::minimum<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);              \
  EXTERN template ::tg::Tensor<T>& tg::add_<T>(::tg::Tensor<T>&, const ::tg::Tensor<T>&, double);              \
  EXTERN template ::tg::Tensor<T>& tg::mul_<T>(::tg::Tensor<T>&, const ::tg::Tensor<T>&);                      \
  EXTERN template ::tg::Tensor<T>& tg::add_scalar_<T>(::tg::Tensor<T>&, double);                               \
  EXTERN template ::tg::Tensor<T>& tg::mul_scalar_<T>(::tg::Tensor<T>&, double);                               \
  EXTERN template ::tg::Tensor<T>& tg::fill_<T>(::tg::Tensor<T>&, double);                                     \
  EXTERN template ::tg::Tensor<T>& tg::copy_<T>(::tg::Tensor<T>&, const ::tg::Tensor<T>&);                     \
  EXTERN template ::tg::Tensor<T> tg::sum<T>(const ::tg::Tensor<T>&);                                          \
  EXTERN template ::tg::Tensor<T> tg::sum<T>(const ::tg::Tensor<T>&, std::int64_t, bool);                      \
  EXTERN template ::tg::Tensor<T> tg::max<T>(const ::tg::Tensor<T>&);                                          \
  EXTERN template ::tg::Tensor<T> tg::max<T>(const ::tg::Tensor<T>&, std::int64_t, bool);                      \
  EXTERN template ::tg::Tensor<T> tg::min<T>(const ::tg::Tensor<T>&);                                          \
  EXTERN template ::tg::Tensor<T> tg::min<T>(const ::tg::Tensor<T>&, std::int64_t, bool);                      \
  EXTERN template ::tg::Tensor<std::int64_t> tg::argmax<T>(const ::tg::Tensor<T>&);                            \
  EXTERN template ::tg::Tensor<std::int64_t> tg::argmax<T>(const ::tg::Tensor<T>&, std::int64_t, bool);        \
  EXTERN template ::tg::Tensor<std::int64_t> tg::argmin<T>(const ::tg::Tensor<T>&);                            \
  EXTERN template ::tg::Tensor<std::int64_t> tg::argmin<T>(const ::tg::Tensor<T>&, std::int64_t, bool);        \
  EXTERN template ::tg::Tensor<T> tg::cat<T>(const std::vector<::tg::Tensor<T>>&, std::int64_t);               \
  EXTERN template ::tg::Tensor<T> tg::stack<T>(const std::vector<::tg::Tensor<T>>&, std::int64_t);             \
  EXTERN template ::tg::Tensor<T> tg::detail::sum_to<T>(const ::tg::Tensor<T>&, const ::tg::Shape&);

/// Ops, layers' functional forms, losses and optimizers of the floating dtypes (float, double).
#define TG_INSTANTIATE_FLOATING(EXTERN, T)                                                                     \
  EXTERN template ::tg::Tensor<T> tg::div<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);                  \
  EXTERN template ::tg::Tensor<T> tg::sub<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);                  \
  EXTERN template ::tg::Tensor<T> tg::neg<T>(const ::tg::Tensor<T>&);                                          \
  EXTERN template ::tg::Tensor<T> tg::abs<T>(const ::tg::Tensor<T>&);                                          \
  EXTERN template ::tg::Tensor<T> tg::exp<T>(const ::tg::Tensor<T>&);                                          \
  EXTERN template ::tg::Tensor<T> tg::log<T>(const ::tg::Tensor<T>&);                                          \
  EXTERN template ::tg::Tensor<T> tg::sqrt<T>(const ::tg::Tensor<T>&);                                         \
  EXTERN template ::tg::Tensor<T> tg::pow<T>(const ::tg::Tensor<T>&, double);                                  \
  EXTERN template ::tg::Tensor<T> tg::pow<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);                  \
  EXTERN template ::tg::Tensor<T> tg::clamp<T>(const ::tg::Tensor<T>&, double, double);                        \
  EXTERN template ::tg::Tensor<T> tg::clamp_min<T>(const ::tg::Tensor<T>&, double);                            \
  EXTERN template ::tg::Tensor<T> tg::clamp_max<T>(const ::tg::Tensor<T>&, double);                            \
  EXTERN template ::tg::Tensor<T> tg::relu<T>(const ::tg::Tensor<T>&);                                         \
  EXTERN template ::tg::Tensor<T> tg::leaky_relu<T>(const ::tg::Tensor<T>&, double);                           \
  EXTERN template ::tg::Tensor<T> tg::sigmoid<T>(const ::tg::Tensor<T>&);                                      \
  EXTERN template ::tg::Tensor<T> tg::tanh<T>(const ::tg::Tensor<T>&);                                         \
  EXTERN template ::tg::Tensor<T> tg::gelu<T>(const ::tg::Tensor<T>&, const std::string&);                     \
  EXTERN template ::tg::Tensor<T> tg::silu<T>(const ::tg::Tensor<T>&);                                         \
  EXTERN template ::tg::Tensor<T> tg::elu<T>(const ::tg::Tensor<T>&, double);                                  \
  EXTERN template ::tg::Tensor<T> tg::softplus<T>(const ::tg::Tensor<T>&, double, double);                       \
  EXTERN template ::tg::Tensor<T> tg::softmax<T>(const ::tg::Tensor<T>&, std::int64_t);                        \
  EXTERN template ::tg::Tensor<T> tg::log_softmax<T>(const ::tg::Tensor<T>&, std::int64_t);                    \
  EXTERN template ::tg::Tensor<T>& tg::div_<T>(::tg::Tensor<T>&, const ::tg::Tensor<T>&);                      \
  EXTERN template ::tg::Tensor<T>& tg::div_scalar_<T>(::tg::Tensor<T>&, double);                               \
  EXTERN template ::tg::Tensor<T>& tg::clamp_<T>(::tg::Tensor<T>&, double, double);                            \
  EXTERN template ::tg::Tensor<T> tg::mean<T>(const ::tg::Tensor<T>&);                                         \
  EXTERN template ::tg::Tensor<T> tg::mean<T>(const ::tg::Tensor<T>&, std::int64_t, bool);                     \
  EXTERN template ::tg::Tensor<T> tg::var<T>(const ::tg::Tensor<T>&, bool);                                    \
  EXTERN template ::tg::Tensor<T> tg::var<T>(const ::tg::Tensor<T>&, std::int64_t, bool, bool);                \
  EXTERN template ::tg::Tensor<T> tg::std<T>(const ::tg::Tensor<T>&, bool);                                    \
  EXTERN template ::tg::Tensor<T> tg::std<T>(const ::tg::Tensor<T>&, std::int64_t, bool, bool);                \
  EXTERN template ::tg::Tensor<T> tg::matmul<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);               \
  EXTERN template ::tg::Tensor<T> tg::mm<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&);                   \
  EXTERN template ::tg::Tensor<T> tg::linear<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&,                \
                                                const ::tg::Tensor<T>&);                                       \
  EXTERN template ::tg::Tensor<T> tg::conv2d<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&,                \
                                                const ::tg::Tensor<T>&, const ::tg::ExpandingArray<2>&,        \
                                                const ::tg::ExpandingArray<2>&, const ::tg::ExpandingArray<2>&, \
                                                std::int64_t);                                                 \
  EXTERN template ::tg::Tensor<T> tg::max_pool2d<T>(const ::tg::Tensor<T>&, const ::tg::ExpandingArray<2>&,    \
                                                    const std::optional<::tg::ExpandingArray<2>>&,             \
                                                    const ::tg::ExpandingArray<2>&,                            \
                                                    const ::tg::ExpandingArray<2>&, bool);                     \
  EXTERN template ::tg::Tensor<T> tg::avg_pool2d<T>(const ::tg::Tensor<T>&, const ::tg::ExpandingArray<2>&,    \
                                                    const std::optional<::tg::ExpandingArray<2>>&,             \
                                                    const ::tg::ExpandingArray<2>&, bool, bool,                \
                                                    std::optional<std::int64_t>);                              \
  EXTERN template ::tg::Tensor<T> tg::adaptive_avg_pool2d<T>(const ::tg::Tensor<T>&,                           \
                                                             const ::tg::ExpandingArray<2>&);                  \
  EXTERN template ::tg::Tensor<T> tg::embedding<T>(const ::tg::Tensor<std::int64_t>&, const ::tg::Tensor<T>&,  \
                                                   std::optional<std::int64_t>);                               \
  EXTERN template ::tg::Tensor<T> tg::batch_norm<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&,            \
                                                    const ::tg::Tensor<T>&, const ::tg::Tensor<T>&,            \
                                                    const ::tg::Tensor<T>&, bool, double, double);             \
  EXTERN template ::tg::Tensor<T> tg::layer_norm<T>(const ::tg::Tensor<T>&, const ::tg::Shape&,                \
                                                    const ::tg::Tensor<T>&, const ::tg::Tensor<T>&, double);   \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::dropout<T>(const ::tg::Tensor<T>&, double, bool,         \
                                                                 ::tg::Generator&);                            \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::dropout2d<T>(const ::tg::Tensor<T>&, double, bool,       \
                                                                   ::tg::Generator&);                          \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::mse_loss<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&, \
                                                                  const std::string&);                         \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::l1_loss<T>(const ::tg::Tensor<T>&, const ::tg::Tensor<T>&, \
                                                                 const std::string&);                          \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::smooth_l1_loss<T>(                                       \
      const ::tg::Tensor<T>&, const ::tg::Tensor<T>&, const std::string&, double);                             \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::huber_loss<T>(const ::tg::Tensor<T>&,                    \
                                                                    const ::tg::Tensor<T>&, const std::string&, \
                                                                    double);                                   \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::binary_cross_entropy<T>(                                 \
      const ::tg::Tensor<T>&, const ::tg::Tensor<T>&, const ::tg::Tensor<T>&, const std::string&);             \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::binary_cross_entropy_with_logits<T>(                     \
      const ::tg::Tensor<T>&, const ::tg::Tensor<T>&, const ::tg::Tensor<T>&, const std::string&,              \
      const ::tg::Tensor<T>&);                                                                                 \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::nll_loss<T>(const ::tg::Tensor<T>&,                      \
                                                                  const ::tg::Tensor<std::int64_t>&,           \
                                                                  const ::tg::Tensor<T>&, std::int64_t,        \
                                                                  const std::string&);                         \
  EXTERN template ::tg::Tensor<T> tg::nn::functional::cross_entropy<T>(                                        \
      const ::tg::Tensor<T>&, const ::tg::Tensor<std::int64_t>&, const ::tg::Tensor<T>&, std::int64_t,         \
      const std::string&, double);                                                                             \
  EXTERN template double tg::nn::utils::clip_grad_norm_<T>(const std::vector<::tg::Tensor<T>>&, double, double, \
                                                           bool);                                              \
  EXTERN template void tg::nn::utils::clip_grad_value_<T>(const std::vector<::tg::Tensor<T>>&, double);        \
  EXTERN template class tg::optim::Optimizer<T>;                                                               \
  EXTERN template class tg::optim::SGD<T>;                                                                     \
  EXTERN template class tg::optim::Adam<T>;                                                                    \
  EXTERN template class tg::optim::AdamW<T>;                                                                   \
  EXTERN template class tg::optim::RMSprop<T>;                                                                 \
  EXTERN template class tg::optim::Adagrad<T>;

namespace tg {
namespace detail {
/// Defined only in the compiled library. A program compiled with TENSORGRAD_COMPILED that does not link it
/// fails to link with this name in the error, instead of with a page of missing ops.
extern const int TENSORGRAD_COMPILED_is_defined_so_link_the_tensorgrad_compiled_library;
}  // namespace detail
}  // namespace tg

#ifdef TENSORGRAD_COMPILED
TG_INSTANTIATE_ALL_DTYPES(extern, float)
TG_INSTANTIATE_ALL_DTYPES(extern, double)
TG_INSTANTIATE_ALL_DTYPES(extern, std::int64_t)
TG_INSTANTIATE_FLOATING(extern, float)
TG_INSTANTIATE_FLOATING(extern, double)
namespace tg {
namespace detail {
[[gnu::used]] static const int* const compiled_library_link_check =
    &TENSORGRAD_COMPILED_is_defined_so_link_the_tensorgrad_compiled_library;
}  // namespace detail
}  // namespace tg
#endif
