// Checkpoints in the safetensors format (io/): the strict JSON reader, the file format (exact bytes, round
// trips), every malformed file refused with the model left bitwise unchanged, truncation and corruption
// sweeps, crash-safe saving, module and optimizer checkpoints.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <tensorgrad/tensorgrad.hpp>
#include <utility>
#include <vector>

#include "test_util.hpp"

namespace {

namespace fs = std::filesystem;
using Catch::Matchers::Contains;
using Named = std::vector<std::pair<std::string, tg::Tensor<float>>>;

using test_util::TempDir;

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}
void write_file(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  REQUIRE(out.good());
}

/// The 8-byte little-endian length field, written out byte by byte (independent of the library's writer).
std::string length_field(std::uint64_t n) {
  std::string s;
  for (int i = 0; i < 8; ++i) s += static_cast<char>((n >> (8 * i)) & 0xFF);
  return s;
}
/// A whole safetensors file from a header text and data bytes.
std::string file_bytes(const std::string& header, const std::string& data) {
  return length_field(header.size()) + header + data;
}
/// The in-memory bytes of some values (the test host is little-endian, as the format).
template <class T> std::string raw(std::initializer_list<T> values) {
  std::string s(values.size() * sizeof(T), '\0');
  std::memcpy(s.data(), values.begin(), s.size());
  return s;
}
template <class T> std::string tensor_bytes(const tg::Tensor<T>& t) {
  const tg::Tensor<T> c = t.contiguous();
  return std::string(reinterpret_cast<const char*>(c.data()), static_cast<std::size_t>(c.numel()) * sizeof(T));
}
float float_bits(std::uint32_t bits) {
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}
double double_bits(std::uint64_t bits) {
  double d;
  std::memcpy(&d, &bits, sizeof d);
  return d;
}

/// A stand-in with tg::nn::Module's checkpoint interface (named_parameters / named_buffers), so the file
/// logic is tested on any set of names and shapes.
struct StandIn {
  Named params, buffers;
  template <class = tg::AnyTensor> Named named_parameters() const { return params; }
  template <class = tg::AnyTensor> Named named_buffers() const { return buffers; }
};

/// Every byte of the module's state, in state_dict order: "bitwise unchanged" compares these.
std::string snapshot(const StandIn& m) {
  std::string s;
  for (const auto& [name, t] : m.params) s += name + ':' + t.sizes().str() + tensor_bytes(t);
  for (const auto& [name, t] : m.buffers) s += name + ':' + t.sizes().str() + tensor_bytes(t);
  return s;
}

/// The seeds' 2-4-1 network shape (fc1 = Linear(2, 4), fc2 = Linear(4, 1)) plus one buffer, filled with 7s
/// so a load is visible.
StandIn tiny_net() {
  StandIn m;
  m.params = {{"fc1.weight", tg::full<float>({4, 2}, 7.f)},
              {"fc1.bias", tg::full<float>({4}, 7.f)},
              {"fc2.weight", tg::full<float>({1, 4}, 7.f)},
              {"fc2.bias", tg::full<float>({1}, 7.f)}};
  for (auto& p : m.params) p.second.requires_grad_();
  m.buffers = {{"norm.running_mean", tg::full<float>({2}, 7.f)}};
  return m;
}

/// A network with a single parameter `w` of shape [2], holding {7, 7}.
StandIn one_param_net() {
  StandIn m;
  m.params = {{"w", tg::full<float>({2}, 7.f)}};
  return m;
}

}  // namespace

// ---- JSON ---------------------------------------------------------------------------------------

TEST_CASE("json::Reader walks objects in order, arrays, escapes and UTF-8", "[io][json]") {
  tg::io::json::Reader r(
      " {\"a\": [0, 12, -3.5e+2], \"s\": \"q\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\xce\xbc\", "
      "\"t\": true, \"o\": {}} \n");
  using Kind = tg::io::json::Kind;
  CHECK(r.peek_kind() == Kind::Object);
  r.begin_object();
  std::string key;
  REQUIRE(r.next_member(&key));
  CHECK(key == "a");
  r.begin_array();
  std::vector<std::string> numbers;
  while (r.next_item()) numbers.push_back(r.read_number());
  CHECK(numbers == std::vector<std::string>{"0", "12", "-3.5e+2"});
  REQUIRE(r.next_member(&key));
  CHECK(key == "s");
  CHECK(r.peek_kind() == Kind::String);
  // U+00E9 = C3 A9, U+1F600 (surrogate pair D83D DE00) = F0 9F 98 80, and raw UTF-8 U+03BC kept as is.
  CHECK(r.read_string() == "q\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80\xce\xbc");
  REQUIRE(r.next_member(&key));
  CHECK(r.peek_kind() == Kind::Bool);
  r.skip_value();
  REQUIRE(r.next_member(&key));
  CHECK(key == "o");
  CHECK(r.peek_kind() == Kind::Object);
  r.skip_value();
  CHECK_FALSE(r.next_member(&key));
  r.finish();

  std::uint64_t n = 0;
  CHECK(tg::io::json::parse_uint64("12", &n));
  CHECK(n == 12);
  CHECK(tg::io::json::parse_uint64("18446744073709551615", &n));  // UINT64_MAX fits
  CHECK(n == UINT64_MAX);
  CHECK_FALSE(tg::io::json::parse_uint64("18446744073709551616", &n));  // one more does not
  for (const char* not_plain : {"-1", "1.0", "1e3", ""}) CHECK_FALSE(tg::io::json::parse_uint64(not_plain, &n));
}

