// Dropout masks from Philox4x32-10 (backend/bodies/philox.hpp), so the CPU and the GPU draw the same mask. The
// generator against the Random123 known-answer vectors; the mask body against its documented scheme (recomputed here
// in double arithmetic), its statistics and its independence of the mask's size; and F::dropout / F::dropout2d on
// the CPU against the body run in a plain host loop, which is what the CUDA kernel runs per thread
// (tests/cuda/test_cuda_random.cu).
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdint>
#include <vector>

#include <tensorgrad/backend/bodies/philox.hpp>
#include <tensorgrad/tensorgrad.hpp>

namespace F = tg::nn::functional;
using tg::Tensor;
using tg::backend::bodies::dropout_mask_body;
using tg::backend::bodies::Philox4x32Block;
using tg::backend::bodies::philox4x32_10;

namespace {

/// Entry k of Philox block r by the scheme documented in philox.hpp, written independently of the body: the
/// uniform u built in double from the words, then u < p ? 0 : 1/(1−p).
template <class T> T documented_entry(const Philox4x32Block& r, int k, double p) {
  double u;
  if (sizeof(T) == 4) {
    u = std::ldexp(static_cast<double>(r.w[k] >> 8), -24);
  } else {
    u = std::ldexp(static_cast<double>(r.w[2 * k]), -32) + std::ldexp(static_cast<double>(r.w[2 * k + 1] >> 11), -53);
  }
  REQUIRE(u >= 0.0);
  REQUIRE(u < 1.0);
  return u < p ? T(0) : static_cast<T>(p == 1.0 ? 0.0 : 1.0 / (1.0 - p));
}

/// Entry i of the mask of `seed` by the documented scheme: block i / 4 (float) or i / 2 (double), entry i % 4 or
/// i % 2 of it.
template <class T> T documented_entry(std::uint64_t seed, double p, std::int64_t i) {
  const std::int64_t per_block = sizeof(T) == 4 ? 4 : 2;
  const std::uint64_t b = static_cast<std::uint64_t>(i / per_block);
  const Philox4x32Block r = philox4x32_10(
      Philox4x32Block{{std::uint32_t(b), std::uint32_t(b >> 32), 0, 0}}, std::uint32_t(seed), std::uint32_t(seed >> 32));
  return documented_entry<T>(r, static_cast<int>(i % per_block), p);
}

/// A Philox block whose entry 0 has uniform bits m (24 bits for float, 53 for double), the other words 0.
template <class T> Philox4x32Block block_with_bits(std::uint64_t m) {
  if (sizeof(T) == 4) return Philox4x32Block{{std::uint32_t(m << 8), 0, 0, 0}};
  return Philox4x32Block{{std::uint32_t(m >> 21), std::uint32_t((m & 0x1fffff) << 11), 0, 0}};
}

/// The mask F::dropout multiplies by: dropout of ones.
template <class T> std::vector<T> cpu_mask(std::int64_t n, double p, tg::Generator& gen) {
  return F::dropout(tg::ones<T>({n}), p, true, gen).tolist();
}

}  // namespace

TEST_CASE("Philox4x32-10 reproduces the Random123 known-answer vectors", "[philox]") {
  struct Kat {
    Philox4x32Block counter;
    std::uint32_t k0, k1;
    Philox4x32Block expected;
  };
  // Random123's kat_vectors: "philox4x32 10 <counter[4]> <key[2]> <output[4]>"; the third is the digits of pi.
  const Kat kats[] = {
      {{{0, 0, 0, 0}}, 0, 0, {{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}}},
      {{{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}}, 0xffffffff, 0xffffffff,
       {{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}}},
      {{{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}}, 0xa4093822, 0x299f31d0,
       {{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}}},
  };
  for (const Kat& kat : kats) {
    const Philox4x32Block out = philox4x32_10(kat.counter, kat.k0, kat.k1);
    for (int w = 0; w < 4; ++w) {
      INFO("counter word 0 " << std::hex << kat.counter.w[0] << ", output word " << w);
      CHECK(out.w[w] == kat.expected.w[w]);
    }
  }
}

