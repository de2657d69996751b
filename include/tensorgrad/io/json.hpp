#pragma once
/// A small strict JSON (RFC 8259) pull reader and string quoting, just enough for safetensors headers.
///
/// A pull reader, not a document tree: the caller walks the schema it expects (object, member, string,
/// array of integers) and rejects anything else on the spot, so memory stays proportional to what the
/// caller keeps, never to the number of values a hostile header packs in. Strict because the input is
/// untrusted: one value and nothing after it but whitespace, bounded nesting depth, valid UTF-8 only, no
/// control characters or lone surrogates in strings, no leading zeros, no NaN/Infinity.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "../core/error.hpp"

namespace tg {
namespace io {
namespace json {

enum class Kind { Null, Bool, Number, String, Array, Object };

inline const char* kind_name(Kind k) {
  switch (k) {
    case Kind::Null: return "null";
    case Kind::Bool: return "a boolean";
    case Kind::Number: return "a number";
    case Kind::String: return "a string";
    case Kind::Array: return "an array";
    case Kind::Object: return "an object";
  }
  return "?";
}

/// A number's literal text as a plain non-negative integer (no sign, fraction or exponent) that fits in 64 bits.
inline bool parse_uint64(std::string_view literal, std::uint64_t* out) {
  if (literal.empty()) return false;
  std::uint64_t v = 0;
  for (char c : literal) {
    if (c < '0' || c > '9') return false;
    const std::uint64_t digit = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - digit) / 10) return false;
    v = v * 10 + digit;
  }
  *out = v;
  return true;
}

/// Reads one JSON document token by token; every method throws tg::Error ("invalid JSON at byte N: ...")
/// on malformed input. Containers: begin_object() then `while (next_member(&key)) { read the value }`;
/// begin_array() then `while (next_item()) { read the item }`; finish() at the end.
/// Example:
///   json::Reader r(R"({"shape": [2, 3]})");
///   r.begin_object();
///   std::string key;
///   while (r.next_member(&key)) { r.begin_array(); while (r.next_item()) dims.push_back(r.read_number()); }
///   r.finish();
class Reader {
 public:
  /// `context` prefixes every error message (e.g. "model.safetensors: header: ").
  explicit Reader(std::string_view text, std::string context = "", int max_depth = 64)
      : s_(text), context_(std::move(context)), max_depth_(max_depth) {}

  /// The kind of the next value (without consuming it).
  Kind peek_kind() {
    skip_ws();
    if (at_end()) fail("unexpected end of input");
    switch (peek()) {
      case '{': return Kind::Object;
      case '[': return Kind::Array;
      case '"': return Kind::String;
      case 't': case 'f': return Kind::Bool;
      case 'n': return Kind::Null;
      default: return Kind::Number;
    }
  }
  void begin_object() { open('{'); }
  /// Reads the next member's key and the ':' after it; false (and the object closed) at '}'.
  bool next_member(std::string* key) {
    if (!next('}')) return false;
    skip_ws();
    if (at_end() || peek() != '"') fail("expected a string as object key");
    *key = string_text();
    skip_ws();
    expect(':');
    return true;
  }
  void begin_array() { open('['); }
  /// True if another item follows; false (and the array closed) at ']'.
  bool next_item() { return next(']'); }
  std::string read_string() {
    skip_ws();
    return string_text();
  }
  /// A number's literal text, checked against the JSON grammar.
  std::string read_number() {
    skip_ws();
    return number_text();
  }
  /// Consumes one value of any kind (checking it as strictly as the rest).
  void skip_value() {
    switch (peek_kind()) {
      case Kind::Object: {
        begin_object();
        std::string key;
        while (next_member(&key)) skip_value();
        break;
      }
      case Kind::Array:
        begin_array();
        while (next_item()) skip_value();
        break;
      case Kind::String: read_string(); break;
      case Kind::Bool: expect_word(peek() == 't' ? "true" : "false"); break;
      case Kind::Null: expect_word("null"); break;
      case Kind::Number: read_number(); break;
    }
  }
  /// Checks that only whitespace follows the document.
  void finish() {
    skip_ws();
    if (pos_ != s_.size()) fail("unexpected trailing characters after the JSON value");
  }
  /// Byte offset of the next unread character.
  std::size_t position() const { return pos_; }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw Error(::tg::detail::str_cat(context_, "invalid JSON at byte ", pos_, ": ", what));
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
  void open(char c) {
    skip_ws();
    expect(c);
    if (static_cast<int>(first_.size()) >= max_depth_)
      fail(::tg::detail::str_cat("nesting deeper than ", max_depth_, " levels"));
    first_.push_back(true);
  }
  /// Between items of the innermost container: consumes the ',' (after the first) or the closing bracket.
  bool next(char close) {
    skip_ws();
    if (at_end()) fail("unexpected end of input");
    if (!at_end() && s_[pos_] == close) {
      ++pos_;
      first_.pop_back();
      return false;
    }
    if (!first_.back()) {
      expect(',');
      skip_ws();
      if (!at_end() && s_[pos_] == close) fail("trailing comma");
    }
    first_.back() = false;
    return true;
  }

  std::string number_text() {
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

  std::string string_text() {
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
  std::string context_;
  int max_depth_;
  std::vector<bool> first_;  // per open container: no item read yet
};

/// Checks that `text` is one well-formed JSON document (throws tg::Error otherwise).
inline void validate(std::string_view text, int max_depth = 64) {
  Reader r(text, "", max_depth);
  r.skip_value();
  r.finish();
}

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
