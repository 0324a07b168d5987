// A real gzip bomb for the fake CRM's `gzip_bomb` fault: a valid gzip member (RFC 1952,
// correct CRC-32 and size) of `inflated` bytes of JSON white space, about a thousand
// times smaller than that. Built in milliseconds without deflating the whole input:
// each MiB is compressed after a full flush, so every MiB after the first compresses to
// the same bytes, which are repeated. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>

namespace crm::fake {

std::string gzip_bomb(uint64_t inflated_mib);

}  // namespace crm::fake
