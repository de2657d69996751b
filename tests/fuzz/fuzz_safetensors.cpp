// libFuzzer harness for the safetensors loader: any byte string is either loaded as a
// structurally valid set of tensors or rejected with tg::Error. A crash, a sanitizer report, a leak, another
// exception type or an inconsistent result is a finding. Run by scripts/fuzz.sh.
#include <tensorgrad/io/safetensors.hpp>

#include <cstdlib>
#include <variant>

#include "fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = tg_fuzz::write_input(data, size);
  try {
    tg::io::Metadata metadata;
    const std::vector<tg::io::NamedTensor> tensors = tg::io::load_tensors(path, &metadata);
    // A loaded file's tensors fit in it: the loader never invents data.
    std::uint64_t bytes = 0;
    for (const tg::io::NamedTensor& t : tensors)
      bytes += static_cast<std::uint64_t>(t.sizes().numel()) * tg::dtype_size(t.dtype());
    if (bytes > size) std::abort();
  } catch (const tg::Error&) {
    // Rejected with a message: the expected outcome for most inputs.
  }
  return 0;
}
