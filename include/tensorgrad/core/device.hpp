#pragma once
/// The runtime device tag carried by every storage, as in PyTorch (`tg::kCPU`, `tg::kCUDA`).
#include <ostream>
#include <string>

#include "error.hpp"

namespace tg {

enum class DeviceType : unsigned char { CPU, CUDA };

struct Device {
  DeviceType type = DeviceType::CPU;
  int index = 0;
  constexpr Device() = default;
  constexpr Device(DeviceType t, int i = 0) : type(t), index(i) {}
  /// Parses "cpu", "cuda" or "cuda:N", as torch.device("cuda:1"); anything else throws naming the string.
  explicit Device(const std::string& spec) {
    const std::string cuda = "cuda";
    if (spec == "cpu") return;
    type = DeviceType::CUDA;
    if (spec == cuda) return;
    const bool indexed = spec.size() > cuda.size() + 1 && spec.compare(0, cuda.size() + 1, cuda + ":") == 0 &&
                         spec.size() <= cuda.size() + 4 &&
                         spec.find_first_not_of("0123456789", cuda.size() + 1) == std::string::npos;
    TG_CHECK(indexed, "Device: expected \"cpu\", \"cuda\" or \"cuda:N\", got \"", spec, "\"");
    index = std::stoi(spec.substr(cuda.size() + 1));
  }
  constexpr bool is_cpu() const { return type == DeviceType::CPU; }
  constexpr bool is_cuda() const { return type == DeviceType::CUDA; }
  friend constexpr bool operator==(Device a, Device b) { return a.type == b.type && a.index == b.index; }
  friend constexpr bool operator!=(Device a, Device b) { return !(a == b); }
  std::string str() const { return is_cpu() ? "cpu" : "cuda:" + std::to_string(index); }
  friend std::ostream& operator<<(std::ostream& os, Device d) { return os << d.str(); }
};

inline constexpr Device kCPU{DeviceType::CPU, 0};
inline constexpr Device kCUDA{DeviceType::CUDA, 0};

}  // namespace tg
