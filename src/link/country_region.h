// region_of_country(): the libphonenumber region (ISO 3166 alpha-2, "DE") of a country
// as CRMs hold it: an ISO alpha-2 or alpha-3 code, the English name, or a common local
// one ("de", "DEU", "Germany", "Deutschland", "Federal Republic of Germany"), compared
// folded (core/text_fold.h). Linking reads a record's national phone number with it.
// Thread-safe (the table is built once, on first use).
#pragma once

#include <string_view>

namespace crm {

// "" when the text names no country the table knows.
std::string_view region_of_country(std::string_view country);

}  // namespace crm
