// libFuzzer harness for the IDX reader: any byte string, read as MNIST images (3 dims) and as
// labels (1 dim), is either a valid tensor whose size matches the file or rejected with tg::Error. A crash, a
// sanitizer report, a leak or another exception type is a finding. Run by scripts/fuzz.sh.
#include <tensorgrad/data/mnist.hpp>

#include <cstdlib>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = tg_fuzz::write_input(data, size);
  try {
    const tg::Tensor<float> images = tg::data::read_idx_images(path, true);
    if (images.dim() != 4 || static_cast<std::size_t>(images.numel()) + 16 != size) std::abort();
  } catch (const tg::Error&) {
  }
  try {
    const tg::Tensor<std::int64_t> labels = tg::data::read_idx_labels(path);
    if (labels.dim() != 1 || static_cast<std::size_t>(labels.numel()) + 8 != size) std::abort();
  } catch (const tg::Error&) {
  }
  return 0;
}
