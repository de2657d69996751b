#pragma once
/// Declarations of the ops layer's free functions, so Tensor<T>'s member functions can forward to them.
/// Each is defined (with its backward) in the ops header named in the comment. Default arguments live here.
#include <cstdint>

#include "../core/device.hpp"
#include "../core/shape.hpp"

namespace tg {
template <class T> class Tensor;

// ops/view.hpp
template <class T> Tensor<T> view(const Tensor<T>& x, const Shape& shape);
template <class T> Tensor<T> reshape(const Tensor<T>& x, const Shape& shape);
template <class T> Tensor<T> transpose(const Tensor<T>& x, std::int64_t d0, std::int64_t d1);
template <class T> Tensor<T> t(const Tensor<T>& x);
template <class T> Tensor<T> permute(const Tensor<T>& x, const Shape& dims);
template <class T> Tensor<T> unsqueeze(const Tensor<T>& x, std::int64_t dim);
template <class T> Tensor<T> squeeze(const Tensor<T>& x);
template <class T> Tensor<T> squeeze(const Tensor<T>& x, std::int64_t dim);
template <class T> Tensor<T> flatten(const Tensor<T>& x, std::int64_t start_dim = 0, std::int64_t end_dim = -1);
template <class T> Tensor<T> expand(const Tensor<T>& x, const Shape& shape);
template <class T>
Tensor<T> slice(const Tensor<T>& x, std::int64_t dim, std::int64_t start, std::int64_t end, std::int64_t step = 1);
template <class T> Tensor<T> select(const Tensor<T>& x, std::int64_t dim, std::int64_t index);
template <class T> Tensor<T> clone(const Tensor<T>& x);
template <class U, class T> Tensor<U> to(const Tensor<T>& x);
template <class T> Tensor<T> to_device(const Tensor<T>& x, Device device);

// ops/unary.hpp
template <class T> Tensor<T> neg(const Tensor<T>& x);
template <class T> Tensor<T> exp(const Tensor<T>& x);
template <class T> Tensor<T> log(const Tensor<T>& x);
template <class T> Tensor<T> sqrt(const Tensor<T>& x);
template <class T> Tensor<T> abs(const Tensor<T>& x);
template <class T> Tensor<T> relu(const Tensor<T>& x);
template <class T> Tensor<T> sigmoid(const Tensor<T>& x);
template <class T> Tensor<T> tanh(const Tensor<T>& x);
template <class T> Tensor<T> pow(const Tensor<T>& x, double exponent);
template <class T> Tensor<T> clamp(const Tensor<T>& x, double min, double max);
template <class T> Tensor<T> clamp_min(const Tensor<T>& x, double min);
template <class T> Tensor<T> clamp_max(const Tensor<T>& x, double max);

// ops/binary.hpp
template <class T> Tensor<T> add(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> sub(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> mul(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> div(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> pow(const Tensor<T>& a, const Tensor<T>& b);

// ops/inplace.hpp
template <class T> Tensor<T>& add_(Tensor<T>& x, const Tensor<T>& other, double alpha = 1);
template <class T> Tensor<T>& mul_(Tensor<T>& x, const Tensor<T>& other);
template <class T> Tensor<T>& div_(Tensor<T>& x, const Tensor<T>& other);
template <class T> Tensor<T>& add_scalar_(Tensor<T>& x, double value);
template <class T> Tensor<T>& mul_scalar_(Tensor<T>& x, double value);
template <class T> Tensor<T>& fill_(Tensor<T>& x, double value);
template <class T> Tensor<T>& copy_(Tensor<T>& x, const Tensor<T>& src);
template <class T> Tensor<T>& clamp_(Tensor<T>& x, double min, double max);

// ops/reduce.hpp
template <class T> Tensor<T> sum(const Tensor<T>& x);
template <class T> Tensor<T> sum(const Tensor<T>& x, std::int64_t dim, bool keepdim = false);
template <class T> Tensor<T> mean(const Tensor<T>& x);
template <class T> Tensor<T> mean(const Tensor<T>& x, std::int64_t dim, bool keepdim = false);
template <class T> Tensor<T> max(const Tensor<T>& x);
template <class T> Tensor<T> max(const Tensor<T>& x, std::int64_t dim, bool keepdim = false);
template <class T> Tensor<T> min(const Tensor<T>& x);
template <class T> Tensor<T> min(const Tensor<T>& x, std::int64_t dim, bool keepdim = false);
template <class T> Tensor<std::int64_t> argmax(const Tensor<T>& x);
template <class T> Tensor<std::int64_t> argmax(const Tensor<T>& x, std::int64_t dim, bool keepdim = false);
template <class T> Tensor<std::int64_t> argmin(const Tensor<T>& x);
template <class T> Tensor<std::int64_t> argmin(const Tensor<T>& x, std::int64_t dim, bool keepdim = false);
template <class T> Tensor<T> var(const Tensor<T>& x, bool unbiased = true);
template <class T> Tensor<T> var(const Tensor<T>& x, std::int64_t dim, bool unbiased = true, bool keepdim = false);
template <class T> Tensor<T> std(const Tensor<T>& x, bool unbiased = true);
template <class T> Tensor<T> std(const Tensor<T>& x, std::int64_t dim, bool unbiased = true, bool keepdim = false);

// ops/linalg.hpp
template <class T> Tensor<T> matmul(const Tensor<T>& a, const Tensor<T>& b);
template <class T> Tensor<T> mm(const Tensor<T>& a, const Tensor<T>& b);

// ops/softmax.hpp
template <class T> Tensor<T> softmax(const Tensor<T>& x, std::int64_t dim);
template <class T> Tensor<T> log_softmax(const Tensor<T>& x, std::int64_t dim);

}  // namespace tg
