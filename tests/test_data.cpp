// tg::data: TensorDataset, DataLoader (batch counts, exact batch contents, per-seed reproducible shuffling,
// every sample once per epoch), the generic Dataset batching, Subset and random_split.
#include <catch2/catch.hpp>
#include <tensorgrad/data.hpp>
#include <tensorgrad/tensor.hpp>

#include <algorithm>
#include <cstdint>
#include <numeric>
#include <set>
#include <vector>

using tg::data::DataLoader;
using tg::data::DataLoaderOptions;
using tg::data::TensorDataset;

namespace {

/// n samples: inputs[i] = {10 i, 10 i + 1} (float [n, 2]), targets[i] = i (int64 [n]), so a target names
/// its row and a row can be checked against its target.
TensorDataset<float, std::int64_t> indexed_dataset(std::int64_t n) {
  std::vector<float> x;
  std::vector<std::int64_t> y;
  for (std::int64_t i = 0; i < n; ++i) {
    x.push_back(static_cast<float>(10 * i));
    x.push_back(static_cast<float>(10 * i + 1));
    y.push_back(i);
  }
  return TensorDataset<float, std::int64_t>(tg::tensor<float>(x, tg::Shape{n, 2}), tg::tensor<std::int64_t>(y, tg::Shape{n}));
}

/// The targets of every batch of one epoch, in order; checks each row matches its target.
template <class Loader> std::vector<std::vector<std::int64_t>> epoch_targets(Loader& loader) {
  std::vector<std::vector<std::int64_t>> batches;
  for (const auto& batch : loader) {
    const std::vector<std::int64_t> y = batch.target.tolist();
    REQUIRE(batch.data.sizes() == tg::Shape{static_cast<std::int64_t>(y.size()), 2});
    for (std::size_t k = 0; k < y.size(); ++k) {
      REQUIRE(batch.data.at({static_cast<std::int64_t>(k), 0}) == static_cast<float>(10 * y[k]));
      REQUIRE(batch.data.at({static_cast<std::int64_t>(k), 1}) == static_cast<float>(10 * y[k] + 1));
    }
    batches.push_back(y);
  }
  return batches;
}

std::vector<std::int64_t> flatten(const std::vector<std::vector<std::int64_t>>& batches) {
  std::vector<std::int64_t> all;
  for (const auto& b : batches) all.insert(all.end(), b.begin(), b.end());
  return all;
}

std::vector<std::int64_t> iota_vector(std::int64_t n) {
  std::vector<std::int64_t> v(static_cast<std::size_t>(n));
  std::iota(v.begin(), v.end(), std::int64_t{0});
  return v;
}

/// A Dataset written against the interface only: sample i is ([i, -i], i * i) as float tensors.
struct Squares : tg::data::Dataset<tg::Tensor<float>, tg::Tensor<float>> {
  std::int64_t size() const override { return 6; }
  example_type get(std::int64_t i) const override {
    checked_index(i);
    return {tg::tensor<float>({static_cast<float>(i), static_cast<float>(-i)}), tg::tensor<float>({static_cast<float>(i * i)})};
  }
};

}  // namespace

TEST_CASE("TensorDataset: size, get and shape checks", "[data]") {
  auto dataset = indexed_dataset(5);
  REQUIRE(dataset.size() == 5);
  const auto example = dataset.get(3);
  REQUIRE(example.data.tolist() == std::vector<float>{30, 31});
  REQUIRE(example.target.item() == 3);
  REQUIRE_THROWS_WITH(dataset.get(5), Catch::Contains("index 5 is out of range for a dataset of 5 samples"));
  REQUIRE_THROWS_AS(dataset.get(-1), tg::Error);
  REQUIRE_THROWS_WITH(TensorDataset(tg::zeros<float>({4, 2}), tg::zeros<std::int64_t>({3})),
                      Catch::Contains("inputs [4, 2] has 4 samples but targets [3] has 3"));

  // A transposed (non-contiguous) input is read by sample, not by memory order.
  auto x = tg::tensor<float>({{1, 2, 3}, {4, 5, 6}}).t();  // [3, 2]: rows {1, 4}, {2, 5}, {3, 6}
  TensorDataset transposed(x, tg::tensor<float>({0.5f, 1.5f, 2.5f}));
  REQUIRE(transposed.get(1).data.tolist() == std::vector<float>{2, 5});
  REQUIRE(transposed.get_batch({2, 0}).data.tolist() == std::vector<float>{3, 6, 1, 4});
  REQUIRE(transposed.get_batch({2, 0}).target.tolist() == std::vector<float>{2.5f, 0.5f});
}

