#pragma once
/// IDX files (the format of the MNIST distribution): a big-endian header (magic 0x0000 | type | ndims, then
/// ndims uint32 sizes) followed by the elements in row-major order. Only unsigned-byte data (type 0x08),
/// the type of every MNIST file, is read. Every field is validated, so a corrupt or
/// truncated file throws tg::Error naming the file and the field instead of reading garbage.
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "../core/creation.hpp"

namespace tg {
namespace data {

/// An unsigned-byte IDX file: its dims and its elements in row-major order.
struct IdxFile {
  std::vector<std::int64_t> dims;
  std::vector<std::uint8_t> bytes;
};

namespace detail {
inline std::string hex(std::uint32_t value, int digits) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%0*X", digits, static_cast<unsigned>(value));
  return buf;
}
inline std::uint32_t read_be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}
}  // namespace detail

/// Reads the unsigned-byte IDX file at `path`, which must have `expected_dims` dims (3 for images,
/// 1 for labels). Throws tg::Error naming the file and the expected vs found value when the file is
/// missing or unreadable, the magic number is wrong (type byte 0x08, dims count), a dim after the first
/// is 0, the dims' product overflows, or the file is not exactly header + product of dims bytes long
/// (truncated, or trailing bytes). Never allocates more than the file's size.
inline IdxFile read_idx(const std::string& path, int expected_dims) {
  TG_CHECK(expected_dims >= 1 && expected_dims <= 255, "read_idx: expected_dims must be in [1, 255], got ",
           expected_dims);
  const std::uint32_t expected_magic = 0x0800u | static_cast<std::uint32_t>(expected_dims);
  std::error_code ec;
  TG_CHECK(std::filesystem::is_regular_file(path, ec), "IDX file '", path, "': no such file (or not a regular file)");
  std::ifstream in(path, std::ios::binary);
  TG_CHECK(in.is_open(), "IDX file '", path, "': cannot open it for reading");
  in.seekg(0, std::ios::end);
  const std::streamoff file_size = in.tellg();
  in.seekg(0, std::ios::beg);
  TG_CHECK(in.good() && file_size >= 0, "IDX file '", path, "': cannot determine its size");

  unsigned char magic[4];
  TG_CHECK(file_size >= 4, "IDX file '", path, "': truncated: expected at least 4 bytes (the magic number ",
           detail::hex(expected_magic, 8), "), found ", file_size, " bytes");
  TG_CHECK(in.read(reinterpret_cast<char*>(magic), 4) && in.gcount() == 4, "IDX file '", path,
           "': read of the magic number failed");
  const std::uint32_t found_magic = detail::read_be32(magic);
  TG_CHECK(magic[0] == 0 && magic[1] == 0, "IDX file '", path, "': bad magic number: expected ",
           detail::hex(expected_magic, 8), ", found ", detail::hex(found_magic, 8), " (not an IDX file)");
  TG_CHECK(magic[2] == 0x08, "IDX file '", path, "': unsupported data type byte: expected 0x08 (unsigned byte), found ",
           detail::hex(magic[2], 2), " (magic expected ", detail::hex(expected_magic, 8), ", found ",
           detail::hex(found_magic, 8), ")");
  TG_CHECK(magic[3] == expected_dims, "IDX file '", path, "': wrong number of dims: expected ", expected_dims,
           ", found ", int{magic[3]}, " (magic expected ", detail::hex(expected_magic, 8), ", found ",
           detail::hex(found_magic, 8), ")");

  const std::int64_t header = 4 + 4 * static_cast<std::int64_t>(expected_dims);
  TG_CHECK(file_size >= header, "IDX file '", path, "': truncated header: expected ", header, " bytes for ",
           expected_dims, " dims, found ", file_size, " bytes in the file");
  unsigned char raw_dims[4 * 255];
  TG_CHECK(in.read(reinterpret_cast<char*>(raw_dims), header - 4) && in.gcount() == header - 4, "IDX file '", path,
           "': read of the dims failed");
  IdxFile idx;
  for (int i = 0; i < expected_dims; ++i) idx.dims.push_back(detail::read_be32(raw_dims + 4 * i));
  std::string dims_text;
  for (std::size_t i = 0; i < idx.dims.size(); ++i) dims_text += (i ? " x " : "") + std::to_string(idx.dims[i]);
  // The first dim counts items and may be 0; an item of size 0 (rows = 0 or cols = 0) is malformed.
  for (int i = 1; i < expected_dims; ++i)
    TG_CHECK(idx.dims[i] > 0, "IDX file '", path, "': dims ", dims_text, ": dim ", i,
             " is 0, expected a positive size");
  // Checked before each multiplication, so the product never wraps (it stays <= 2^63 - 1). A first dim of 0 counts
  // as 1 in `extent`: the tensor's strides multiply the other dims even when it holds no element (the fuzzer's
  // 0 x 4278190079 x 4026527983, tests/fuzz/regressions/idx).
  std::uint64_t count = 1, extent = 1;
  for (std::int64_t d : idx.dims) {
    const auto n = static_cast<std::uint64_t>(std::max<std::int64_t>(d, 1));
    TG_CHECK(extent <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / n, "IDX file '", path,
             "': dims ", dims_text, " overflow 64-bit sizes");
    extent *= n;
    count *= static_cast<std::uint64_t>(d);
  }
  const std::uint64_t payload = static_cast<std::uint64_t>(file_size - header);
  TG_CHECK(payload == count, "IDX file '", path, "': size mismatch: expected ", header, " header bytes + ",
           dims_text, " = ", count, " data bytes (", static_cast<std::uint64_t>(header) + count,
           " bytes in all), found ", file_size, " bytes (", payload < count ? "truncated" : "trailing bytes", ")");
  idx.bytes.resize(static_cast<std::size_t>(count));
  if (count > 0)
    TG_CHECK(in.read(reinterpret_cast<char*>(idx.bytes.data()), static_cast<std::streamsize>(count)) &&
                 static_cast<std::uint64_t>(in.gcount()) == count,
             "IDX file '", path, "': read of ", count, " data bytes failed after ", in.gcount(), " bytes");
  return idx;
}

}  // namespace data
}  // namespace tg