TEST_CASE("json::validate rejects every deviation from RFC 8259", "[io][json]") {
  const std::pair<std::string, const char*> cases[] = {
      {"", "unexpected end of input"},
      {"{\"a\": 1} x", "trailing characters"},
      {"{\"a\": 1}{}", "trailing characters"},
      {"{\"a\": 1,}", "trailing comma"},
      {"[1, 2,]", "trailing comma"},
      {"[,1]", "expected a value"},
      {"[1 2]", "expected ','"},
      {"{\"a\" 1}", "expected ':'"},
      {"{a: 1}", "expected a string as object key"},
      {"[01]", "expected ','"},
      {"[1.]", "digits after the decimal point"},
      {"[1e]", "digits in the exponent"},
      {"[-]", "expected a value"},
      {"[NaN]", "expected a value"},
      {"[tru]", "expected 'true'"},
      {"[nul]", "expected 'null'"},
      {"[1", "unexpected end of input"},
      {"\"abc", "unterminated string"},
      {"\"a\tb\"", "control character"},
      {"\"\\x\"", "invalid escape"},
      {"\"\\u12g4\"", "invalid hex digit"},
      {"\"\\udc00\"", "lone low surrogate"},
      {"\"\\ud800x\"", "high surrogate without its low surrogate"},
      {"\"\\ud800\\u0041\"", "high surrogate without its low surrogate"},
      {"\"\xff\"", "invalid UTF-8 lead byte"},
      {"\"\xc0\xaf\"", "invalid UTF-8 lead byte"},      // overlong '/'
      {"\"\xe0\x80\xaf\"", "invalid UTF-8 code point"},  // overlong '/' in 3 bytes
      {"\"\xed\xa0\x80\"", "invalid UTF-8 code point"},  // an encoded surrogate
      {"\"\xc3(\"", "invalid UTF-8 continuation"},
      {"\"\xc3", "truncated UTF-8"},
      {std::string(65, '[') + std::string(65, ']'), "nesting deeper than 64 levels"},
  };
  for (const auto& [text, message] : cases) {
    INFO("input: " << text);
    CHECK_THROWS_AS(tg::io::json::validate(text), tg::Error);
    CHECK_THROWS_WITH(tg::io::json::validate(text), Contains("invalid JSON at byte") && Contains(message));
  }
  // 64 levels are fine, and so are all the literal kinds.
  CHECK_NOTHROW(tg::io::json::validate(std::string(64, '[') + std::string(64, ']')));
  CHECK_NOTHROW(tg::io::json::validate(" [true, false, null, -0, 0.5e-3, {\"k\": [\"v\"]}] "));
  tg::io::json::Reader with_context("[1,]", "f.safetensors: header: ");
  CHECK_THROWS_WITH(with_context.skip_value(), "f.safetensors: header: invalid JSON at byte 3: trailing comma");
}

TEST_CASE("json::quote escapes quotes, backslashes and control characters", "[io][json]") {
  CHECK(tg::io::json::quote("fc1.weight") == "\"fc1.weight\"");
  CHECK(tg::io::json::quote("a\"b\\c\nd\x01") == "\"a\\\"b\\\\c\\u000ad\\u0001\"");
  const std::string tricky = "q\"\\\t\x1f\xce\xbc";
  CHECK(tg::io::json::Reader(tg::io::json::quote(tricky)).read_string() == tricky);
}

// ---- file format --------------------------------------------------------------------------------

TEST_CASE("save_tensors writes the documented bytes: u64 length, padded JSON header, raw data", "[io][safetensors]") {
  TempDir tmp;
  const std::string path = tmp.file("w.safetensors");
  tg::io::save_tensors(path, {{"w", tg::tensor<float>({1.f, 2.f})}}, {{"format", "pt"}});
  // 85 header characters padded with 3 spaces to 88 = 0x58 so the data starts at byte 96 (8-aligned);
  // 1.0f = 0x3F800000 and 2.0f = 0x40000000, little-endian.
  const std::string expected = std::string("\x58\0\0\0\0\0\0\0", 8) +
                               "{\"__metadata__\":{\"format\":\"pt\"},\"w\":{\"dtype\":\"F32\",\"shape\":[2],"
                               "\"data_offsets\":[0,8]}}   " +
                               std::string("\x00\x00\x80\x3f\x00\x00\x00\x40", 8);
  CHECK(read_file(path) == expected);
}

TEST_CASE("save_tensors / load_tensors round-trip float, double, int64, 0-d and empty tensors bitwise",
          "[io][safetensors]") {
  TempDir tmp;
  const std::string path = tmp.file("all.safetensors");
  const float qnan_payload = float_bits(0x7fc12345u), denorm = float_bits(1u);
  const auto f = tg::tensor<float>({-0.f, std::numeric_limits<float>::infinity(), qnan_payload, denorm,
                                    std::numeric_limits<float>::max(), 0.1f},
                                   {2, 3});
  const auto d = tg::tensor<double>({double_bits(0x7ff0000000000001ull), -0.0, 1.0 / 3.0}, {3});
  const auto l = tg::tensor<std::int64_t>({std::numeric_limits<std::int64_t>::min(), -1, 0,
                                           std::numeric_limits<std::int64_t>::max()},
                                          {2, 2});
  const auto scalar = tg::scalar_tensor<float>(-2.5f);
  const auto empty_d = tg::zeros<double>({0, 3});
  const auto empty_l = tg::zeros<std::int64_t>({0});
  const auto transposed = tg::tensor<float>({1.f, 2.f, 3.f, 4.f, 5.f, 6.f}, {2, 3}).t();  // non-contiguous
  const tg::io::Metadata metadata = {{"format", "pt"}, {"note", "quote \" backslash \\ newline \n mu \xce\xbc"}};
  tg::io::save_tensors(path,
                       {{"f", f}, {"d", d}, {"l", l}, {"scalar", scalar}, {"empty_d", empty_d}, {"empty_l", empty_l},
                        {"transposed", transposed}},
                       metadata);

  tg::io::Metadata read_metadata;
  const auto back = tg::io::load_tensors(path, &read_metadata);
  CHECK(read_metadata == metadata);
  REQUIRE(back.size() == 7);
  const char* names[] = {"f", "d", "l", "scalar", "empty_d", "empty_l", "transposed"};
  const tg::Dtype dtypes[] = {tg::Dtype::Float32, tg::Dtype::Float64, tg::Dtype::Int64, tg::Dtype::Float32,
                              tg::Dtype::Float64, tg::Dtype::Int64,   tg::Dtype::Float32};
  const tg::Shape shapes[] = {{2, 3}, {3}, {2, 2}, {}, {0, 3}, {0}, {3, 2}};
  for (int i = 0; i < 7; ++i) {
    INFO("tensor " << names[i]);
    CHECK(back[i].name == names[i]);
    CHECK(back[i].dtype() == dtypes[i]);
    CHECK(back[i].sizes() == shapes[i]);
  }
  CHECK(tensor_bytes(back[0].tensor.as<float>()) == tensor_bytes(f));
  CHECK(tensor_bytes(back[1].tensor.as<double>()) == tensor_bytes(d));
  CHECK(tensor_bytes(back[2].tensor.as<std::int64_t>()) == tensor_bytes(l));
  CHECK(back[3].tensor.as<float>().item() == -2.5f);
  CHECK(back[4].tensor.as<double>().numel() == 0);
  CHECK(back[5].tensor.as<std::int64_t>().numel() == 0);
  // The transpose of [[1, 2, 3], [4, 5, 6]] is stored row-major: 1 4 2 5 3 6.
  CHECK(back[6].tensor.as<float>().tolist() == std::vector<float>{1, 4, 2, 5, 3, 6});
}

