// The opaque `next` token of keyset-paginated lists (design.md "API contract"): it
// carries the row id of the last item served, so the next page starts after it. Clients
// must treat it as opaque; it is base64url text so that they do (and so that the format
// can change behind a new version prefix), with check digits so that a damaged token is
// refused (400) rather than read as another position. Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace crm {

std::string encode_keyset_token(int64_t last_row_id);
// nullopt for anything encode_keyset_token() did not write.
std::optional<int64_t> decode_keyset_token(std::string_view token);

}  // namespace crm
