// A header-only translation unit linked into the compiled-mode consumer: its local instantiations and the
// library's are the same functions, so the program links and both give the same answer.
#include <tensorgrad/tensorgrad.hpp>

double header_only_dot(const std::vector<float>& a, const std::vector<float>& b) {
  const auto n = static_cast<std::int64_t>(a.size());
  return tg::sum(tg::tensor<float>(a, {n}) * tg::tensor<float>(b, {n})).item();
}