TEST_CASE("save_tensors refuses names the format cannot hold, before creating any file", "[io][safetensors]") {
  TempDir tmp;
  const std::string path = tmp.file("bad.safetensors");
  const auto t = tg::zeros<float>({1});
  CHECK_THROWS_WITH(tg::io::save_tensors(path, {{"a", t}, {"a", t}}), Contains("tensor 'a' appears twice"));
  CHECK_THROWS_WITH(tg::io::save_tensors(path, {{"__metadata__", t}}), Contains("'__metadata__' is reserved"));
  CHECK_THROWS_WITH(tg::io::save_tensors(path, {{"bad\xff", t}}), Contains("invalid UTF-8"));
  CHECK_THROWS_WITH(tg::io::save_tensors(path, {{"u", tg::Tensor<float>()}}), Contains("tensor 'u' is undefined"));
  CHECK_FALSE(fs::exists(path));
  CHECK(fs::is_empty(tmp.dir));
}

// ---- modules ------------------------------------------------------------------------------------

TEST_CASE("a hand-written safetensors file with PyTorch's names loads into the matching network", "[io][checkpoint]") {
  TempDir tmp;
  const std::string path = tmp.file("model.safetensors");
  // As PyTorch's safetensors.torch.save_file lays it out: keys sorted, a "format" metadata entry, spaces
  // after separators, tensors in a different order than the module lists them.
  const std::string header =
      "{\"__metadata__\": {\"format\": \"pt\"}, "
      "\"fc1.bias\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}, "
      "\"fc1.weight\": {\"dtype\": \"F32\", \"shape\": [4, 2], \"data_offsets\": [16, 48]}, "
      "\"fc2.bias\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [48, 52]}, "
      "\"fc2.weight\": {\"dtype\": \"F32\", \"shape\": [1, 4], \"data_offsets\": [52, 68]}, "
      "\"norm.running_mean\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [68, 76]}}";
  const std::string data = raw<float>({0.5f, -0.5f, 1.5f, -1.5f}) +
                           raw<float>({1.f, 2.f, 3.f, 4.f, 5.f, 6.f, 7.f, 8.f}) + raw<float>({0.125f}) +
                           raw<float>({-1.f, 2.f, -3.f, 4.f}) + raw<float>({10.f, 20.f});
  write_file(path, file_bytes(header, data));

  StandIn net = tiny_net();
  tg::load(net, path);
  CHECK(net.params[0].second.tolist() == std::vector<float>{1, 2, 3, 4, 5, 6, 7, 8});  // fc1.weight
  CHECK(net.params[0].second.at({2, 1}) == 6.f);
  CHECK(net.params[1].second.tolist() == std::vector<float>{0.5f, -0.5f, 1.5f, -1.5f});  // fc1.bias
  CHECK(net.params[2].second.tolist() == std::vector<float>{-1, 2, -3, 4});              // fc2.weight
  CHECK(net.params[3].second.item() == 0.125f);                                          // fc2.bias
  CHECK(net.buffers[0].second.tolist() == std::vector<float>{10, 20});
  // The parameters are still the same leaves that require grad (loaded in place, not replaced).
  CHECK(net.params[0].second.requires_grad());
  CHECK(net.params[0].second.is_leaf());
}

TEST_CASE("tg::save then tg::load restores a module bitwise, through a holder too", "[io][checkpoint]") {
  TempDir tmp;
  const std::string path = tmp.file("model.safetensors");
  auto source = std::make_shared<StandIn>(tiny_net());
  tg::Generator gen(3);
  {
    tg::NoGradGuard no_grad;
    for (auto& [name, t] : source->params) t.normal_(0.0, 1.0, gen);
  }
  tg::save(source, path);  // a shared_ptr, as a module holder
  tg::io::Metadata metadata;
  const auto file = tg::io::load_tensors(path, &metadata);
  CHECK(metadata == tg::io::Metadata{{"format", "pt"}});
  REQUIRE(file.size() == 5);
  CHECK(file[0].name == "fc1.weight");
  CHECK(file[4].name == "norm.running_mean");

  StandIn target = tiny_net();
  CHECK(snapshot(target) != snapshot(*source));
  tg::load(target, path);
  CHECK(snapshot(target) == snapshot(*source));
  CHECK_THROWS_WITH(tg::load(std::shared_ptr<StandIn>(), path), Contains("load: the module or optimizer handle is empty"));
}

