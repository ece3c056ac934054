#pragma once
// Real, decodable PNG files for the vision tests: 8-bit RGB, stored (uncompressed) deflate blocks, each pixel a
// function of its place and a seed, so that every (size, seed) is a different image.

#include <algorithm>
#include <cstdint>
#include <string>

namespace hearth::testing {

namespace png_detail {

inline uint32_t crc32(const std::string& bytes, size_t from) {
    uint32_t crc = 0xFFFFFFFFu;
    for (size_t i = from; i < bytes.size(); ++i) {
        crc ^= static_cast<uint8_t>(bytes[i]);
        for (int k = 0; k < 8; ++k) {
            crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
        }
    }
    return ~crc;
}

inline void put_be32(std::string& out, uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        out.push_back(static_cast<char>((v >> shift) & 0xFF));
    }
}

inline void chunk(std::string& out, const char* type, const std::string& data) {
    put_be32(out, static_cast<uint32_t>(data.size()));
    const size_t start = out.size();
    out += type;
    out += data;
    put_be32(out, crc32(out, start));
}

// zlib stream of stored blocks (at most 65535 bytes each) with its Adler-32.
inline std::string zlib_stored(const std::string& raw) {
    std::string out("\x78\x01", 2);
    size_t at = 0;
    do {
        const size_t n = std::min<size_t>(65535, raw.size() - at);
        out.push_back(at + n == raw.size() ? '\x01' : '\x00');
        out.push_back(static_cast<char>(n & 0xFF));
        out.push_back(static_cast<char>(n >> 8));
        out.push_back(static_cast<char>(~n & 0xFF));
        out.push_back(static_cast<char>((~n >> 8) & 0xFF));
        out.append(raw, at, n);
        at += n;
    } while (at < raw.size());
    uint32_t a = 1;
    uint32_t b = 0;
    for (const char c : raw) {
        a = (a + static_cast<uint8_t>(c)) % 65521;
        b = (b + a) % 65521;
    }
    put_be32(out, (b << 16) | a);
    return out;
}

}  // namespace png_detail

inline std::string make_png(uint32_t width, uint32_t height, uint32_t seed) {
    std::string raw;
    for (uint32_t y = 0; y < height; ++y) {
        raw.push_back('\0');  // filter: none
        for (uint32_t x = 0; x < width; ++x) {
            raw.push_back(static_cast<char>((x * 7 + seed * 31) & 0xFF));
            raw.push_back(static_cast<char>((y * 5 + seed * 17) & 0xFF));
            raw.push_back(static_cast<char>(((x ^ y) * 3 + seed * 53) & 0xFF));
        }
    }
    std::string out("\x89PNG\r\n\x1a\n", 8);
    std::string header;
    png_detail::put_be32(header, width);
    png_detail::put_be32(header, height);
    header += std::string("\x08\x02\x00\x00\x00", 5);  // 8-bit RGB, deflate, no interlace
    png_detail::chunk(out, "IHDR", header);
    png_detail::chunk(out, "IDAT", png_detail::zlib_stored(raw));
    png_detail::chunk(out, "IEND", "");
    return out;
}

}  // namespace hearth::testing
