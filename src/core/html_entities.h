// HTML character references in text that a CRM stored HTML-escaped (SuiteCRM and other
// PHP CRMs keep `O&#039;Brien` and `Smith &amp; Co` and return them so through their
// APIs). Decoding is one pass: `&amp;lt;` becomes `&lt;`, never `<`. Pure.
#pragma once

#include <string>
#include <string_view>

namespace crm {

// Replaces numeric references (`&#39;`, `&#x27;`) and the named ones PHP's
// htmlspecialchars and htmlentities write (amp, lt, gt, quot, apos and the Latin-1
// names, `&eacute;`, `&nbsp;`...), each with its `;`. A numeric reference to NUL, a
// surrogate or beyond U+10FFFF becomes U+FFFD; anything else that is not a known
// reference (`AT&T`, `&bogus;`, a missing `;`) stays as written.
std::string decode_html_entities(std::string_view text);

}  // namespace crm