TEST_CASE("module_state_dict aliases the module - load_state_dict copies strictly", "[io][checkpoint]") {
  StandIn a = tiny_net(), b = tiny_net();
  {
    tg::NoGradGuard no_grad;
    a.params[0].second.fill_(1.5);
  }
  const auto state = tg::module_state_dict(a);
  REQUIRE(state.size() == 5);
  CHECK(state[0].first == "fc1.weight");
  CHECK(state[4].first == "norm.running_mean");
  CHECK_FALSE(state[0].second.requires_grad());                  // detached, as PyTorch's state_dict
  CHECK(state[0].second.as<float>().data() == a.params[0].second.data());   // but aliasing the parameter
  tg::load_state_dict(b, state);
  CHECK(snapshot(b) == snapshot(a));
  CHECK(b.params[0].second.data() != a.params[0].second.data());  // copied, not shared

  StandIn c = tiny_net();
  const std::string before = snapshot(c);
  Named partial(state.begin(), state.begin() + 2);
  partial.emplace_back("fc3.weight", tg::zeros<float>({1}));
  CHECK_THROWS_WITH(tg::load_state_dict(c, partial),
                    "load_state_dict: missing key(s) 'fc2.weight', 'fc2.bias', 'norm.running_mean'; "
                    "unexpected key(s) 'fc3.weight'");
  auto duplicated = state;
  duplicated.push_back(state[1]);
  CHECK_THROWS_WITH(tg::load_state_dict(c, duplicated), "load_state_dict: tensor 'fc1.bias' appears twice");
  CHECK(snapshot(c) == before);
}

TEST_CASE("a checkpoint that does not match the module is refused, naming every problem", "[io][checkpoint]") {
  TempDir tmp;
  const std::string path = tmp.file("model.safetensors");
  StandIn wide;  // fc1 is Linear(2, 8) here, fc2 is missing, fc3 is extra, the buffer is float64
  wide.params = {{"fc1.weight", tg::zeros<float>({8, 2})}, {"fc1.bias", tg::zeros<float>({4})},
                 {"fc3.weight", tg::zeros<float>({1})}};
  tg::save(wide, path);
  StandIn net = tiny_net();
  const std::string before = snapshot(net);
  CHECK_THROWS_WITH(tg::load(net, path), path + ": missing key(s) 'fc2.weight', 'fc2.bias', 'norm.running_mean'; "
                                                "unexpected key(s) 'fc3.weight'; tensor 'fc1.weight': shape [8, 2] "
                                                "does not match the module's [4, 2]");
  CHECK(snapshot(net) == before);

  // One mismatch alone reads as in the documentation.
  StandIn eight = tiny_net();
  eight.params[0].second = tg::zeros<float>({8, 2});
  tg::save(eight, path);
  CHECK_THROWS_WITH(tg::load(net, path), path + ": tensor 'fc1.weight': shape [8, 2] does not match the module's [4, 2]");
  CHECK(snapshot(net) == before);

  tg::io::save_tensors(path, {{"w", tg::zeros<double>({2})}});
  StandIn one = one_param_net();
  CHECK_THROWS_WITH(tg::load(one, path), path + ": tensor 'w': dtype F64 does not match the module's F32");
  CHECK(one.params[0].second.tolist() == std::vector<float>{7, 7});
}

// ---- every malformed file is refused before the model changes -------------------

