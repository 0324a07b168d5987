#include "core/redact.h"

#include <algorithm>

#include "core/text_codec.h"

namespace crm {
namespace {

constexpr size_t kMinSecretLength = 4;
constexpr std::string_view kMask = "***";
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // …

std::string json_escaped(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '"' || c == '\\' || c == '/') out += '\\';
    out += c;
  }
  return out;
}

// url_encode's output with lower-case hex digits (%2f), as some servers write it.
std::string lower_hex(std::string s) {
  for (size_t i = 0; i + 2 < s.size(); ++i) {
    if (s[i] != '%') continue;
    for (size_t k = i + 1; k <= i + 2; ++k)
      if (s[k] >= 'A' && s[k] <= 'F') s[k] = static_cast<char>(s[k] - 'A' + 'a');
  }
  return s;
}

// Every occurrence of `from` replaced, in one pass (replace_all moves the tail each time).
std::string replaced(std::string_view text, std::string_view from, std::string_view to) {
  std::string out;
  size_t start = 0;
  for (size_t at = text.find(from); at != std::string_view::npos; at = text.find(from, start)) {
    out.append(text, start, at - start);
    out += to;
    start = at + from.size();
  }
  if (start == 0) return std::string(text);
  out.append(text.substr(start));
  return out;
}

}  // namespace

void Redactor::add_form(std::string form) {
  if (form.size() < kMinSecretLength) return;
  if (std::find(forms_.begin(), forms_.end(), form) != forms_.end()) return;
  auto at = std::find_if(forms_.begin(), forms_.end(), [&](const std::string& f) { return f.size() < form.size(); });
  forms_.insert(at, std::move(form));
}

void Redactor::add(std::string_view secret) {
  if (secret.size() < kMinSecretLength) return;
  add_form(std::string(secret));
  std::string encoded = url_encode(secret);
  add_form(lower_hex(encoded));
  std::string form = encoded;
  replace_all(form, "%20", "+");
  add_form(std::move(form));
  add_form(std::move(encoded));
  std::string b64 = base64(secret);
  add_form(b64);
  add_form(base64url(secret));
  while (!b64.empty() && b64.back() == '=') b64.pop_back();
  add_form(std::move(b64));
  add_form(json_escaped(secret));
}

void Redactor::add_basic(std::string_view user, std::string_view password) {
  if (password.empty()) return;
  std::string pair = std::string(user) + ":" + std::string(password);
  add_form(base64(pair));
}

std::string Redactor::redact(std::string_view text) const {
  std::string out(text);
  for (const auto& form : forms_)
    if (out.find(form) != std::string::npos) out = replaced(out, form, kMask);
  return out;
}

bool Redactor::finds_secret(std::string_view text) const {
  return std::any_of(forms_.begin(), forms_.end(),
                     [&](const std::string& f) { return text.find(f) != std::string_view::npos; });
}

std::string Redactor::outside_text(std::string_view text, size_t max) const {
  // The whole text is redacted before the cut: a cut first could leave a secret's head.
  std::string out = redact(text);
  for (char& c : out) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) c = ' ';
  }
  if (out.size() > max) {
    size_t cut = max > kEllipsis.size() ? max - kEllipsis.size() : 0;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;  // not inside a character
    out.resize(cut);
    out += kEllipsis;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

}  // namespace crm
