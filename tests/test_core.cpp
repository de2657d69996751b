#include <cstdint>

#include <catch2/catch.hpp>
#include <tensorgrad/tensorgrad.hpp>

TEST_CASE("y = x*x has dy/dx = 2x at x = 3", "[autograd]") {
  auto x = tg::tensor<double>({3.0}).requires_grad_();
  (x * x).sum().backward();
  REQUIRE(x.grad().item() == 6.0);
}

TEST_CASE("var and std with an int dim pick the per-dim form, as x.var(0) in PyTorch", "[reduce]") {
  const auto x = tg::tensor<double>({{1, 2}, {3, 5}});
  CHECK(x.var(0).tolist() == std::vector<double>{2.0, 4.5});
  CHECK(tg::var(x, 1).tolist() == std::vector<double>{0.5, 2.0});
  CHECK(x.std(1, false).tolist() == std::vector<double>{0.5, 1.0});
  CHECK(tg::std(x, 0, true, true).sizes() == tg::Shape{1, 2});
  CHECK(x.var().item() == Approx(8.75 / 3.0).epsilon(1e-15));  // no dim: all elements, unbiased (mean 2.75)
  CHECK(x.var(false).item() == Approx(8.75 / 4.0).epsilon(1e-15));
}

TEST_CASE("the CPU caching allocator hands a freed buffer of the same size back", "[storage]") {
  tg::empty_cache();
  const float* first = nullptr;
  {
    auto t = tg::empty<float>({100000, 3});
    first = t.data();
  }
  CHECK(tg::detail::CpuAllocator::instance().cached_bytes() == 1200000);  // a multiple of 64 already
  auto again = tg::zeros<float>({300000});
  CHECK(again.data() == first);
  CHECK(tg::detail::CpuAllocator::instance().cached_bytes() == 0);
  CHECK(again.sum().item() == 0.0f);  // reused memory is initialised by the factory, not left stale
  { auto other = tg::empty<float>({70000}); }
  tg::empty_cache();
  CHECK(tg::detail::CpuAllocator::instance().cached_bytes() == 0);
}

TEST_CASE("small CPU buffers are reused from the thread's cache, 64-byte aligned", "[storage]") {
  tg::empty_cache();  // whatever earlier test cases left cached, this one counts from an empty cache
  const float* first = nullptr;
  {
    auto t = tg::empty<float>({1000, 3});  // 12,000 bytes: a per-thread size class
    first = t.data();
    CHECK(reinterpret_cast<std::uintptr_t>(first) % 64 == 0);
  }
  auto again = tg::ones<float>({3000});
  CHECK(again.data() == first);
  CHECK(again.sum().item() == 3000.0f);
  CHECK(tg::detail::CpuAllocator::instance().cached_bytes() == 0);  // never counted with the large buffers
}
