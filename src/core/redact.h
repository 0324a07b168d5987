// Redactor: the one way text from outside (a CRM's error body, a token endpoint's answer,
// a next-page token) becomes part of an error, a log line, runs.error or /v1/sources.
// It replaces every secret it was given by "***" — the secret as is, percent-encoded
// (upper and lower hex, '+' for a space), in base64 (padded, unpadded, base64url),
// JSON-escaped, and the HTTP Basic base64("user:password") — and, in outside_text(),
// replaces control characters and cuts the result to a bounded length. Redacting comes
// before cutting, so a cut never leaves the head of a secret behind.
//
// Built by the HttpClient of a source from its credentials (and the tokens it obtains).
// Only error paths call it; nothing per record. Value type: immutable once built, so
// safe to share between threads for reading.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace crm {

// Default bound for outside text inside one message.
inline constexpr size_t kMaxOutsideText = 300;

class Redactor {
 public:
  // Adds a secret in all its forms. Secrets shorter than 4 bytes are ignored: replacing
  // every "ab" would garble messages, and such a credential protects nothing anyway.
  void add(std::string_view secret);
  // Adds the HTTP Basic form of a user and password: base64("user:password").
  void add_basic(std::string_view user, std::string_view password);

  // `text` with every form of every secret replaced by "***".
  std::string redact(std::string_view text) const;
  // True when `text` holds a form of a secret.
  bool finds_secret(std::string_view text) const;
  // Redacted, control characters replaced by spaces, trailing spaces dropped, cut to at
  // most `max` bytes on a UTF-8 boundary ("…" marks a cut).
  std::string outside_text(std::string_view text, size_t max = kMaxOutsideText) const;

 private:
  void add_form(std::string form);
  std::vector<std::string> forms_;  // longest first, so that a longer form goes whole
};

}  // namespace crm
