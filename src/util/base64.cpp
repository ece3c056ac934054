#include "util/base64.h"

#include <array>
#include <cstdint>

namespace hearth {

namespace {

constexpr std::string_view ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t NOT_BASE64 = 0xFF;
constexpr uint8_t WHITESPACE = 0xFE;
constexpr uint8_t PADDING = 0xFD;

constexpr std::array<uint8_t, 256> make_table() {
    std::array<uint8_t, 256> table{};
    for (uint8_t& entry : table) {
        entry = NOT_BASE64;
    }
    for (size_t i = 0; i < ALPHABET.size(); ++i) {
        table[static_cast<uint8_t>(ALPHABET[i])] = static_cast<uint8_t>(i);
    }
    for (const char c : {' ', '\t', '\n', '\r', '\f'}) {  // WHATWG's ASCII whitespace
        table[static_cast<uint8_t>(c)] = WHITESPACE;
    }
    table['='] = PADDING;
    return table;
}

constexpr std::array<uint8_t, 256> TABLE = make_table();

}  // namespace

std::optional<std::string> base64_decode(std::string_view text) {
    std::string out;
    out.reserve(text.size() / 4 * 3 + 3);
    uint32_t bits = 0;
    size_t sextets = 0;  // alphabet characters seen
    size_t padding = 0;
    for (const char c : text) {
        const uint8_t value = TABLE[static_cast<uint8_t>(c)];
        if (value == WHITESPACE) {
            continue;
        }
        if (value == NOT_BASE64 || (value != PADDING && padding > 0)) {
            return std::nullopt;  // a stranger, or data after the padding
        }
        if (value == PADDING) {
            ++padding;
            continue;
        }
        bits = (bits << 6) | value;
        if (++sextets % 4 == 0) {
            out.push_back(static_cast<char>((bits >> 16) & 0xFF));
            out.push_back(static_cast<char>((bits >> 8) & 0xFF));
            out.push_back(static_cast<char>(bits & 0xFF));
            bits = 0;
        }
    }
    const size_t tail = sextets % 4;
    // A lone sextet holds less than a byte; padding must complete the last quantum exactly.
    if (tail == 1 || padding > 2 || (padding > 0 && tail + padding != 4)) {
        return std::nullopt;
    }
    if (tail == 2) {
        out.push_back(static_cast<char>((bits >> 4) & 0xFF));
    } else if (tail == 3) {
        out.push_back(static_cast<char>((bits >> 10) & 0xFF));
        out.push_back(static_cast<char>((bits >> 2) & 0xFF));
    }
    return out;
}

std::string base64_encode(std::string_view bytes) {
    std::string out;
    out.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 3 <= bytes.size(); i += 3) {
        const uint32_t v = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                           static_cast<uint8_t>(bytes[i + 2]);
        for (const int shift : {18, 12, 6, 0}) {
            out.push_back(ALPHABET[(v >> shift) & 0x3F]);
        }
    }
    const size_t rest = bytes.size() - i;
    if (rest > 0) {
        uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
        if (rest == 2) {
            v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
        }
        out.push_back(ALPHABET[(v >> 18) & 0x3F]);
        out.push_back(ALPHABET[(v >> 12) & 0x3F]);
        out.push_back(rest == 2 ? ALPHABET[(v >> 6) & 0x3F] : '=');
        out.push_back('=');
    }
    return out;
}

}  // namespace hearth