TEST_CASE("DataLoader batch counts with and without drop_last", "[data][dataloader]") {
  auto dataset = indexed_dataset(10);
  struct Case {
    std::int64_t batch_size;
    bool drop_last;
    std::int64_t batches;
    std::vector<std::int64_t> sizes;
  };
  for (const Case& c : {Case{3, false, 4, {3, 3, 3, 1}}, Case{3, true, 3, {3, 3, 3}}, Case{5, false, 2, {5, 5}},
                        Case{5, true, 2, {5, 5}}, Case{1, false, 10, std::vector<std::int64_t>(10, 1)},
                        Case{16, false, 1, {10}}, Case{16, true, 0, {}}}) {
    for (bool shuffle : {false, true}) {
      DataLoader loader(dataset, DataLoaderOptions().batch_size(c.batch_size).drop_last(c.drop_last).shuffle(shuffle));
      INFO("batch_size " << c.batch_size << " drop_last " << c.drop_last << " shuffle " << shuffle);
      REQUIRE(loader.size() == c.batches);
      REQUIRE(loader.batch_size() == c.batch_size);
      std::vector<std::int64_t> sizes;
      for (const auto& batch : loader) {
        sizes.push_back(batch.data.size(0));
        REQUIRE(batch.target.size(0) == batch.data.size(0));
      }
      REQUIRE(sizes == c.sizes);
    }
  }
  REQUIRE_THROWS_WITH(DataLoader(dataset, DataLoaderOptions().batch_size(0)),
                      Catch::Contains("batch_size should be a positive integer value, but got batch_size=0"));
  // An empty dataset gives no batches.
  DataLoader empty_loader(indexed_dataset(0), DataLoaderOptions(4));
  REQUIRE(empty_loader.size() == 0);
  REQUIRE(empty_loader.begin() == empty_loader.end());
}

TEST_CASE("DataLoader without shuffle yields the rows in order, stacked", "[data][dataloader]") {
  DataLoader loader(indexed_dataset(5), DataLoaderOptions().batch_size(2));
  const auto batches = epoch_targets(loader);
  REQUIRE(batches == std::vector<std::vector<std::int64_t>>{{0, 1}, {2, 3}, {4}});
  auto it = loader.begin();
  REQUIRE(it->data.tolist() == std::vector<float>{0, 1, 10, 11});
  ++it;
  REQUIRE((*it).data.tolist() == std::vector<float>{20, 21, 30, 31});
  // Structured bindings on a batch, as `for inputs, labels in loader` in Python.
  for (const auto& [inputs, labels] : loader) REQUIRE(inputs.size(0) == labels.size(0));
}

TEST_CASE("DataLoader shuffles each epoch anew, reproducibly per seed and apart from the global generator",
          "[data][dataloader]") {
  const std::int64_t n = 50;
  const auto options = DataLoaderOptions().batch_size(8).shuffle(true).seed(7);
  DataLoader a(indexed_dataset(n), options), b(indexed_dataset(n), options);
  DataLoader other_seed(indexed_dataset(n), DataLoaderOptions(options).seed(8));

  // The loader's order is Fisher–Yates with its own generator: the same draws as tg::randperm.
  tg::Generator reference(7);
  std::vector<std::vector<std::int64_t>> epochs_a;
  for (int epoch = 0; epoch < 3; ++epoch) {
    tg::manual_seed(1000 + epoch);  // the global generator must not matter
    (void)tg::rand<float>({3});
    const auto order_a = flatten(epoch_targets(a));
    const auto order_b = flatten(epoch_targets(b));
    REQUIRE(order_a == order_b);
    REQUIRE(order_a == tg::randperm(n, reference).tolist());
    REQUIRE(order_a != flatten(epoch_targets(other_seed)));
    epochs_a.push_back(order_a);
  }
  REQUIRE(epochs_a[0] != epochs_a[1]);
  REQUIRE(epochs_a[1] != epochs_a[2]);
  REQUIRE(epochs_a[0] != iota_vector(n));
}

