#include "util/utf8.h"

#include <cstdint>

namespace hearth::utf8 {

namespace {

// The length of the sequence a lead byte starts and the smallest code point it may encode (overlong check);
// 0 for a byte that cannot start one.
int sequence_length(uint8_t lead, uint32_t& code_point, uint32_t& minimum) {
    if (lead < 0x80) {
        code_point = lead;
        minimum = 0;
        return 1;
    }
    if ((lead & 0xE0) == 0xC0) {
        code_point = lead & 0x1Fu;
        minimum = 0x80;
        return 2;
    }
    if ((lead & 0xF0) == 0xE0) {
        code_point = lead & 0x0Fu;
        minimum = 0x800;
        return 3;
    }
    if ((lead & 0xF8) == 0xF0) {
        code_point = lead & 0x07u;
        minimum = 0x10000;
        return 4;
    }
    return 0;
}

}  // namespace

bool is_valid(std::string_view text) {
    size_t i = 0;
    while (i < text.size()) {
        uint32_t code_point = 0;
        uint32_t minimum = 0;
        const int length = sequence_length(static_cast<uint8_t>(text[i]), code_point, minimum);
        if (length == 0 || i + static_cast<size_t>(length) > text.size()) {
            return false;
        }
        for (int k = 1; k < length; ++k) {
            const auto byte = static_cast<uint8_t>(text[i + static_cast<size_t>(k)]);
            if ((byte & 0xC0) != 0x80) {
                return false;
            }
            code_point = (code_point << 6) | (byte & 0x3Fu);
        }
        if (code_point < minimum || code_point > 0x10FFFF || (code_point >= 0xD800 && code_point <= 0xDFFF)) {
            return false;
        }
        i += static_cast<size_t>(length);
    }
    return true;
}

}  // namespace hearth::utf8
