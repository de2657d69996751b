#pragma once
/// The safetensors file format (Hugging Face): named tensors written so PyTorch's
/// `safetensors.torch.load_file` opens them, and read back with every field checked.
///
/// Layout: an 8-byte little-endian u64 N, then N bytes of UTF-8 JSON
///   {"__metadata__": {"key": "value", ...}, "fc1.weight": {"dtype": "F32", "shape": [4, 2],
///    "data_offsets": [0, 32]}, ...}
/// (padded with trailing spaces so the data starts 8-byte aligned), then the raw little-endian row-major data;
/// data_offsets are [begin, end) byte offsets relative to the start of that data section.
///
/// NOTE [ Checkpoint validation ]: a file is untrusted input. Before anything is allocated for tensor data or
/// handed to a caller, load_tensors checks: N <= file size - 8 and N <= 100 MB; the header is strict JSON
/// (json.hpp), read as a stream against the expected schema (so a hostile header cannot make the parser hold
/// a tree of millions of values: what is kept is the entries themselves, a small multiple of N); every entry has exactly dtype/shape/data_offsets, a known dtype (F32, F64, I64), at most
/// kMaxDims non-negative dims whose product and byte size fit in 64 bits, begin <= end, end - begin ==
/// numel * dtype size; names are unique; sorted by offset the entries tile the data section exactly (no
/// holes, no overlap, no trailing bytes). Data reads are then bounded by the file size, so a load never
/// allocates more than the file size plus O(N).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "../ops/tensor_methods.hpp"
#include "json.hpp"

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "tensorgrad's safetensors I/O copies tensor bytes as they are in memory: it needs a little-endian host"
#endif

namespace tg {
namespace io {

/// One entry of a safetensors file.
/// Example: tg::io::NamedTensor{"fc1.weight", tg::zeros<float>({4, 2})}
struct NamedTensor {
  std::string name;
  AnyTensor tensor;