TEST_CASE("DataLoader visits every sample exactly once per epoch", "[data][dataloader]") {
  const std::int64_t n = 103;
  DataLoader loader(indexed_dataset(n), DataLoaderOptions().batch_size(10).shuffle(true).seed(3));
  for (int epoch = 0; epoch < 3; ++epoch) {
    auto seen = flatten(epoch_targets(loader));  // also checks each row against its target
    std::sort(seen.begin(), seen.end());
    REQUIRE(seen == iota_vector(n));
  }
  // With drop_last the 3 left-over samples differ per epoch, and the rest are distinct.
  DataLoader dropping(indexed_dataset(n), DataLoaderOptions().batch_size(10).shuffle(true).drop_last(true).seed(3));
  std::vector<std::set<std::int64_t>> left_over;
  for (int epoch = 0; epoch < 3; ++epoch) {
    const auto seen = flatten(epoch_targets(dropping));
    const std::set<std::int64_t> distinct(seen.begin(), seen.end());
    REQUIRE(seen.size() == 100);
    REQUIRE(distinct.size() == 100);
    std::set<std::int64_t> left;
    for (std::int64_t i = 0; i < n; ++i)
      if (!distinct.count(i)) left.insert(i);
    left_over.push_back(left);
  }
  REQUIRE((left_over[0] != left_over[1] || left_over[1] != left_over[2]));
}

TEST_CASE("DataLoader stacks float targets and datasets written against the Dataset interface",
          "[data][dataloader]") {
  // The XOR tutorial's data: float targets [4, 1] stack to [4, 1].
  TensorDataset xor_dataset(tg::tensor<float>({{0, 0}, {0, 1}, {1, 0}, {1, 1}}),
                            tg::tensor<float>({{0}, {1}, {1}, {0}}));
  DataLoader xor_loader(xor_dataset, DataLoaderOptions().batch_size(4));
  for (const auto& batch : xor_loader) {
    REQUIRE(batch.data.sizes() == tg::Shape{4, 2});
    REQUIRE(batch.target.sizes() == tg::Shape{4, 1});
    REQUIRE(batch.target.tolist() == std::vector<float>{0, 1, 1, 0});
  }

  // The generic get_batch gathers get(i) into one batch.
  DataLoader squares(Squares{}, DataLoaderOptions().batch_size(4));
  auto it = squares.begin();
  REQUIRE(it->data.sizes() == tg::Shape{4, 2});
  REQUIRE(it->data.tolist() == std::vector<float>{0, 0, 1, -1, 2, -2, 3, -3});
  REQUIRE(it->target.sizes() == tg::Shape{4, 1});
  REQUIRE(it->target.tolist() == std::vector<float>{0, 1, 4, 9});
  ++it;
  REQUIRE(it->target.tolist() == std::vector<float>{16, 25});
  REQUIRE_THROWS_WITH(Squares{}.get_batch({1, 6}), Catch::Contains("index 6 is out of range"));
}

TEST_CASE("random_split gives disjoint subsets of the requested sizes covering the dataset", "[data]") {
  const std::int64_t n = 20;
  auto dataset = indexed_dataset(n);
  tg::Generator gen(42);
  auto parts = tg::data::random_split(dataset, {12, 5, 3}, gen);
  REQUIRE(parts.size() == 3);
  REQUIRE(parts[0].size() == 12);
  REQUIRE(parts[1].size() == 5);
  REQUIRE(parts[2].size() == 3);

  // Subsets are consecutive slices of one permutation, as in PyTorch.
  tg::Generator reference(42);
  const std::vector<std::int64_t> perm = tg::randperm(n, reference).tolist();
  std::vector<std::int64_t> all;
  for (const auto& part : parts) all.insert(all.end(), part.indices().begin(), part.indices().end());
  REQUIRE(all == perm);
  std::sort(all.begin(), all.end());
  REQUIRE(all == iota_vector(n));

  // A subset's samples are the dataset's rows at its indices, through get and through a DataLoader.
  const auto& second = parts[1];
  REQUIRE(second.get(2).target.item() == second.indices()[2]);
  DataLoader loader(second, DataLoaderOptions().batch_size(2));
  REQUIRE(flatten(epoch_targets(loader)) == second.indices());

  tg::Generator same(42);
  REQUIRE(tg::data::random_split(dataset, {12, 5, 3}, same)[0].indices() == parts[0].indices());
  REQUIRE_THROWS_WITH(tg::data::random_split(dataset, {12, 5}, gen),
                      Catch::Contains("sum of input lengths (17) does not equal the length of the input dataset (20)"));
  REQUIRE_THROWS_AS(tg::data::random_split(dataset, {25, -5}, gen), tg::Error);
}
