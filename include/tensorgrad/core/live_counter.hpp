#pragma once
/// Live-object counters for leak tests (graphs must free themselves): with TENSORGRAD_COUNT_OBJECTS defined, every
/// detail::TensorImpl and autograd::Node counts itself, and tg::detail::live_objects<T>() says how many exist.
/// Without the macro nothing is compiled in (no member, no atomic): the counters cost nothing.
///
/// The macro changes the layout of TensorImpl and Node, so it must be defined for every translation unit of a
/// program or for none (tests/CMakeLists.txt defines it for the test executable only).
#ifdef TENSORGRAD_COUNT_OBJECTS
#include <atomic>
#include <cstdint>

namespace tg {
namespace detail {

/// A member that increments T's live count when constructed (or copied) and decrements it when destroyed.
template <class T>
class LiveCounter {
 public:
  LiveCounter() noexcept { count_.fetch_add(1, std::memory_order_relaxed); }
  LiveCounter(const LiveCounter&) noexcept { count_.fetch_add(1, std::memory_order_relaxed); }
  LiveCounter& operator=(const LiveCounter&) noexcept { return *this; }
  ~LiveCounter() { count_.fetch_sub(1, std::memory_order_relaxed); }

  static std::int64_t live() noexcept { return count_.load(std::memory_order_relaxed); }

 private:
  static inline std::atomic<std::int64_t> count_{0};
};

/// How many objects of type T (TensorImpl or autograd::Node) are alive now.
template <class T> std::int64_t live_objects() noexcept { return LiveCounter<T>::live(); }

}  // namespace detail
}  // namespace tg
#endif