TEMPLATE_TEST_CASE("the dropout-mask body follows its documented scheme, entry by entry", "[philox][dropout]", float,
                   double) {
  // p values on and off the 2^-24 / 2^-53 grid, the smallest ones and p == 1 (everything dropped, scale 0).
  for (double p : {0.0, 0x1.0p-24, 1e-9, 0.1, 1.0 / 3.0, 0.5, 0.9, 1.0 - 0x1.0p-24, 1.0}) {
    for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{0x0123456789abcdefULL}, ~std::uint64_t{0}}) {
      INFO("p " << p << ", seed " << seed);
      const auto body = dropout_mask_body<TestType>(seed, p);
      for (std::int64_t i = 0; i < 4099; ++i) REQUIRE(body(i) == documented_entry<TestType>(seed, p, i));
    }
  }
  // Uniforms right at the threshold: bits m with m·2^-k just below, at and just above p.
  const int bits = sizeof(TestType) == 4 ? 24 : 53;
  for (double p : {0x1.0p-24, 1.0 / 3.0, 0.5, 0.1, 1.0 - 0x1.0p-24}) {
    const auto body = dropout_mask_body<TestType>(1, p);
    const std::uint64_t m = static_cast<std::uint64_t>(std::floor(std::ldexp(p, bits)));
    for (std::uint64_t mm : {m - 1, m, m + 1}) {
      INFO("p " << p << ", bits " << mm);
      const Philox4x32Block r = block_with_bits<TestType>(mm);
      REQUIRE(body.entry(r, 0) == documented_entry<TestType>(r, 0, p));
    }
  }
  // Entries past 2^32 Philox blocks use the counter's high word.
  const auto body = dropout_mask_body<TestType>(7, 0.5);
  const std::int64_t far = (std::int64_t{1} << 34) + 5;
  REQUIRE(body(far) == documented_entry<TestType>(7, 0.5, far));
}

TEMPLATE_TEST_CASE("a large dropout mask drops a fraction p of entries, keeps the others scaled by 1/(1-p)",
                   "[philox][dropout]", float, double) {
  const std::int64_t n = 1 << 20;
  tg::Generator gen(2024);
  for (double p : {0.1, 0.5, 0.9}) {
    INFO("p " << p);
    const std::vector<TestType> mask = cpu_mask<TestType>(n, p, gen);
    REQUIRE(mask.size() == static_cast<std::size_t>(n));
    const TestType scale = static_cast<TestType>(1.0 / (1.0 - p));
    std::int64_t zeros = 0, others = 0;
    for (TestType v : mask) {
      zeros += v == TestType(0);
      others += v != TestType(0) && v != scale;
    }
    REQUIRE(others == 0);  // exactly 0 or exactly 1/(1-p)
    const double sigma = std::sqrt(p * (1 - p) / n);
    CHECK(std::abs(static_cast<double>(zeros) / n - p) < 4 * sigma);
    // The four words of a Philox block are independent too: the fraction among entries i % 4 == k alone.
    for (int k = 0; k < 4; ++k) {
      std::int64_t z = 0;
      for (std::int64_t i = k; i < n; i += 4) z += mask[i] == TestType(0);
      CHECK(std::abs(static_cast<double>(z) / (n / 4) - p) < 4 * std::sqrt(p * (1 - p) / (n / 4)));
    }
  }
}

TEST_CASE("dropout masks: the same generator state gives the same mask, another seed or call another mask", "[philox][dropout]") {
  tg::Generator a(99), b(99), c(100);
  const std::vector<float> ma = cpu_mask<float>(1000, 0.5, a);
  REQUIRE(cpu_mask<float>(1000, 0.5, b) == ma);
  REQUIRE(cpu_mask<float>(1000, 0.5, c) != ma);
  REQUIRE(cpu_mask<float>(1000, 0.5, a) != ma);  // the next call draws a new seed
  // Through the default generator, as nn::Dropout uses it.
  tg::manual_seed(5);
  const std::vector<float> first = F::dropout(tg::ones<float>({300}), 0.3).tolist();
  tg::manual_seed(5);
  REQUIRE(F::dropout(tg::ones<float>({300}), 0.3).tolist() == first);
}