  Dtype dtype() const { return tensor.dtype(); }
  const Shape& sizes() const { return tensor.sizes(); }
};

/// The header's optional "__metadata__": string keys to string values, in file order.
using Metadata = std::vector<std::pair<std::string, std::string>>;

/// The largest header accepted (the reference implementation's limit too): a bigger one is corrupt or hostile.
inline constexpr std::uint64_t kMaxHeaderBytes = 100u << 20;

/// The safetensors dtype string ("F32", "F64", "I64").
inline const char* safetensors_dtype(Dtype d) {
  switch (d) {
    case Dtype::Float32: return "F32";
    case Dtype::Float64: return "F64";
    case Dtype::Int64: return "I64";
  }
  return "?";
}

namespace detail {

/// A validated header entry; offsets are relative to the data section.
struct HeaderEntry {
  std::string name;
  Dtype dtype = Dtype::Float32;
  Shape shape;
  std::uint64_t begin = 0, end = 0;
};

struct Header {
  std::vector<HeaderEntry> entries;  // sorted by data offset, i.e. in file order
  Metadata metadata;
};

inline bool parse_dtype(const std::string& s, Dtype* out) {
  if (s == "F32") *out = Dtype::Float32;
  else if (s == "F64") *out = Dtype::Float64;
  else if (s == "I64") *out = Dtype::Int64;
  else return false;
  return true;
}

inline std::string errno_text() { return std::strerror(errno); }

/// Reads one tensor entry (the reader is at its value) and checks it on its own; `where` prefixes errors.
inline HeaderEntry parse_entry(json::Reader& r, std::string name, std::uint64_t data_size, const std::string& file) {
  const std::string where = ::tg::detail::str_cat(file, ": tensor '", name, "': ");
  const char* offsets_rule = "data_offsets must be two non-negative 64-bit integers [begin, end]";
  HeaderEntry e;
  e.name = std::move(name);
  json::Kind kind = r.peek_kind();
  TG_CHECK(kind == json::Kind::Object, where, "expected an object, got ", json::kind_name(kind));
  bool has_dtype = false, has_shape = false, has_offsets = false;
  std::string field;
  r.begin_object();
  while (r.next_member(&field)) {
    bool* seen = field == "dtype" ? &has_dtype : field == "shape" ? &has_shape : field == "data_offsets" ? &has_offsets : nullptr;
    TG_CHECK(seen != nullptr, where, "unknown field '", field, "'");
    TG_CHECK(!*seen, where, "field '", field, "' appears twice");
    *seen = true;
    kind = r.peek_kind();
    if (seen == &has_dtype) {
      TG_CHECK(kind == json::Kind::String, where, "dtype must be a string, got ", json::kind_name(kind));
      const std::string dtype = r.read_string();
      TG_CHECK(parse_dtype(dtype, &e.dtype), where, "dtype '", dtype, "' is not supported (expected F32, F64 or I64)");
    } else if (seen == &has_shape) {
      TG_CHECK(kind == json::Kind::Array, where, "shape must be an array, got ", json::kind_name(kind));
      r.begin_array();
      while (r.next_item()) {
        TG_CHECK(e.shape.size() < kMaxDims, where, "shape has more than ", kMaxDims, " dims");
        kind = r.peek_kind();
        TG_CHECK(kind == json::Kind::Number, where, "shape entries must be non-negative 64-bit integers, got ",
                 json::kind_name(kind));
        const std::string literal = r.read_number();
        std::uint64_t n = 0;
        TG_CHECK(json::parse_uint64(literal, &n) && n <= static_cast<std::uint64_t>(INT64_MAX), where,
                 "shape entries must be non-negative 64-bit integers, got ", literal);
        e.shape.push_back(static_cast<std::int64_t>(n));
      }
    } else {
      TG_CHECK(kind == json::Kind::Array, where, offsets_rule);
      std::uint64_t bounds[2] = {0, 0};
      int count = 0;
      r.begin_array();
      while (r.next_item()) {
        TG_CHECK(count < 2 && r.peek_kind() == json::Kind::Number, where, offsets_rule);
        TG_CHECK(json::parse_uint64(r.read_number(), &bounds[count++]), where, offsets_rule);
      }
      TG_CHECK(count == 2, where, offsets_rule);
      e.begin = bounds[0];
      e.end = bounds[1];
    }
  }
  TG_CHECK(has_dtype && has_shape && has_offsets, where, "expected exactly the fields dtype, shape and data_offsets");

  // numel with 64-bit overflow checks; a zero dim makes it 0 whatever the others are. The extent (zero dims
  // counted as 1) must fit too: a tensor's strides multiply the other dims even when it holds no element.
  std::uint64_t extent = 1;
  bool overflow = false;
  for (const std::int64_t n : e.shape) {
    const auto d = static_cast<std::uint64_t>(std::max<std::int64_t>(n, 1));
    overflow = overflow || extent > UINT64_MAX / d;
    if (!overflow) extent *= d;
  }
  const std::uint64_t numel = std::find(e.shape.begin(), e.shape.end(), 0) == e.shape.end() ? extent : 0;
  const std::uint64_t elem = dtype_size(e.dtype);
  TG_CHECK(!overflow && extent <= static_cast<std::uint64_t>(INT64_MAX) / elem, where, "shape ", e.shape,
           " overflows 64-bit sizes");
  TG_CHECK(e.begin <= e.end, where, "data_offsets [", e.begin, ", ", e.end, "] have begin > end");
  TG_CHECK(e.end <= data_size, where, "data_offsets [", e.begin, ", ", e.end, "] run past the data section of ",
           data_size, " bytes");
  TG_CHECK(e.end - e.begin == numel * elem, where, "data_offsets [", e.begin, ", ", e.end, "] hold ", e.end - e.begin,
           " bytes, but dtype ", safetensors_dtype(e.dtype), " and shape ", e.shape, " need ", numel * elem);
  return e;
}

/// Parses and validates a header (NOTE [ Checkpoint validation ]); `file` prefixes every error.
inline Header parse_header(std::string_view text, std::uint64_t data_size, const std::string& file) {
  json::Reader r(text, file + ": header: ");
  json::Kind kind = r.peek_kind();
  TG_CHECK(kind == json::Kind::Object, file, ": header: expected a JSON object, got ", json::kind_name(kind));
  Header h;
  bool seen_metadata = false;
  std::string name;
  r.begin_object();
  while (r.next_member(&name)) {
    if (name != "__metadata__") {
      h.entries.push_back(parse_entry(r, std::move(name), data_size, file));
      continue;
    }
    TG_CHECK(!seen_metadata, file, ": header: '__metadata__' appears twice");
    seen_metadata = true;
    kind = r.peek_kind();
    TG_CHECK(kind == json::Kind::Object, file, ": header: '__metadata__' must be an object, got ", json::kind_name(kind));
    std::string key;
    r.begin_object();
    while (r.next_member(&key)) {
      kind = r.peek_kind();
      TG_CHECK(kind == json::Kind::String, file, ": header: '__metadata__' entry '", key, "' must be a string, got ",
               json::kind_name(kind));
      h.metadata.emplace_back(std::move(key), r.read_string());
    }
  }
  r.finish();

  // Duplicate names: sort a list of pointers so the check is O(n log n) for large headers.
  std::vector<const HeaderEntry*> by_name;
  for (const auto& e : h.entries) by_name.push_back(&e);
  std::sort(by_name.begin(), by_name.end(), [](auto* a, auto* b) { return a->name < b->name; });
  for (std::size_t i = 1; i < by_name.size(); ++i)
    TG_CHECK(by_name[i]->name != by_name[i - 1]->name, file, ": tensor '", by_name[i]->name, "' appears twice in the header");

  std::stable_sort(h.entries.begin(), h.entries.end(), [](const HeaderEntry& a, const HeaderEntry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  std::uint64_t expected = 0;
  for (const auto& e : h.entries) {
    TG_CHECK(e.begin == expected, file, ": tensor '", e.name, "': data_offsets [", e.begin, ", ", e.end, "] ",
             e.begin < expected ? "overlap the previous tensor" : "leave a hole after the previous tensor",
             " (expected begin ", expected, ")");
    expected = e.end;
  }
  TG_CHECK(expected == data_size, file, ": data section has ", data_size, " bytes but the tensors cover ", expected,
           " (trailing bytes)");
  return h;
}

/// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

/// Reads exactly n bytes; a short read (the file changed or is truncated) is an error.
inline void read_exact(int fd, void* dst, std::uint64_t n, const std::string& file) {
  auto* p = static_cast<char*>(dst);
  while (n > 0) {
    const ssize_t got = ::read(fd, p, static_cast<std::size_t>(std::min<std::uint64_t>(n, 1u << 30)));
    if (got < 0 && errno == EINTR) continue;
    TG_CHECK(got > 0, file, ": read failed: ", got < 0 ? errno_text() : "unexpected end of file");
    p += got;
    n -= static_cast<std::uint64_t>(got);
  }
}

inline void write_exact(int fd, const void* src, std::uint64_t n, const std::string& file) {
  const auto* p = static_cast<const char*>(src);
  while (n > 0) {
    const ssize_t put = ::write(fd, p, static_cast<std::size_t>(std::min<std::uint64_t>(n, 1u << 30)));
    if (put < 0 && errno == EINTR) continue;
    TG_CHECK(put > 0, file, ": write failed: ", errno_text());
    p += put;
    n -= static_cast<std::uint64_t>(put);
  }
}

/// A contiguous CPU copy (or the tensor itself when it already is one) whose bytes can be written as they are.
template <class T> Tensor<T> host_contiguous(const Tensor<T>& t) {
  NoGradGuard no_grad;
  return t.cpu().contiguous();
}

}  // namespace detail

/// The JSON header save_tensors writes for these tensors (padded with spaces to a multiple of 8 bytes).
inline std::string safetensors_header(const std::vector<NamedTensor>& tensors, const Metadata& metadata = {}) {
  std::string h = "{";
  if (!metadata.empty()) {
    h += "\"__metadata__\":{";
    for (std::size_t i = 0; i < metadata.size(); ++i)
      h += (i ? "," : "") + json::quote(metadata[i].first) + ":" + json::quote(metadata[i].second);
    h += "}";
  }
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    TG_CHECK(t.name != "__metadata__", "save_tensors: '__metadata__' is reserved and cannot name a tensor");
    const std::uint64_t nbytes = static_cast<std::uint64_t>(t.sizes().numel()) * dtype_size(t.dtype());
    if (h.size() > 1) h += ",";
    h += json::quote(t.name) + ":{\"dtype\":\"" + safetensors_dtype(t.dtype()) + "\",\"shape\":[";
    for (int d = 0; d < t.sizes().size(); ++d) h += (d ? "," : "") + std::to_string(t.sizes()[d]);
    h += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + nbytes) + "]}";
    offset += nbytes;
  }
  h += "}";
  h.append((8 - h.size() % 8) % 8, ' ');
  return h;
}

/// Writes `tensors` (in order) to a safetensors file at `path`, crash-safely: the bytes go to
/// `path.tmp.<pid>` in the same directory, which is flushed to disk (fsync) and then renamed over `path`, so
/// `path` always holds either the old file or the complete new one, never a torn write.
/// Names must be unique; the header is validated with the reader before anything is written.
/// Example: tg::io::save_tensors("w.safetensors", {{"w", tg::ones<float>({2, 3})}}, {{"format", "pt"}});
inline void save_tensors(const std::string& path, const std::vector<NamedTensor>& tensors, const Metadata& metadata = {}) {
  std::vector<AnyTensor> host;
  host.reserve(tensors.size());
  std::uint64_t data_size = 0;
  for (const auto& t : tensors) {
    TG_CHECK(t.tensor.defined(), path, ": tensor '", t.name, "' is undefined");
    t.tensor.visit([&](const auto& x) { host.emplace_back(detail::host_contiguous(x)); });
    data_size += static_cast<std::uint64_t>(t.sizes().numel()) * dtype_size(t.dtype());
  }
  const std::string header = safetensors_header(tensors, metadata);
  // Our own reader must accept what we write (invalid UTF-8 in a name, duplicate names, ...).
  detail::parse_header(header, data_size, path);

  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  detail::Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  TG_CHECK(fd.get() >= 0, path, ": cannot create the temporary file '", tmp, "': ", detail::errno_text());
  try {
    unsigned char len[8];
    for (int i = 0; i < 8; ++i) len[i] = static_cast<unsigned char>(static_cast<std::uint64_t>(header.size()) >> (8 * i));
    detail::write_exact(fd.get(), len, 8, tmp);
    detail::write_exact(fd.get(), header.data(), header.size(), tmp);
    for (const auto& t : host)
      t.visit([&](const auto& x) {
        using T = typename std::decay_t<decltype(x)>::value_type;
        detail::write_exact(fd.get(), x.data(), static_cast<std::uint64_t>(x.numel()) * sizeof(T), tmp);
      });
    TG_CHECK(::fsync(fd.get()) == 0, tmp, ": fsync failed: ", detail::errno_text());
    TG_CHECK(::close(fd.release()) == 0, tmp, ": close failed: ", detail::errno_text());
    TG_CHECK(::rename(tmp.c_str(), path.c_str()) == 0, path, ": cannot rename '", tmp, "' over it: ",
             detail::errno_text());
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  // Persist the rename itself: fsync the directory entry (best effort: some filesystems refuse it).
  const auto slash = path.find_last_of('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  detail::Fd dir_fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dir_fd.get() >= 0) ::fsync(dir_fd.get());
}

/// The same for (name, tensor) pairs, e.g. a state dict: `save_tensors(path, tg::module_state_dict(model))`.
template <class TensorT>
void save_tensors(const std::string& path, const std::vector<std::pair<std::string, TensorT>>& tensors,
                  const Metadata& metadata = {}) {
  std::vector<NamedTensor> named;
  named.reserve(tensors.size());
  for (const auto& [name, tensor] : tensors) named.push_back({name, tensor});
  save_tensors(path, named, metadata);
}

/// Reads every tensor of a safetensors file, in file order, after validating the whole header
/// (NOTE [ Checkpoint validation ]); the optional `metadata` receives "__metadata__". Any problem throws
/// tg::Error naming the file and the field, e.g. "w.safetensors: tensor 'w': dtype 'F16' is not supported".
/// Example: for (const auto& t : tg::io::load_tensors("w.safetensors")) std::cout << t.name << t.sizes();
inline std::vector<NamedTensor> load_tensors(const std::string& path, Metadata* metadata = nullptr) {
  detail::Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  TG_CHECK(fd.get() >= 0, path, ": cannot open: ", detail::errno_text());
  struct stat st {};
  TG_CHECK(::fstat(fd.get(), &st) == 0, path, ": cannot stat: ", detail::errno_text());
  TG_CHECK(S_ISREG(st.st_mode), path, ": not a regular file");
  const auto file_size = static_cast<std::uint64_t>(st.st_size);
  TG_CHECK(file_size >= 8, path, ": file has ", file_size, " bytes, too short for the 8-byte header length");
  unsigned char len[8];
  detail::read_exact(fd.get(), len, 8, path);
  std::uint64_t header_size = 0;
  for (int i = 0; i < 8; ++i) header_size |= static_cast<std::uint64_t>(len[i]) << (8 * i);
  TG_CHECK(header_size <= file_size - 8, path, ": header length ", header_size, " exceeds the ", file_size - 8,
           " bytes after the length field");
  TG_CHECK(header_size <= kMaxHeaderBytes, path, ": header length ", header_size, " exceeds the limit of ",
           kMaxHeaderBytes, " bytes");
  std::string text(static_cast<std::size_t>(header_size), '\0');
  detail::read_exact(fd.get(), text.data(), header_size, path);
  detail::Header header = detail::parse_header(text, file_size - 8 - header_size, path);

  std::vector<NamedTensor> out;
  out.reserve(header.entries.size());
  for (const auto& e : header.entries) {
    auto read = [&](auto tag) {
      using T = decltype(tag);
      Tensor<T> t = empty<T>(e.shape);
      detail::read_exact(fd.get(), t.data(), e.end - e.begin, path);
      out.push_back({e.name, std::move(t)});
    };
    switch (e.dtype) {
      case Dtype::Float32: read(float{}); break;
      case Dtype::Float64: read(double{}); break;
      case Dtype::Int64: read(std::int64_t{}); break;
    }
  }
  if (metadata) *metadata = std::move(header.metadata);
  return out;
}

}  // namespace io
}  // namespace tg
