#pragma once
/// Printing tensors exactly as PyTorch's `print(tensor)` does (torch/_tensor_str.py with the default print
/// options), so a tutorial's printed output can be compared line by line. C++ spellings differ in three
/// places: `requires_grad=true`, `dtype=float64` (no `torch.` prefix) and grad_fn names without PyTorch's
/// trailing version digit (`grad_fn=<AddBackward>`).
///
/// Example:
///   std::cout << tg::tensor<float>({{0.1f, -2}, {3, 4}}).requires_grad_();
///   // tensor([[ 0.1000, -2.0000],
///   //         [ 3.0000,  4.0000]], requires_grad=true)
///
/// This header sits below the ops layer (<tensorgrad/tensor.hpp> includes it before them), so it reads
/// elements through the impl's sizes/strides/offset instead of calling select/slice.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ostream>
#include <string>
#include <vector>

#include "tensor.hpp"

namespace tg {
namespace detail {

/// PyTorch's default print options (torch.set_printoptions defaults).
struct PrintOptions {
  static constexpr int precision = 4;              // digits after the point
  static constexpr std::int64_t threshold = 1000;  // more elements than this are summarised
  static constexpr std::int64_t edgeitems = 3;     // elements kept at each end of a summarised dim
  static constexpr int linewidth = 80;
};

/// A strided host view used while printing: select() peels the leading dim without touching autograd.
template <class T> struct PrintView {
  const T* base;
  const std::int64_t* sizes;
  const std::int64_t* strides;
  int ndim;
  std::int64_t offset;

  std::int64_t size0() const { return sizes[0]; }
  PrintView select(std::int64_t i) const { return {base, sizes + 1, strides + 1, ndim - 1, offset + i * strides[0]}; }
  T value() const { return base[offset]; }
};

/// Indices along a dim that printing shows: all of them, or the edge items at both ends when summarising.
inline std::vector<std::int64_t> shown_indices(std::int64_t n, bool summarize) {
  std::vector<std::int64_t> idx;
  if (summarize && n > 2 * PrintOptions::edgeitems) {
    for (std::int64_t i = 0; i < PrintOptions::edgeitems; ++i) idx.push_back(i);
    for (std::int64_t i = n - PrintOptions::edgeitems; i < n; ++i) idx.push_back(i);
  } else {
    for (std::int64_t i = 0; i < n; ++i) idx.push_back(i);
  }
  return idx;
}

/// Every value that will be printed (PyTorch's get_summarized_data); the formatter is sized on these only.
template <class T> void collect_shown(const PrintView<T>& v, bool summarize, std::vector<T>& out) {
  if (v.ndim == 0) {
    out.push_back(v.value());
    return;
  }
  for (std::int64_t i : shown_indices(v.size0(), summarize)) collect_shown(v.select(i), summarize, out);
}

inline std::string printf_double(const char* fmt, int width, int precision, double v) {
  // Python prints every NaN as "nan"; glibc would print "-nan" for one with the sign bit set.
  if (std::isnan(v)) return std::string(static_cast<std::size_t>(std::max(width - 3, 0)), ' ') + "nan";
  char buf[64];
  std::snprintf(buf, sizeof buf, fmt, width, precision, v);
  return buf;
}
inline std::string fixed_str(double v, int precision) { return printf_double("%*.*f", 0, precision, v); }
inline std::string sci_str(double v, int width, int precision) { return printf_double("%*.*e", width, precision, v); }

/// PyTorch's _Formatter: chooses integer / fixed / scientific notation and one width for all elements.
template <class T> class ElementFormatter {
 public:
  explicit ElementFormatter(const std::vector<T>& values) {
    if constexpr (!is_floating_v<T>) {
      for (T v : values) max_width_ = std::max(max_width_, static_cast<int>(std::to_string(v).size()));
    } else {
      // Width and notation depend only on the finite nonzero values; 0, inf and nan fit any notation.
      std::vector<T> vals;
      for (T v : values)
        if (std::isfinite(v) && v != T(0)) vals.push_back(v);
      if (vals.empty()) return;
      double lo = std::abs(static_cast<double>(vals[0])), hi = lo;
      for (T v : vals) {
        lo = std::min(lo, std::abs(static_cast<double>(v)));
        hi = std::max(hi, std::abs(static_cast<double>(v)));
        if (v != std::ceil(v)) int_mode_ = false;
      }
      const int p = PrintOptions::precision;
      sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || (!int_mode_ && lo < 1.0e-4);
      for (T v : vals) {
        const double d = static_cast<double>(v);
        const int len = sci_mode_ ? static_cast<int>(sci_str(d, 0, p).size())
                        : int_mode_ ? static_cast<int>(fixed_str(d, 0).size()) + 1  // + the trailing '.'
                                    : static_cast<int>(fixed_str(d, p).size());
        max_width_ = std::max(max_width_, len);
      }
    }
  }

  int width() const { return max_width_; }

  /// One element, right-aligned to the common width.
  std::string format(T v) const {
    std::string s;
    if constexpr (!is_floating_v<T>) {
      s = std::to_string(v);
    } else {
      const double d = static_cast<double>(v);
      if (sci_mode_) s = sci_str(d, max_width_, PrintOptions::precision);
      else if (int_mode_) s = fixed_str(d, 0) + (std::isfinite(d) ? "." : "");
      else s = fixed_str(d, PrintOptions::precision);
    }
    if (static_cast<int>(s.size()) < max_width_) s.insert(0, static_cast<std::size_t>(max_width_) - s.size(), ' ');
    return s;
  }

 private:
  bool int_mode_ = true;
  bool sci_mode_ = false;
  int max_width_ = 1;
};

template <class T>
std::string format_vector(const PrintView<T>& v, int indent, bool summarize, const ElementFormatter<T>& fmt) {
  const int element_length = fmt.width() + 2;  // the element plus ", "
  const std::size_t per_line =
      static_cast<std::size_t>(std::max(1, (PrintOptions::linewidth - indent) / element_length));
  std::vector<std::string> items;
  const std::int64_t n = v.size0();
  const bool cut = summarize && n > 2 * PrintOptions::edgeitems;
  for (std::int64_t i : shown_indices(n, summarize)) {
    if (cut && i == n - PrintOptions::edgeitems) items.push_back(" ...");
    items.push_back(fmt.format(v.select(i).value()));
  }
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += i % per_line == 0 ? ",\n" + std::string(static_cast<std::size_t>(indent) + 1, ' ') : ", ";
    out += items[i];
  }
  return out + "]";
}

template <class T>
std::string format_nested(const PrintView<T>& v, int indent, bool summarize, const ElementFormatter<T>& fmt) {
  if (v.ndim == 0) return fmt.format(v.value());
  if (v.ndim == 1) return format_vector(v, indent, summarize, fmt);
  // Sub-tensors are separated by a comma and (ndim - 1) newlines, aligned under the opening bracket.
  const std::string sep = "," + std::string(static_cast<std::size_t>(v.ndim - 1), '\n') +
                          std::string(static_cast<std::size_t>(indent) + 1, ' ');
  const std::int64_t n = v.size0();
  const bool cut = summarize && n > 2 * PrintOptions::edgeitems;
  std::string out = "[";
  bool first = true;
  for (std::int64_t i : shown_indices(n, summarize)) {
    if (!first) out += sep;
    if (cut && i == n - PrintOptions::edgeitems) out += "..." + sep;
    out += format_nested(v.select(i), indent + 1, summarize, fmt);
    first = false;
  }
  return out + "]";
}

/// Appends ", suffix" items, wrapping to a new line when one would pass the line width (_add_suffixes).
inline std::string add_suffixes(std::string s, const std::vector<std::string>& suffixes, int indent) {
  const std::size_t nl = s.rfind('\n');
  // PyTorch measures the last line as len - rfind("\n") + 1, which is len + 2 when there is no newline.
  std::int64_t last_line_len =
      static_cast<std::int64_t>(s.size()) - (nl == std::string::npos ? -1 : static_cast<std::int64_t>(nl)) + 1;
  for (const std::string& suffix : suffixes) {
    const std::int64_t len = static_cast<std::int64_t>(suffix.size());
    if (last_line_len + len + 2 > PrintOptions::linewidth) {
      s += ",\n" + std::string(static_cast<std::size_t>(indent), ' ') + suffix;
      last_line_len = indent + len;
    } else {
      s += ", " + suffix;
      last_line_len += len + 2;
    }
  }
  return s + ")";
}

}  // namespace detail