TEST_CASE("malformed files are refused with the file and field named, the model unchanged", "[io][safetensors]") {
  TempDir tmp;
  const std::string path = tmp.file("bad.safetensors");
  const std::string w8 = raw<float>({1.f, 2.f});
  auto entry = [](const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
    return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
  };
  const std::string good = "{" + entry("w", "F32", "[2]", "[0,8]") + "}";
  struct Case {
    const char* what;
    std::string bytes;
    std::string message;
  };
  const Case cases[] = {
      {"empty file", "", "file has 0 bytes, too short for the 8-byte header length"},
      {"short length field", std::string("\x10\0\0", 3), "file has 3 bytes"},
      {"header longer than the file", length_field(1000) + good + w8, "header length 1000 exceeds the 62 bytes after the length field"},
      {"header length near 2^64", length_field(UINT64_MAX) + good + w8, "header length 18446744073709551615 exceeds"},
      {"trailing garbage after the JSON", file_bytes(good + " x", w8), "trailing characters"},
      {"nesting bomb", file_bytes("{\"__metadata__\":" + std::string(100, '[') + std::string(100, ']') + "}", ""),
       "'__metadata__' must be an object, got an array"},  // refused at the first '[', never descended into
      {"not an object", file_bytes("[1,2]", ""), "header: expected a JSON object, got an array"},
      {"unknown dtype", file_bytes("{" + entry("w", "F16", "[4]", "[0,8]") + "}", w8),
       "tensor 'w': dtype 'F16' is not supported (expected F32, F64 or I64)"},
      {"dtype not a string", file_bytes("{\"w\":{\"dtype\":32,\"shape\":[2],\"data_offsets\":[0,8]}}", w8),
       "tensor 'w': dtype must be a string, got a number"},
      {"missing field", file_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2]}}", w8),
       "tensor 'w': expected exactly the fields dtype, shape and data_offsets"},
      {"extra field", file_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8],\"strides\":[1]}}", w8),
       "tensor 'w': unknown field 'strides'"},
      {"repeated field", file_bytes("{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"shape\":[2]}}", w8),
       "tensor 'w': field 'shape' appears twice"},
      {"entry not an object", file_bytes("{\"w\":[1]}", w8), "tensor 'w': expected an object, got an array"},
      {"negative dim", file_bytes("{" + entry("w", "F32", "[-2]", "[0,8]") + "}", w8),
       "tensor 'w': shape entries must be non-negative 64-bit integers, got -2"},
      {"fractional dim", file_bytes("{" + entry("w", "F32", "[2.0]", "[0,8]") + "}", w8), "got 2.0"},
      {"string dim", file_bytes("{" + entry("w", "F32", "[\"2\"]", "[0,8]") + "}", w8), "shape entries must be non-negative 64-bit integers, got a string"},
      {"dim past int64", file_bytes("{" + entry("w", "F32", "[9223372036854775808]", "[0,8]") + "}", w8),
       "got 9223372036854775808"},
      {"too many dims", file_bytes("{" + entry("w", "F32", "[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,2]", "[0,8]") + "}", w8),
       "tensor 'w': shape has more than 16 dims"},
      {"numel overflows 64 bits",
       file_bytes("{" + entry("w", "F32", "[4294967296,4294967296,4294967296]", "[0,8]") + "}", w8),
       "tensor 'w': shape [4294967296, 4294967296, 4294967296] overflows 64-bit sizes"},
      {"byte size overflows 64 bits",
       file_bytes("{" + entry("w", "F64", "[1152921504606846976]", "[0,8]") + "}", w8),
       "shape [1152921504606846976] overflows 64-bit sizes"},
      {"offsets not a pair", file_bytes("{" + entry("w", "F32", "[2]", "[0,4,8]") + "}", w8),
       "tensor 'w': data_offsets must be two non-negative 64-bit integers [begin, end]"},
      {"offset past u64", file_bytes("{" + entry("w", "F32", "[2]", "[0,18446744073709551616]") + "}", w8),
       "data_offsets must be two non-negative 64-bit integers"},
      {"begin after end", file_bytes("{" + entry("w", "F32", "[0]", "[8,0]") + "}", w8),
       "tensor 'w': data_offsets [8, 0] have begin > end"},
      {"end past the data", file_bytes("{" + entry("w", "F32", "[4]", "[0,16]") + "}", w8),
       "tensor 'w': data_offsets [0, 16] run past the data section of 8 bytes"},
      {"byte length != numel * size", file_bytes("{" + entry("w", "F32", "[3]", "[0,8]") + "}", w8),
       "tensor 'w': data_offsets [0, 8] hold 8 bytes, but dtype F32 and shape [3] need 12"},
      {"hole between tensors",
       file_bytes("{" + entry("a", "F32", "[1]", "[0,4]") + "," + entry("w", "F32", "[2]", "[8,16]") + "}",
                  w8 + w8),
       "tensor 'w': data_offsets [8, 16] leave a hole after the previous tensor (expected begin 4)"},
      {"hole at the start", file_bytes("{" + entry("w", "F32", "[1]", "[4,8]") + "}", w8),
       "leave a hole after the previous tensor (expected begin 0)"},
      {"overlapping tensors",
       file_bytes("{" + entry("a", "F32", "[2]", "[0,8]") + "," + entry("w", "F32", "[2]", "[4,12]") + "}",
                  w8 + raw<float>({3.f})),
       "tensor 'w': data_offsets [4, 12] overlap the previous tensor (expected begin 8)"},
      {"trailing bytes", file_bytes(good, w8 + raw<float>({3.f})),
       "data section has 12 bytes but the tensors cover 8 (trailing bytes)"},
      {"duplicate names",
       file_bytes("{" + entry("w", "F32", "[2]", "[0,8]") + "," + entry("w", "F32", "[2]", "[8,16]") + "}", w8 + w8),
       "tensor 'w' appears twice in the header"},
      {"metadata not a string map", file_bytes("{\"__metadata__\":{\"epoch\":3}," + good.substr(1), w8),
       "'__metadata__' entry 'epoch' must be a string, got a number"},
      {"metadata twice", file_bytes("{\"__metadata__\":{},\"__metadata__\":{}," + good.substr(1), w8),
       "'__metadata__' appears twice"},
      {"invalid UTF-8 in a name", file_bytes("{" + entry("w\xc0", "F32", "[2]", "[0,8]") + "}", w8),
       "invalid UTF-8"},
  };
  for (const Case& c : cases) {
    INFO("case: " << c.what);
    write_file(path, c.bytes);
    StandIn net = one_param_net();
    CHECK_THROWS_AS(tg::load(net, path), tg::Error);
    CHECK_THROWS_WITH(tg::load(net, path), Contains(path + ": ") && Contains(c.message));
    CHECK_THROWS_WITH(tg::io::load_tensors(path), Contains(path + ": ") && Contains(c.message));
    CHECK(net.params[0].second.tolist() == std::vector<float>{7, 7});
  }
  // The well-formed file of the table loads.
  write_file(path, file_bytes(good, w8));
  StandIn net = one_param_net();
  tg::load(net, path);
  CHECK(net.params[0].second.tolist() == std::vector<float>{1, 2});
}

TEST_CASE("a header length over 100 MB is refused without reading or allocating it", "[io][safetensors]") {
  TempDir tmp;
  const std::string path = tmp.file("huge.safetensors");
  const std::uint64_t header = (100u << 20) + 8;
  write_file(path, length_field(header));
  // A sparse file just long enough to hold that header: nothing is allocated on disk or in memory.
  REQUIRE(::truncate(path.c_str(), static_cast<off_t>(8 + header)) == 0);
  CHECK_THROWS_WITH(tg::io::load_tensors(path), path + ": header length 104857608 exceeds the limit of 104857600 bytes");
}

TEST_CASE("loading a missing file or a directory names the path", "[io][safetensors]") {
  TempDir tmp;
  CHECK_THROWS_WITH(tg::io::load_tensors(tmp.file("nope.safetensors")),
                    Contains(tmp.file("nope.safetensors") + ": cannot open: No such file or directory"));
  CHECK_THROWS_WITH(tg::io::load_tensors(tmp.dir.string()), tmp.dir.string() + ": not a regular file");
}

// ---- truncation and corruption sweeps ---------------------------------------------

