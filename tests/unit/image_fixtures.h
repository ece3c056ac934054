#pragma once
// The first bytes of images of each format hearth accepts, built field by field as their specifications lay
// them out, for tests of the header probe and of everything that checks images. Only headers: no test
// decodes pixels.

#include <cstdint>
#include <string>

namespace hearth::testing {

inline void put_be16(std::string& out, uint32_t v) {
    out.push_back(static_cast<char>((v >> 8) & 0xFF));
    out.push_back(static_cast<char>(v & 0xFF));
}
inline void put_be32(std::string& out, uint32_t v) {
    put_be16(out, v >> 16);
    put_be16(out, v & 0xFFFF);
}
inline void put_le16(std::string& out, uint32_t v) {
    out.push_back(static_cast<char>(v & 0xFF));
    out.push_back(static_cast<char>((v >> 8) & 0xFF));
}
inline void put_le24(std::string& out, uint32_t v) {
    put_le16(out, v & 0xFFFF);
    out.push_back(static_cast<char>((v >> 16) & 0xFF));
}
inline void put_le32(std::string& out, uint32_t v) {
    put_le16(out, v & 0xFFFF);
    put_le16(out, v >> 16);
}

// Signature, IHDR (8-bit RGBA), and a few bytes standing for the rest of the file.
inline std::string png_header(uint32_t width, uint32_t height) {
    std::string out("\x89PNG\r\n\x1a\n", 8);
    put_be32(out, 13);
    out += "IHDR";
    put_be32(out, width);
    put_be32(out, height);
    out += std::string("\x08\x06\x00\x00\x00", 5);
    put_be32(out, 0);  // CRC, not checked
    return out;
}

// SOI, an APP0 (JFIF) segment, a DQT segment with fill bytes before its marker, then SOF0 (or `sof`).
inline std::string jpeg_header(uint32_t width, uint32_t height, uint8_t sof = 0xC0) {
    std::string out("\xFF\xD8", 2);
    out += std::string("\xFF\xE0", 2);
    put_be16(out, 16);
    out += std::string("JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00", 14);
    out += std::string("\xFF\xFF\xFF\xDB", 4);  // fill bytes are allowed before a marker
    put_be16(out, 67);
    out += std::string(65, '\x01');
    out.push_back('\xFF');
    out.push_back(static_cast<char>(sof));
    put_be16(out, 17);
    out.push_back(8);  // precision
    put_be16(out, height);
    put_be16(out, width);
    out.push_back(3);
    out += std::string(9, '\x11');
    return out;
}

inline std::string gif_header(uint32_t width, uint32_t height) {
    std::string out = "GIF89a";
    put_le16(out, width);
    put_le16(out, height);
    out += std::string("\xF7\x00\x00", 3);
    return out;
}

// BITMAPINFOHEADER (40 bytes); a negative height is a top-down bitmap.
inline std::string bmp_header(int32_t width, int32_t height) {
    std::string out = "BM";
    put_le32(out, 54 + 4);
    put_le32(out, 0);
    put_le32(out, 54);
    put_le32(out, 40);
    put_le32(out, static_cast<uint32_t>(width));
    put_le32(out, static_cast<uint32_t>(height));
    put_le16(out, 1);
    put_le16(out, 24);
    out += std::string(24, '\0');
    return out;
}

// BITMAPCOREHEADER (OS/2 1.x, 12 bytes): 16-bit dimensions.
inline std::string bmp_core_header(uint32_t width, uint32_t height) {
    std::string out = "BM";
    put_le32(out, 26);
    put_le32(out, 0);
    put_le32(out, 26);
    put_le32(out, 12);
    put_le16(out, width);
    put_le16(out, height);
    put_le16(out, 1);
    put_le16(out, 24);
    return out;
}

inline std::string riff_webp(const std::string& fourcc, const std::string& payload) {
    std::string out = "RIFF";
    put_le32(out, static_cast<uint32_t>(4 + 8 + payload.size()));
    out += "WEBP" + fourcc;
    put_le32(out, static_cast<uint32_t>(payload.size()));
    return out + payload;
}

// Lossy: a key frame's tag, start code, 14-bit width and height (the top 2 bits are scaling).
inline std::string webp_vp8_header(uint32_t width, uint32_t height) {
    std::string payload("\x10\x02\x00\x9d\x01\x2a", 6);
    put_le16(payload, width | 0x4000);  // scaling bits set: the probe must mask them off
    put_le16(payload, height);
    return riff_webp("VP8 ", payload);
}

// Lossless: signature 0x2F, then width-1 and height-1 in 14 bits each.
inline std::string webp_vp8l_header(uint32_t width, uint32_t height) {
    std::string payload("\x2f", 1);
    put_le32(payload, (width - 1) | ((height - 1) << 14));
    return riff_webp("VP8L", payload);
}

// Extended: flags, reserved, then canvas width-1 and height-1 in 24 bits each.
inline std::string webp_vp8x_header(uint32_t width, uint32_t height) {
    std::string payload("\x10\x00\x00\x00", 4);
    put_le24(payload, width - 1);
    put_le24(payload, height - 1);
    return riff_webp("VP8X", payload);
}

}  // namespace hearth::testing
