#include "fake/gzip_bomb.h"

#include <zlib.h>

#include <stdexcept>

namespace crm::fake {
namespace {

constexpr size_t kChunk = size_t{1} << 20;

// Deflates `in` with `flush` and returns what came out.
std::string deflate_step(z_stream& z, const std::string& in, int flush) {
  std::string out;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buf[1 << 16];
  do {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    if (deflate(&z, flush) == Z_STREAM_ERROR) throw std::runtime_error("deflate failed");
    out.append(buf, sizeof buf - z.avail_out);
  } while (z.avail_out == 0);
  return out;
}

}  // namespace

std::string gzip_bomb(uint64_t inflated_mib) {
  const std::string chunk(kChunk, ' ');
  z_stream z{};
  if (deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("deflateInit2");
  std::string out = deflate_step(z, chunk, Z_FULL_FLUSH);  // the gzip header and the first MiB
  if (inflated_mib > 1) {
    const std::string block = deflate_step(z, chunk, Z_FULL_FLUSH);  // any later MiB: the same bytes
    out.reserve(out.size() + block.size() * inflated_mib + 64);
    for (uint64_t i = 1; i < inflated_mib; ++i) out += block;
  }
  std::string tail = deflate_step(z, std::string(), Z_FINISH);  // final empty block and trailer
  deflateEnd(&z);
  // The trailer counted the two MiB the deflater saw: write the true CRC-32 and size.
  uLong crc_chunk = crc32(0L, reinterpret_cast<const Bytef*>(chunk.data()), static_cast<uInt>(kChunk));
  uLong crc = crc_chunk;
  for (uint64_t i = 1; i < inflated_mib; ++i) crc = crc32_combine(crc, crc_chunk, static_cast<z_off_t>(kChunk));
  const uint64_t size = inflated_mib * kChunk;
  tail.resize(tail.size() - 8);
  for (int i = 0; i < 4; ++i) tail += static_cast<char>((crc >> (8 * i)) & 0xff);
  for (int i = 0; i < 4; ++i) tail += static_cast<char>((size >> (8 * i)) & 0xff);
  return out + tail;
}

}  // namespace crm::fake