TEST_CASE("every truncation, header byte flip and data flip is refused or loads a valid state", "[io][safetensors]") {
  TempDir tmp;
  const std::string good_path = tmp.file("good.safetensors"), path = tmp.file("damaged.safetensors");
  StandIn source = tiny_net();
  {
    tg::NoGradGuard no_grad;
    float v = 0.25f;
    for (auto& [name, t] : source.params) {
      float* p = t.data();
      for (std::int64_t i = 0; i < t.numel(); ++i) p[i] = (v += 0.5f);
    }
  }
  tg::save(source, good_path);
  const std::string good = read_file(good_path);
  std::uint64_t header_size = 0;
  for (int i = 0; i < 8; ++i) header_size |= static_cast<std::uint64_t>(static_cast<unsigned char>(good[i])) << (8 * i);
  REQUIRE(8 + header_size < good.size());

  const std::string pristine = snapshot(tiny_net()), expected = snapshot(source);
  int refused = 0, loaded = 0;
  // Either tg::Error and no change, or success with exactly the saved values; anything else fails the test.
  auto attempt = [&](const std::string& bytes) {
    write_file(path, bytes);
    StandIn net = tiny_net();
    try {
      tg::load(net, path);
    } catch (const tg::Error&) {
      ++refused;
      return snapshot(net) == pristine;
    }
    ++loaded;
    return snapshot(net) == expected;
  };

  for (std::size_t cut = 0; cut < good.size(); ++cut) {
    INFO("truncated to " << cut << " bytes");
    REQUIRE(attempt(good.substr(0, cut)));
  }
  CHECK(loaded == 0);  // a truncated checkpoint never loads

  for (std::size_t pos = 0; pos < 8 + header_size; ++pos) {
    for (unsigned mask : {0x01u, 0x02u, 0x04u, 0x08u, 0x10u, 0x20u, 0x40u, 0x80u, 0xFFu}) {
      std::string bytes = good;
      bytes[pos] = static_cast<char>(static_cast<unsigned char>(bytes[pos]) ^ mask);
      INFO("byte " << pos << " xor " << mask);
      REQUIRE(attempt(bytes));
    }
  }
  // Some flips are harmless (e.g. padding space <-> tab, a metadata letter), most are refused.
  CHECK(loaded > 0);
  CHECK(refused > 9 * static_cast<int>(header_size) / 2);

  // Data bytes carry no structure: any flip loads, and the module holds exactly the file's bytes.
  std::mt19937 rng(15);
  for (int trial = 0; trial < 200; ++trial) {
    std::string bytes = good;
    const std::size_t pos = 8 + header_size + rng() % (good.size() - 8 - header_size);
    bytes[pos] = static_cast<char>(static_cast<unsigned char>(bytes[pos]) ^ (1u << (rng() % 8)));
    write_file(path, bytes);
    StandIn net = tiny_net();
    tg::load(net, path);
    std::string data;
    for (const auto& [name, t] : net.params) data += tensor_bytes(t);
    for (const auto& [name, t] : net.buffers) data += tensor_bytes(t);
    REQUIRE(data == bytes.substr(8 + header_size));
  }
}

// ---- crash-safe save ---------------------------------------------------------------

TEST_CASE("a save that fails before the rename leaves the old checkpoint intact", "[io][safetensors]") {
  TempDir tmp;
  const std::string path = tmp.file("model.safetensors");
  StandIn old_net = tiny_net();
  tg::save(old_net, path);
  const std::string old_bytes = read_file(path);
  CHECK(std::vector<fs::path>(fs::directory_iterator(tmp.dir), {}) == std::vector<fs::path>{path});  // no temp left

  StandIn new_net = one_param_net();
  // Simulated failure: the temporary file cannot be created (a directory squats on its name).
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  fs::create_directory(temp);
  CHECK_THROWS_WITH(tg::save(new_net, path), Contains(path + ": cannot create the temporary file '" + temp + "'"));
  CHECK(read_file(path) == old_bytes);
  fs::remove(temp);

  // Simulated failure at the rename: the destination is a non-empty directory. The temporary is cleaned up.
  const std::string dir_path = tmp.file("occupied");
  fs::create_directory(dir_path);
  write_file(dir_path + "/keep", "x");
  CHECK_THROWS_WITH(tg::save(new_net, dir_path), Contains(dir_path + ": cannot rename"));
  CHECK_FALSE(fs::exists(dir_path + ".tmp." + std::to_string(::getpid())));

  CHECK_THROWS_WITH(tg::save(new_net, tmp.file("no/such/dir/model.safetensors")),
                    Contains("cannot create the temporary file"));

  // A successful save replaces the old file completely.
  tg::save(new_net, path);
  StandIn check = one_param_net();
  {
    tg::NoGradGuard no_grad;
    check.params[0].second.fill_(0.0);
  }
  tg::load(check, path);
  CHECK(check.params[0].second.tolist() == std::vector<float>{7, 7});
}

// ---- optimizers -----------------------------------------------------------------------------------

namespace {
/// A stand-in with tg::optim::Optimizer<double>'s checkpoint interface (name, lr, set_lr, state,
/// load_state): heavy-ball momentum v = 0.9 v + g, p -= lr v on one parameter.
struct Momentum {
  using State = std::vector<std::pair<std::string, tg::Tensor<double>>>;
  tg::Tensor<double> param;
  tg::Tensor<double> velocity;
  std::int64_t steps = 0;
  double lr_ = 0.1;

  explicit Momentum(tg::Tensor<double> p) : param(std::move(p)) {}
  const char* name() const { return "Momentum"; }
  double lr() const { return lr_; }
  void set_lr(double lr) { lr_ = lr; }
  void step(const tg::Tensor<double>& grad) {
    if (steps++ == 0) velocity = tg::zeros<double>(param.sizes());
    double* v = velocity.data();
    double* p = param.data();
    for (std::int64_t i = 0; i < param.numel(); ++i) {
      v[i] = 0.9 * v[i] + grad.data()[i];
      p[i] -= lr_ * v[i];
    }
  }
  State state() const {
    if (steps == 0) return {};
    return {{"0.step", tg::scalar_tensor<double>(static_cast<double>(steps))}, {"0.momentum_buffer", velocity.clone()}};
  }
  void load_state(const State& s) {
    TG_CHECK(s.size() == 2 && s[0].first == "0.step" && s[1].first == "0.momentum_buffer",
             "Momentum: load_state: unexpected entries");
    TG_CHECK(s[1].second.sizes() == param.sizes(), "Momentum: load_state: entry '0.momentum_buffer' has shape ",
             s[1].second.sizes(), " but parameter 0 has shape ", param.sizes());
    steps = static_cast<std::int64_t>(s[0].second.item());
    velocity = s[1].second.clone();
  }
};
}  // namespace

