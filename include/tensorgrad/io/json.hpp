#pragma once
/// A small strict JSON (RFC 8259) reader and string quoting, just enough for safetensors headers.
///
/// Strict because the input is untrusted: one value and nothing after it but whitespace, bounded nesting
/// depth, valid UTF-8 only, no control characters or lone surrogates in strings, no leading zeros, no
/// NaN/Infinity. Numbers keep their literal text; `as_uint64` reads the non-negative integers the
/// safetensors header is made of, refusing any that do not fit.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"

namespace tg {
namespace io {
namespace json {

/// A parsed JSON value. Objects keep their members in file order (duplicates included: the caller decides).
struct Value {
  enum class Type { Null, Bool, Number, String, Array, Object };
  Type type = Type::Null;
  bool boolean = false;
  std::string text;  // String: the decoded string; Number: the literal as written
  std::vector<Value> items;
  std::vector<std::pair<std::string, Value>> members;

  /// The first member named `key`, or nullptr.
  const Value* find(std::string_view key) const {
    for (const auto& m : members)
      if (m.first == key) return &m.second;
    return nullptr;
  }
  /// A number written as a plain non-negative integer (no sign, fraction or exponent) that fits in 64 bits.
  bool as_uint64(std::uint64_t* out) const {
    if (type != Type::Number || text.empty()) return false;
    std::uint64_t v = 0;
    for (char c : text) {
      if (c < '0' || c > '9') return false;
      const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
      if (v > (UINT64_MAX - digit) / 10) return false;
      v = v * 10 + digit;
    }
    *out = v;
    return true;
  }
};

inline const char* type_name(Value::Type t) {
  switch (t) {
    case Value::Type::Null: return "null";
    case Value::Type::Bool: return "a boolean";
    case Value::Type::Number: return "a number";
    case Value::Type::String: return "a string";
    case Value::Type::Array: return "an array";
    case Value::Type::Object: return "an object";
  }
  return "?";
}

namespace detail {

class Parser {
 public:
  Parser(std::string_view text, int max_depth) : s_(text), max_depth_(max_depth) {}

  Value parse_document() {
    skip_ws();
    Value v = parse_value(0);
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected trailing characters after the JSON value");
    return v;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(::tg::detail::str_cat("invalid JSON at byte ", pos_, ": ", what));
  }
  bool at_end() const { return pos_ >= s_.size(); }
  unsigned char peek() const { return static_cast<unsigned char>(s_[pos_]); }
  void skip_ws() {
    while (!at_end() && (peek() == ' ' || peek() == '\t' || peek() == '\n' || peek() == '\r')) ++pos_;
  }
  void expect(char c) {
    if (at_end() || s_[pos_] != c) fail(::tg::detail::str_cat("expected '", c, "'"));
    ++pos_;
  }
  void expect_word(std::string_view word) {
    if (s_.substr(pos_, word.size()) != word) fail(::tg::detail::str_cat("expected '", word, "'"));
    pos_ += word.size();
  }

  Value parse_value(int depth) {
    if (at_end()) fail("unexpected end of input");
    Value v;
    switch (peek()) {
      case '{': parse_object(v, depth + 1); break;
      case '[': parse_array(v, depth + 1); break;
      case '"': v.type = Value::Type::String; v.text = parse_string(); break;
      case 't': expect_word("true"); v.type = Value::Type::Bool; v.boolean = true; break;
      case 'f': expect_word("false"); v.type = Value::Type::Bool; break;
      case 'n': expect_word("null"); break;
      default: v.type = Value::Type::Number; v.text = parse_number(); break;
    }
    return v;
  }

  void check_depth(int depth) const {
    if (depth > max_depth_) fail(::tg::detail::str_cat("nesting deeper than ", max_depth_, " levels"));
  }

  void parse_object(Value& v, int depth) {
    check_depth(depth);
    v.type = Value::Type::Object;
    expect('{');
    skip_ws();
    if (!at_end() && peek() == '}') { ++pos_; return; }
    for (;;) {
      skip_ws();
      if (at_end() || peek() != '"') fail("expected a string as object key");
      std::string key = parse_string();
      skip_ws();
      expect(':');
      skip_ws();
      Value member = parse_value(depth);
      v.members.emplace_back(std::move(key), std::move(member));
      skip_ws();
      if (!at_end() && peek() == ',') { ++pos_; continue; }
      expect('}');
      return;
    }
  }

