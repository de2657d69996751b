#pragma once
/// Scalar types a tensor may hold and their runtime tags.
#include <cstdint>
#include <type_traits>

namespace tg {

enum class Dtype : std::uint8_t { Float32, Float64, Int64 };

template <class T> struct dtype_of;
template <> struct dtype_of<float> { static constexpr Dtype value = Dtype::Float32; };
template <> struct dtype_of<double> { static constexpr Dtype value = Dtype::Float64; };
template <> struct dtype_of<std::int64_t> { static constexpr Dtype value = Dtype::Int64; };
template <class T> inline constexpr Dtype dtype_v = dtype_of<T>::value;

/// Only floating tensors take part in autograd.
template <class T> inline constexpr bool is_floating_v = std::is_floating_point_v<T>;

inline const char* dtype_name(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "float32";
    case Dtype::Float64: return "float64";
    case Dtype::Int64: return "int64";
  }
  return "?";
}

/// PyTorch's spellings of the dtypes: model->to(tg::kFloat64), as torch::kFloat64.
inline constexpr Dtype kFloat32 = Dtype::Float32;
inline constexpr Dtype kFloat64 = Dtype::Float64;
inline constexpr Dtype kInt64 = Dtype::Int64;
inline constexpr Dtype kFloat = kFloat32;
inline constexpr Dtype kDouble = kFloat64;
inline constexpr Dtype kLong = kInt64;

inline bool is_floating(Dtype d) { return d != Dtype::Int64; }

inline std::size_t dtype_size(Dtype d) { return d == Dtype::Float32 ? 4 : 8; }

}  // namespace tg