TEST_CASE("save_optimizer / load_optimizer resume a run bitwise identically", "[io][checkpoint]") {
  TempDir tmp;
  const std::string path = tmp.file("optim.safetensors");
  auto grad_at = [](int k) { return tg::tensor<double>({std::sin(k * 0.7), std::cos(k * 1.3), 1.0 / (k + 1)}); };
  // The reference switches the learning rate to 1/3 (17 significant digits in decimal) after 5 steps.
  Momentum reference{tg::tensor<double>({1.0, -2.0, 0.5})};
  for (int k = 0; k < 5; ++k) reference.step(grad_at(k));
  reference.set_lr(1.0 / 3.0);
  for (int k = 5; k < 10; ++k) reference.step(grad_at(k));

  Momentum first{tg::tensor<double>({1.0, -2.0, 0.5})};
  for (int k = 0; k < 5; ++k) first.step(grad_at(k));
  first.set_lr(1.0 / 3.0);
  tg::save_optimizer(first, path);
  tg::io::Metadata metadata;
  tg::io::load_tensors(path, &metadata);
  CHECK(metadata == tg::io::Metadata{{"optimizer", "Momentum"}, {"lr", "0.33333333333333331"}});

  Momentum resumed{first.param.clone()};
  tg::load_optimizer(resumed, path);
  CHECK(resumed.lr() == first.lr());
  CHECK(resumed.steps == 5);
  for (int k = 5; k < 10; ++k) resumed.step(grad_at(k));
  CHECK(tensor_bytes(resumed.param) == tensor_bytes(reference.param));
  CHECK(tensor_bytes(resumed.velocity) == tensor_bytes(reference.velocity));
}

TEST_CASE("load_optimizer refuses another algorithm, dtype or shape and leaves the optimizer unchanged",
          "[io][checkpoint]") {
  TempDir tmp;
  const std::string path = tmp.file("optim.safetensors");
  Momentum saved{tg::tensor<double>({1.0, 2.0})};
  saved.step(tg::tensor<double>({1.0, 1.0}));
  tg::save_optimizer(saved, path);

  Momentum other_shape{tg::tensor<double>({1.0, 2.0, 3.0})};
  CHECK_THROWS_WITH(tg::load_optimizer(other_shape, path),
                    path + ": Momentum: load_state: entry '0.momentum_buffer' has shape [2] but parameter 0 has shape [3]");
  CHECK(other_shape.steps == 0);
  CHECK(other_shape.lr() == 0.1);

  tg::io::save_tensors(path, saved.state(), {{"optimizer", "Adam"}, {"lr", "0.1"}});
  Momentum fresh{tg::tensor<double>({1.0, 2.0})};
  CHECK_THROWS_WITH(tg::load_optimizer(fresh, path), path + ": holds the state of a Adam optimizer, not of Momentum");
  tg::io::save_tensors(path, saved.state(), {{"optimizer", "Momentum"}, {"lr", "-1"}});
  CHECK_THROWS_WITH(tg::load_optimizer(fresh, path), path + ": __metadata__ 'lr' is not a valid learning rate: '-1'");
  tg::io::save_tensors(path, saved.state());
  CHECK_THROWS_WITH(tg::load_optimizer(fresh, path),
                    path + ": __metadata__ has no 'optimizer' entry (not written by save_optimizer)");
  tg::io::save_tensors(path, {{"0.step", tg::scalar_tensor<float>(1.f)}}, {{"optimizer", "Momentum"}, {"lr", "0.1"}});
  CHECK_THROWS_WITH(tg::load_optimizer(fresh, path), path + ": tensor '0.step': dtype F32 does not match the optimizer's F64");
  CHECK(fresh.steps == 0);
  CHECK(fresh.lr() == 0.1);
}

// ---- with tg::nn modules and tg::optim optimizers ---------------------------------------------------

namespace {
/// The seeds' SimpleNet shape: fc1 = Linear(2, 3), ReLU, fc2 = Linear(3, 1).
struct SimpleNetImpl : tg::nn::Module {
  tg::nn::Linear fc1{nullptr}, fc2{nullptr};
  SimpleNetImpl() {
    fc1 = register_module("fc1", tg::nn::Linear(2, 3));
    fc2 = register_module("fc2", tg::nn::Linear(3, 1));
  }
  tg::Tensor<float> forward(const tg::Tensor<float>& x) { return fc2(tg::relu(fc1(x))); }
};
TG_MODULE(SimpleNet);
}  // namespace

TEST_CASE("a PyTorch-style file loads into an nn network, which then computes with the loaded weights",
          "[io][checkpoint][nn]") {
  TempDir tmp;
  const std::string path = tmp.file("simple.safetensors");
  // W1 = [[1, 2], [-1, 1], [0.5, -0.5]], b1 = [0, 0.5, -1], W2 = [[1, -2, 3]], b2 = [0.25].
  const std::string header =
      "{\"fc2.weight\":{\"dtype\":\"F32\",\"shape\":[1,3],\"data_offsets\":[0,12]},"
      "\"fc2.bias\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[12,16]},"
      "\"fc1.weight\":{\"dtype\":\"F32\",\"shape\":[3,2],\"data_offsets\":[16,40]},"
      "\"fc1.bias\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[40,52]}}";
  write_file(path, file_bytes(header, raw<float>({1.f, -2.f, 3.f}) + raw<float>({0.25f}) +
                                          raw<float>({1.f, 2.f, -1.f, 1.f, 0.5f, -0.5f}) +
                                          raw<float>({0.f, 0.5f, -1.f})));
  SimpleNet net;
  tg::load(net, path);
  CHECK(net->fc1->weight.as<float>().tolist() == std::vector<float>{1, 2, -1, 1, 0.5f, -0.5f});
  // x = [1, 2]: fc1 gives [5, 1.5, -1.5], relu [5, 1.5, 0], fc2 gives 5 - 3 + 0 + 0.25 = 2.25.
  CHECK(net(tg::tensor<float>({{1.f, 2.f}})).item() == 2.25f);
}

