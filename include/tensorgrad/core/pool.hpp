#pragma once
/// Per-thread free lists of small blocks, the two fast paths of a training step's allocations,
/// so that a steady-state step allocates nothing:
/// - the small-object pool (SmallObjectPool): every op makes a few small, short-lived objects (a TensorImpl, a
///   Storage, a graph Node, their shared_ptr control blocks, a node's edge list), and a step makes hundreds;
/// - the small buffers of the CPU caching allocator (core/storage.hpp): a step of a small network makes dozens.
/// Freed blocks go on the freeing thread's list for their size class and are handed out again, so after the first
/// step neither calls malloc, takes a lock or hashes a size.
///
/// Blocks are `Granule`-aligned and come from std::aligned_alloc, so a block freed on another thread than the one
/// that made it simply joins that thread's lists. Each thread keeps at most kMaxCachedBytes per cache; its lists
/// are freed when it exits, after which its frees go straight to std::free.
#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>
#include <utility>

namespace tg {
namespace detail {

template <std::size_t Granule, std::size_t MaxSize>
class ThreadCache {
 public:
  static_assert(Granule >= sizeof(void*) && (Granule & (Granule - 1)) == 0, "a power-of-two granule");
  static constexpr std::size_t kMaxCachedBytes = std::size_t{8} << 20;

  /// Sizes up to MaxSize are served here; `n` is rounded up to the granule.
  static constexpr bool serves(std::size_t n) { return n > 0 && n <= MaxSize; }
  static std::size_t rounded(std::size_t n) { return (n + Granule - 1) / Granule * Granule; }

  static void* allocate(std::size_t n) {
    Lists& l = lists();
    if (l.state == kAlive) {
      if (Block* b = l.head[(n - 1) / Granule]) {
        l.head[(n - 1) / Granule] = b->next;
        l.cached_bytes -= rounded(n);
        return b;
      }
    } else if (l.state == kUnused) {
      start_thread();
    }
    void* p = std::aligned_alloc(Granule, rounded(n));
    if (!p) throw std::bad_alloc();
    return p;
  }
  static void deallocate(void* p, std::size_t n) {
    Lists& l = lists();
    if (l.state != kAlive || l.cached_bytes + rounded(n) > kMaxCachedBytes) return std::free(p);
    Block* b = static_cast<Block*>(p);
    b->next = l.head[(n - 1) / Granule];
    l.head[(n - 1) / Granule] = b;
    l.cached_bytes += rounded(n);
  }
  /// Bytes of freed blocks the calling thread keeps for reuse. Read-only: the soak run (benchmarks/soak.cpp) and
  /// its test check that it stops growing once training reaches its steady state.
  static std::size_t cached_bytes() { return lists().cached_bytes; }
  /// Frees the calling thread's cached blocks (tg::empty_cache).
  static void release() {
    Lists& l = lists();
    for (Block*& head : l.head)
      while (Block* b = head) {
        head = b->next;
        std::free(b);
      }
    l.cached_bytes = 0;
  }

 private:
  struct Block { Block* next; };
  enum State : unsigned char { kUnused, kAlive, kDead };
  // Trivially constructible and destructible, so reaching it costs no thread_local guard; the Reaper below frees
  // the blocks at thread exit and marks the lists dead for frees that come later in the teardown.
  struct Lists {
    Block* head[MaxSize / Granule];
    std::size_t cached_bytes;
    State state;
  };
  static Lists& lists() {
    static thread_local Lists l;  // zero-initialised: kUnused, empty
    return l;
  }
  struct Reaper {
    ~Reaper() {
      release();
      lists().state = kDead;
    }
  };
  static void start_thread() {
    thread_local Reaper reaper;
    (void)reaper;
    lists().state = kAlive;
  }
};

/// Graph nodes, tensor impls, storages and their control blocks (operator new's alignment).
using SmallObjectPool = ThreadCache<__STDCPP_DEFAULT_NEW_ALIGNMENT__, 1024>;

/// A standard allocator over the pool, for std::allocate_shared and containers of small objects.
template <class T> struct PoolAllocator {
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "the pool hands out operator new's alignment");
  using value_type = T;
  PoolAllocator() = default;
  template <class U> PoolAllocator(const PoolAllocator<U>&) noexcept {}
  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (!SmallObjectPool::serves(bytes)) return static_cast<T*>(::operator new(bytes));
    return static_cast<T*>(SmallObjectPool::allocate(bytes));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    const std::size_t bytes = n * sizeof(T);
    if (!SmallObjectPool::serves(bytes)) return ::operator delete(p);
    SmallObjectPool::deallocate(p, bytes);
  }
  template <class U> bool operator==(const PoolAllocator<U>&) const noexcept { return true; }
  template <class U> bool operator!=(const PoolAllocator<U>&) const noexcept { return false; }
};

/// std::make_shared with the pool: the object and its control block in one pooled block.
template <class T, class... Args> std::shared_ptr<T> make_pooled(Args&&... args) {
  return std::allocate_shared<T>(PoolAllocator<T>(), std::forward<Args>(args)...);
}

}  // namespace detail
}  // namespace tg
