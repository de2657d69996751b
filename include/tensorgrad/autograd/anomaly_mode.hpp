#pragma once
/// Anomaly mode (PyTorch's torch.autograd.detect_anomaly): while it is on, every recorded node keeps the call
/// stack of the forward op that created it, and backward() checks each gradient a node produces; the first
/// NaN or Inf throws tg::Error naming the node (e.g. "SqrtBackward"), the input slot, and that call stack.
/// Off by default; when off the only cost is one flag test per recorded op and per backward node.
///
/// Example:
///   {
///     tg::autograd::DetectAnomalyGuard anomaly;
///     loss.backward();  // throws "anomaly detected: LogBackward produced a gradient with NaN values for
///                       // input 0 (shape [64]) ..." and the call stack of the log() that recorded it
///   }
///
/// Call stacks come from glibc's backtrace(). Function names appear for symbols in the dynamic symbol table
/// (shared libraries, and executables linked with -rdynamic, i.e. CMake's ENABLE_EXPORTS); other frames
/// print as `binary(+0xoffset)`, which `addr2line -C -f -e binary 0xoffset` turns into a function and line.
#include <cstdlib>
#include <string>
#include <vector>

#if defined(__has_include)
#if __has_include(<execinfo.h>) && __has_include(<cxxabi.h>)
#include <cxxabi.h>
#include <execinfo.h>
#define TG_HAS_BACKTRACE 1
#endif
#endif

#include "../core/error.hpp"

namespace tg {
namespace autograd {

inline bool& anomaly_mode_flag() {
  thread_local bool enabled = false;  // per thread, like grad mode
  return enabled;
}

/// Turns anomaly detection on or off for the calling thread.
inline void set_detect_anomaly(bool on) { anomaly_mode_flag() = on; }
inline bool is_anomaly_enabled() { return anomaly_mode_flag(); }

/// RAII: anomaly detection on inside the scope (as `with torch.autograd.detect_anomaly():`).
class DetectAnomalyGuard {
 public:
  DetectAnomalyGuard() : prev_(anomaly_mode_flag()) { anomaly_mode_flag() = true; }
  ~DetectAnomalyGuard() { anomaly_mode_flag() = prev_; }
  DetectAnomalyGuard(const DetectAnomalyGuard&) = delete;
  DetectAnomalyGuard& operator=(const DetectAnomalyGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace autograd

namespace detail {

/// The return addresses of the calling thread's stack (empty where backtrace() is not available).
inline std::vector<void*> capture_stack() {
#ifdef TG_HAS_BACKTRACE
  std::vector<void*> frames(64);
  frames.resize(static_cast<std::size_t>(::backtrace(frames.data(), static_cast<int>(frames.size()))));
  return frames;
#else
  return {};
#endif
}

/// One line per frame: "  #i function+0xoffset in binary" where the symbol is known (demangled), else
/// "  #i binary(+0xoffset)" with the offset from the binary's start, ready for addr2line. Frames of the
/// recorder itself (capture_stack, tg::autograd::record) are left out.
inline std::string format_stack(const std::vector<void*>& frames) {
  if (frames.empty()) return "  (no call stack: backtrace() is not available on this platform)\n";
  std::string out;
#ifdef TG_HAS_BACKTRACE
  char** symbols = ::backtrace_symbols(frames.data(), static_cast<int>(frames.size()));
  if (!symbols) return "  (no call stack: backtrace_symbols() failed)\n";
  int shown = 0;
  for (std::size_t i = 0; i < frames.size() && shown < 24; ++i) {
    // glibc's format: "binary(mangled+0xoffset) [0xaddress]" or "binary(+0xoffset) [0xaddress]".
    std::string line = symbols[i];
    const auto open = line.find('('), plus = line.find('+', open), close = line.find(')', open);
    if (open != std::string::npos && plus != std::string::npos && close != std::string::npos && plus > open + 1) {
      const std::string mangled = line.substr(open + 1, plus - open - 1);
      int status = 0;
      char* demangled = abi::__cxa_demangle(mangled.c_str(), nullptr, nullptr, &status);
      const std::string function = status == 0 && demangled ? demangled : mangled;
      std::free(demangled);
      if (function.rfind("tg::detail::capture_stack", 0) == 0 || function.find("tg::autograd::") != std::string::npos)
        continue;
      line = function + line.substr(plus, close - plus) + " in " + line.substr(0, open);
    }
    out += "  #" + std::to_string(shown++) + " " + line + "\n";
  }
  std::free(symbols);
#endif
  return out;
}

}  // namespace detail
}  // namespace tg