TEST_CASE("dropout takes exactly one draw from the generator per call, whatever the size", "[philox][dropout]") {
  for (std::int64_t n : {1, 7, 1 << 16}) {
    tg::Generator gen(11), reference(11);
    (void)F::dropout(tg::ones<float>({n}), 0.5, true, gen);
    (void)F::dropout2d(tg::ones<double>({2, 3, 4, 4}), 0.5, true, gen);
    reference.next_u64();
    reference.next_u64();
    REQUIRE(gen.next_u64() == reference.next_u64());
  }
  // No draw at all when dropout is the identity (eval mode, p == 0), as before.
  tg::Generator gen(11), reference(11);
  (void)F::dropout(tg::ones<float>({8}), 0.5, false, gen);
  (void)F::dropout(tg::ones<float>({8}), 0.0, true, gen);
  REQUIRE(gen.next_u64() == reference.next_u64());
}

TEMPLATE_TEST_CASE("entry i of a dropout mask does not depend on the mask's size or shape", "[philox][dropout]", float,
                   double) {
  const std::vector<TestType> big = [] {
    tg::Generator gen(3);
    return F::dropout(tg::ones<TestType>({4099}), 0.5, true, gen).tolist();
  }();
  for (std::int64_t n : {0, 1, 2, 3, 5, 31, 33, 257, 1025}) {
    tg::Generator gen(3);
    const std::vector<TestType> small = F::dropout(tg::ones<TestType>({n}), 0.5, true, gen).tolist();
    REQUIRE(small == std::vector<TestType>(big.begin(), big.begin() + n));
  }
  tg::Generator gen(3);
  const std::vector<TestType> grid = F::dropout(tg::ones<TestType>({17, 5, 3}), 0.5, true, gen).tolist();
  REQUIRE(grid == std::vector<TestType>(big.begin(), big.begin() + 255));
}

TEMPLATE_TEST_CASE("the CPU dropout's mask is the body run in a host loop, with the generator's next draw as seed",
                   "[philox][dropout]", float, double) {
  for (double p : {0.2, 0.5, 1.0}) {
    for (std::int64_t n : {0, 1, 3, 4, 5, 31, 32, 33, 257, 1025}) {
      INFO("p " << p << ", n " << n);
      tg::Generator gen(42), copy(42);
      const auto body = dropout_mask_body<TestType>(copy.next_u64(), p);
      const std::vector<TestType> mask = cpu_mask<TestType>(n, p, gen);
      for (std::int64_t i = 0; i < n; ++i) REQUIRE(mask[i] == body(i));
    }
  }
  // The output of dropout is x · mask, and its gradient is the mask (d/dx of sum(x · mask)).
  tg::Generator gen(8), copy(8);
  const auto body = dropout_mask_body<TestType>(copy.next_u64(), 0.3);
  const Tensor<TestType> x = tg::randn<TestType>({6, 7}, gen).requires_grad_();
  tg::Generator drop_gen(8);
  const Tensor<TestType> y = F::dropout(x, 0.3, true, drop_gen);
  y.sum().backward();
  const std::vector<TestType> xs = x.detach().tolist(), ys = y.detach().tolist(), gs = x.grad().tolist();
  for (std::int64_t i = 0; i < 42; ++i) {
    REQUIRE(ys[i] == xs[i] * body(i));
    REQUIRE(gs[i] == body(i));
  }
}

TEMPLATE_TEST_CASE("dropout2d's channel mask is the body's [N, C, 1, 1] mask", "[philox][dropout]", float, double) {
  const std::int64_t N = 3, C = 11, H = 2, W = 5;
  for (bool batched : {true, false}) {
    INFO("batched " << batched);
    tg::Generator gen(77), copy(77);
    const auto body = dropout_mask_body<TestType>(copy.next_u64(), 0.4);
    const tg::Shape shape = batched ? tg::Shape{N, C, H, W} : tg::Shape{C, H, W};
    const std::vector<TestType> out = F::dropout2d(tg::ones<TestType>(shape), 0.4, true, gen).tolist();
    const std::int64_t channels = batched ? N * C : C;
    for (std::int64_t ch = 0; ch < channels; ++ch)
      for (std::int64_t k = 0; k < H * W; ++k) REQUIRE(out[ch * H * W + k] == body(ch));  // entry n·C + c
  }
}