  void parse_array(Value& v, int depth) {
    check_depth(depth);
    v.type = Value::Type::Array;
    expect('[');
    skip_ws();
    if (!at_end() && peek() == ']') { ++pos_; return; }
    for (;;) {
      skip_ws();
      v.items.push_back(parse_value(depth));
      skip_ws();
      if (!at_end() && peek() == ',') { ++pos_; continue; }
      expect(']');
      return;
    }
  }

  std::string parse_number() {
    const std::size_t start = pos_;
    auto digits = [&] {
      const std::size_t from = pos_;
      while (!at_end() && peek() >= '0' && peek() <= '9') ++pos_;
      return pos_ - from;
    };
    if (!at_end() && peek() == '-') ++pos_;
    if (!at_end() && peek() == '0') ++pos_;  // a leading zero stands alone (RFC 8259: no "01")
    else if (digits() == 0) fail("expected a value");
    if (!at_end() && peek() == '.') {
      ++pos_;
      if (digits() == 0) fail("expected digits after the decimal point");
    }
    if (!at_end() && (peek() == 'e' || peek() == 'E')) {
      ++pos_;
      if (!at_end() && (peek() == '+' || peek() == '-')) ++pos_;
      if (digits() == 0) fail("expected digits in the exponent");
    }
    return std::string(s_.substr(start, pos_ - start));
  }

  unsigned hex4() {
    if (s_.size() - pos_ < 4) fail("truncated \\u escape");
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const unsigned char c = peek();
      unsigned d;
      if (c >= '0' && c <= '9') d = c - '0';
      else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
      else fail("invalid hex digit in \\u escape");
      v = v * 16 + d;
      ++pos_;
    }
    return v;
  }

  static void append_utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  /// Copies one UTF-8 encoded code point, rejecting overlong forms, surrogates and values past U+10FFFF.
  void copy_utf8(std::string& out) {
    const unsigned char lead = peek();
    int extra;
    unsigned cp;
    if (lead >= 0xC2 && lead <= 0xDF) { extra = 1; cp = lead & 0x1F; }
    else if (lead >= 0xE0 && lead <= 0xEF) { extra = 2; cp = lead & 0x0F; }
    else if (lead >= 0xF0 && lead <= 0xF4) { extra = 3; cp = lead & 0x07; }
    else fail("invalid UTF-8 lead byte in string");
    if (s_.size() - pos_ <= static_cast<std::size_t>(extra)) fail("truncated UTF-8 sequence in string");
    for (int i = 1; i <= extra; ++i) {
      const unsigned char c = static_cast<unsigned char>(s_[pos_ + i]);
      if ((c & 0xC0) != 0x80) fail("invalid UTF-8 continuation byte in string");
      cp = (cp << 6) | (c & 0x3F);
    }
    static constexpr unsigned kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      fail("invalid UTF-8 code point in string");
    out.append(s_.substr(pos_, extra + 1));
    pos_ += extra + 1;
  }

  std::string parse_string() {
    expect('"');
    std::string out;
    for (;;) {
      if (at_end()) fail("unterminated string");
      const unsigned char c = peek();
      if (c == '"') { ++pos_; return out; }
      if (c < 0x20) fail("control character in string");
      if (c >= 0x80) { copy_utf8(out); continue; }
      ++pos_;
      if (c != '\\') { out += static_cast<char>(c); continue; }
      if (at_end()) fail("unterminated escape");
      const char e = s_[pos_++];
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp = hex4();
          if (cp >= 0xDC00 && cp <= 0xDFFF) fail("lone low surrogate in \\u escape");
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (s_.substr(pos_, 2) != "\\u") fail("high surrogate without its low surrogate");
            pos_ += 2;
            const unsigned low = hex4();
            if (low < 0xDC00 || low > 0xDFFF) fail("high surrogate without its low surrogate");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
          }
          append_utf8(out, cp);
          break;
        }
        default: fail(::tg::detail::str_cat("invalid escape '\\", e, "'"));
      }
    }
  }

  std::string_view s_;
  std::size_t pos_ = 0;
  int max_depth_;
};

}  // namespace detail

/// Parses one JSON document; throws tg::Error ("invalid JSON at byte N: ...") on any deviation.
/// Example: json::parse(R"({"a": [1, 2]})").find("a")->items.size() == 2
inline Value parse(std::string_view text, int max_depth = 64) { return detail::Parser(text, max_depth).parse_document(); }

/// `s` as a JSON string literal, quotes included (escapes '"', '\\' and control characters).
inline std::string quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20) {
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    } else {
      out += ch;
    }
  }
  return out + '"';
}

}  // namespace json
}  // namespace io
}  // namespace tg
