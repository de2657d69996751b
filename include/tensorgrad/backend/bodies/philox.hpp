#pragma once
/// Philox4x32-10, the counter-based random number generator of Salmon, Moraes, Dror and Shaw ("Parallel random
/// numbers: as easy as 1, 2, 3", SC'11), and the dropout-mask body built on it. Free of CUDA API calls: the CPU
/// dropout calls these very functions in a host loop, the CUDA kernel (backend/cuda/random.cuh) in a thread per
/// Philox block, so both devices produce bitwise-identical masks.
///
/// Why counter-based: a mask entry is a pure function of (seed, index), so any thread can compute any entry with
/// no shared generator state to advance, and the result cannot depend on the device, the launch configuration or
/// the thread count.
#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "../../core/error.hpp"

namespace tg {
namespace backend {
namespace bodies {

/// Four 32-bit words: a Philox counter or output block.
struct Philox4x32Block {
  std::uint32_t w[4];
};

/// Philox4x32-10: 10 rounds of the Philox S-box over the 128-bit counter, keyed by a 64-bit key (k0, k1).
/// Each round multiplies counter words 0 and 2 by the round constants (32×32→64 bits), swaps the word pairs
/// and XORs the high halves with the other two words and the round key; the key is bumped by the Weyl constants
/// (golden ratio and √3 − 1, scaled to 32 bits) between rounds.
TG_HOST_DEVICE Philox4x32Block philox4x32_10(Philox4x32Block c, std::uint32_t k0, std::uint32_t k1) {
  constexpr std::uint32_t kM0 = 0xD2511F53u, kM1 = 0xCD9E8D57u;
  constexpr std::uint32_t kW0 = 0x9E3779B9u, kW1 = 0xBB67AE85u;
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      k0 += kW0;
      k1 += kW1;
    }
    const std::uint64_t p0 = std::uint64_t{kM0} * c.w[0];
    const std::uint64_t p1 = std::uint64_t{kM1} * c.w[2];
    c = Philox4x32Block{{static_cast<std::uint32_t>(p1 >> 32) ^ c.w[1] ^ k0, static_cast<std::uint32_t>(p1),
                         static_cast<std::uint32_t>(p0 >> 32) ^ c.w[3] ^ k1, static_cast<std::uint32_t>(p0)}};
  }
  return c;
}

/// The scale of the kept entries: 1/(1−p). p == 1 keeps nothing; 1/(1−p) would be inf and 0·inf NaN, so 0.
inline double dropout_scale(double p) { return p == 1.0 ? 0.0 : 1.0 / (1.0 - p); }

/// The dropout mask of a contiguous tensor as a pure function of (seed, index): entry i is 0 with probability p,
/// else 1/(1−p), whatever the tensor's size, the device, or how the work is split.
///
/// Scheme (the Philox key is the seed: k0 = its low 32 bits, k1 = its high 32 bits):
///  - float:  block b = i / 4 is philox4x32_10((b_lo, b_hi, 0, 0), key); entry i takes word w = i % 4 and the
///            uniform u = (w >> 8) · 2⁻²⁴ (24 bits, as a float can hold);
///  - double: block b = i / 2; entry i takes words hi = 2·(i % 2) and lo = hi + 1 and the uniform
///            u = (hi · 2²¹ + (lo >> 11)) · 2⁻⁵³ (53 bits).
/// The entry is 0 if u < p, else scale; u ∈ [0, 1), so p = 1 drops everything and P(u < p) is p rounded up to
/// the next multiple of 2⁻²⁴ (float) or 2⁻⁵³ (double). u < p is tested on the integer bits m of u
/// (u = m·2⁻ᵏ): u < p ⟺ m < ⌈p·2ᵏ⌉, the exact same test without an int→float conversion.
/// The select 0-or-scale is done on the bit patterns (an all-ones or all-zeros mask ANDed with scale's bits):
/// GCC turns a floating-point select into a branch, which a random mask mispredicts half the time (that made the
/// CPU fill of a [64, 512] float mask about 7× slower).
template <class T> struct DropoutMaskBody {
  static_assert(std::is_floating_point<T>::value && (sizeof(T) == 4 || sizeof(T) == 8), "DropoutMaskBody: float or double");
  /// Entries per Philox block: 4 for float (one word each), 2 for double (two words each).
  static constexpr std::int64_t kPerBlock = sizeof(T) == 4 ? 4 : 2;
  /// Bits of the uniform: 24 for float, 53 for double.
  static constexpr int kBits = sizeof(T) == 4 ? 24 : 53;

  /// An unsigned integer as wide as T.
  using Bits = typename std::conditional<sizeof(T) == 4, std::uint32_t, std::uint64_t>::type;

  std::uint64_t seed;
  std::uint64_t threshold;  // ⌈p·2^kBits⌉: the entry is dropped when its bits are below it
  Bits scale_bits;          // the bit pattern of T(dropout_scale(p)); 0 has the pattern 0

  /// Philox block b's four words.
  TG_HOST_DEVICE Philox4x32Block block(std::int64_t b) const {
    const std::uint64_t ub = static_cast<std::uint64_t>(b);
    return philox4x32_10(Philox4x32Block{{static_cast<std::uint32_t>(ub), static_cast<std::uint32_t>(ub >> 32), 0u, 0u}},
                         static_cast<std::uint32_t>(seed), static_cast<std::uint32_t>(seed >> 32));
  }
  /// Entry k (0 ≤ k < kPerBlock) of a block's words.
  TG_HOST_DEVICE T entry(const Philox4x32Block& r, int k) const {
    std::uint64_t bits;
    if constexpr (sizeof(T) == 4) bits = r.w[k] >> 8;
    else bits = (std::uint64_t{r.w[2 * k]} << 21) | (r.w[2 * k + 1] >> 11);
    const Bits keep = Bits{0} - static_cast<Bits>(bits >= threshold);  // all ones: kept; 0: dropped
    const Bits value = keep & scale_bits;
    T out;
    std::memcpy(&out, &value, sizeof out);
    return out;
  }
  /// Mask entry i alone (a whole Philox evaluation for one entry: for a tail shorter than a block, and tests).
  TG_HOST_DEVICE T operator()(std::int64_t i) const {
    return entry(block(i / kPerBlock), static_cast<int>(i % kPerBlock));
  }
  /// Writes the whole block b: mask[b·kPerBlock + k] for k < kPerBlock.
  TG_HOST_DEVICE void fill_block(std::int64_t b, T* mask) const {
    const Philox4x32Block r = block(b);
    for (int k = 0; k < kPerBlock; ++k) mask[b * kPerBlock + k] = entry(r, k);
  }
};

/// The body for (seed, p), p in [0, 1]. p·2^kBits is exact (a power-of-two scaling) and at most 2^53, so the
/// threshold is exact too.
template <class T> DropoutMaskBody<T> dropout_mask_body(std::uint64_t seed, double p) {
  using Body = DropoutMaskBody<T>;
  const T scale = static_cast<T>(dropout_scale(p));
  typename Body::Bits scale_bits;
  std::memcpy(&scale_bits, &scale, sizeof scale);
  return Body{seed, static_cast<std::uint64_t>(std::ceil(std::ldexp(p, Body::kBits))), scale_bits};
}

/// Fills mask[0, n) with the body's entries on the host: whole blocks, then the tail entry by entry.
template <class T> void fill_dropout_mask(const DropoutMaskBody<T>& body, T* mask, std::int64_t n) {
  constexpr std::int64_t K = DropoutMaskBody<T>::kPerBlock;
  const std::int64_t whole = n / K;
  for (std::int64_t b = 0; b < whole; ++b) body.fill_block(b, mask);
  for (std::int64_t i = whole * K; i < n; ++i) mask[i] = body(i);
}

}  // namespace bodies
}  // namespace backend
}  // namespace tg