/// The text `print(tensor)` shows in PyTorch (see the top of this file for the C++ spellings).
template <class T> std::string to_string(const Tensor<T>& t) {
  if (!t.defined()) return "[ Tensor (undefined) ]";  // LibTorch's spelling for an undefined tensor
  const std::string prefix = "tensor(";
  const int indent = static_cast<int>(prefix.size());
  const detail::TensorImpl& impl = *t.impl();
  std::vector<std::string> suffixes;
  if (!t.device().is_cpu()) suffixes.push_back("device='" + t.device().str() + "'");

  std::string body;
  if (t.numel() == 0) {
    // As NumPy: the shape is spelled out unless it is (0,), and the dtype unless it is the default float32.
    if (t.dim() != 1) {
      std::string size = "size=(";
      for (int i = 0; i < t.dim(); ++i) size += (i ? ", " : "") + std::to_string(t.sizes()[i]);
      suffixes.push_back(size + ")");
    }
    if (t.dtype() != Dtype::Float32) suffixes.push_back(std::string("dtype=") + dtype_name(t.dtype()));
    body = "[]";
  } else {
    if (t.dtype() == Dtype::Float64) suffixes.push_back("dtype=float64");
    // Device memory is copied to the host whole; the strided walk below then reads it like CPU memory.
    std::vector<T> host;
    const T* base = static_cast<const T*>(impl.storage->data());
    if (!t.device().is_cpu()) {
      host.resize(impl.storage->nbytes() / sizeof(T));
      detail::runtime_for(t.device(), "print").copy(host.data(), kCPU, base, t.device(), impl.storage->nbytes());
      base = host.data();
    }
    const detail::PrintView<T> view{base, impl.sizes.begin(), impl.strides.begin(), t.dim(), impl.offset};
    const bool summarize = t.numel() > detail::PrintOptions::threshold;
    std::vector<T> shown;
    detail::collect_shown(view, summarize, shown);
    body = detail::format_nested(view, indent, summarize, detail::ElementFormatter<T>(shown));
  }

  const std::string grad_fn = t.grad_fn_name();
  if (!grad_fn.empty()) suffixes.push_back("grad_fn=<" + grad_fn + ">");
  else if (t.requires_grad()) suffixes.push_back("requires_grad=true");
  return detail::add_suffixes(prefix + body, suffixes, indent);
}

/// Streams to_string(t). Example: std::cout << tg::arange(3) << "\n";  // tensor([0., 1., 2.])
template <class T> std::ostream& operator<<(std::ostream& os, const Tensor<T>& t) { return os << to_string(t); }

}  // namespace tg