TEST_CASE("Sequential saves under PyTorch's index names and round-trips bitwise", "[io][checkpoint][nn]") {
  TempDir tmp;
  const std::string path = tmp.file("seq.safetensors");
  tg::manual_seed(1);
  tg::nn::Sequential a(tg::nn::Linear(2, 4), tg::nn::ReLU(), tg::nn::Linear(4, 1));
  tg::nn::Sequential b(tg::nn::Linear(2, 4), tg::nn::ReLU(), tg::nn::Linear(4, 1));
  tg::save(a, path);
  std::vector<std::string> names;
  for (const auto& t : tg::io::load_tensors(path)) names.push_back(t.name);
  CHECK(names == std::vector<std::string>{"0.weight", "0.bias", "2.weight", "2.bias"});
  const auto x = tg::tensor<float>({{0.5f, -1.f}, {2.f, 3.f}});
  CHECK(tensor_bytes(a(x)) != tensor_bytes(b(x)));
  tg::load(b, path);
  for (std::size_t i = 0; i < 4; ++i) CHECK(tensor_bytes(a->parameters()[i]) == tensor_bytes(b->parameters()[i]));
  CHECK(tensor_bytes(a(x)) == tensor_bytes(b(x)));

  tg::nn::Sequential wider(tg::nn::Linear(2, 5), tg::nn::ReLU(), tg::nn::Linear(5, 1));
  const auto before = tensor_bytes(wider(x));
  CHECK_THROWS_WITH(tg::load(wider, path), path + ": tensor '0.weight': shape [4, 2] does not match the module's [5, 2]; "
                                                  "tensor '0.bias': shape [4] does not match the module's [5]; "
                                                  "tensor '2.weight': shape [1, 4] does not match the module's [1, 5]");
  CHECK(tensor_bytes(wider(x)) == before);
}

TEST_CASE("Adam checkpointed at step 50 and resumed matches an uninterrupted run bitwise", "[io][checkpoint][optim]") {
  TempDir tmp;
  const std::string model_path = tmp.file("model.safetensors"), optim_path = tmp.file("optim.safetensors");
  const auto x = tg::tensor<float>({{1.f, 2.f}, {-1.f, 0.5f}, {0.f, -2.f}, {3.f, 1.f}});
  const auto y = tg::tensor<float>({{1.f}, {-1.f}, {0.5f}, {2.f}});
  auto train = [&](SimpleNet& net, tg::optim::Adam<float>& opt, int steps) {
    for (int k = 0; k < steps; ++k) {
      opt.zero_grad();
      const auto d = net(x) - y;
      (d * d).mean().backward();
      opt.step();
    }
  };
  tg::manual_seed(7);
  SimpleNet straight;
  tg::optim::Adam<float> straight_opt(straight->parameters(), tg::optim::AdamOptions(0.05));
  train(straight, straight_opt, 100);

  tg::manual_seed(7);
  SimpleNet first;
  tg::optim::Adam<float> first_opt(first->parameters(), tg::optim::AdamOptions(0.05));
  train(first, first_opt, 50);
  tg::save(first, model_path);
  tg::save_optimizer(first_opt, optim_path);

  tg::manual_seed(99);  // a differently initialised network and a fresh optimizer
  SimpleNet resumed;
  tg::optim::Adam<float> resumed_opt(resumed->parameters(), tg::optim::AdamOptions(0.05));
  tg::load(resumed, model_path);
  tg::load_optimizer(resumed_opt, optim_path);
  train(resumed, resumed_opt, 50);
  for (std::size_t i = 0; i < 4; ++i) {
    INFO("parameter " << i);
    CHECK(tensor_bytes(resumed->parameters()[i]) == tensor_bytes(straight->parameters()[i]));
  }
  // The optimizer file holds PyTorch-like per-parameter state names.
  std::vector<std::string> names;
  for (const auto& t : tg::io::load_tensors(optim_path)) names.push_back(t.name);
  CHECK(names.front() == "0.step");
  CHECK(names.size() == 4 * 3);

  tg::optim::SGD<float> sgd(resumed->parameters(), tg::optim::SGDOptions(0.1));
  CHECK_THROWS_WITH(tg::load_optimizer(sgd, optim_path), optim_path + ": holds the state of a Adam optimizer, not of SGD");
}

TEST_CASE("an empty tensor whose other dims overflow 64-bit strides is refused (fuzzer regression)",
          "[io][safetensors][fuzz]") {
  // tests/fuzz/regressions/safetensors/empty-with-huge-dims: numel is 0, but the strides of [0, 2^40, 2^40]
  // would be 2^80; this used to reach contiguous_strides and overflow there (undefined behaviour).
  TempDir tmp;
  const std::string path = tmp.file("huge.safetensors");
  write_file(path, file_bytes("{\"e\":{\"dtype\":\"F32\",\"shape\":[0,1099511627776,1099511627776],"
                              "\"data_offsets\":[0,0]}}",
                              ""));
  CHECK_THROWS_WITH(tg::io::load_tensors(path),
                    path + ": tensor 'e': shape [0, 1099511627776, 1099511627776] overflows 64-bit sizes");
  CHECK_THROWS_WITH(tg::empty<float>({0, std::int64_t{1} << 40, std::int64_t{1} << 40}),
                    "shape [0, 1099511627776, 1099511627776] is too large: its strides overflow 64-bit integers");
}
