// flite_text(): what flite's English front end can read, made from any UTF-8 (see flite_voice.h). Compiled
// in every build: it needs nothing of flite.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/flite_voice.h"

namespace hearth::engine {

namespace {

constexpr char32_t INVALID = 0xFFFFFFFF;

// Decodes the code point at s[i] and advances i; malformed UTF-8 (a stray byte, an overlong form, a
// surrogate, a truncated sequence) gives INVALID and advances past the bad byte and the continuation bytes
// after it, so that one malformed sequence becomes one space.
char32_t next_code_point(std::string_view s, size_t& i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    int extra = 0;
    char32_t cp = 0;
    if (lead < 0x80) {
        ++i;
        return lead;
    }
    if ((lead & 0xE0) == 0xC0) {
        extra = 1;
        cp = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
        extra = 2;
        cp = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
        extra = 3;
        cp = lead & 0x07;
    } else {
        ++i;
        return INVALID;
    }
    if (i + static_cast<size_t>(extra) >= s.size()) {
        ++i;
        return INVALID;
    }
    for (int k = 1; k <= extra; ++k) {
        const auto byte = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
        if ((byte & 0xC0) != 0x80) {
            ++i;
            return INVALID;
        }
        cp = (cp << 6) | (byte & 0x3F);
    }
    constexpr std::array<char32_t, 4> MIN_FOR_LENGTH{0, 0x80, 0x800, 0x10000};
    if (cp < MIN_FOR_LENGTH[static_cast<size_t>(extra)] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        ++i;
        return INVALID;
    }
    i += static_cast<size_t>(extra) + 1;
    return cp;
}

// U+00C0..U+00FF and U+0100..U+017F: the base letter of each accented Latin letter; '?' marks the few
// that spell as two letters (latin_pair).
constexpr std::string_view LATIN1_LETTERS = "AAAAAA?CEEEEIIIIDNOOOOOxOUUUUY??aaaaaa?ceeeeiiiidnooooo/ouuuuy?y";
constexpr std::string_view LATIN_EXT_A =
    "AaAaAaCcCcCcCcDdDdEeEeEeEeEeGgGgGgGgHhHhIiIiIiIiIi??JjKkkLlLlLlLlLlNnNnNnnNnOoOoOo??"
    "RrRrRrSsSsSsSsTtTtTtUuUuUuUuUuUuWwYyYZzZzZzs";
static_assert(LATIN1_LETTERS.size() == 0x40 && LATIN_EXT_A.size() == 0x80);

std::string_view latin_pair(char32_t cp) {
    switch (cp) {
        case 0xC6: return "AE";
        case 0xDE: return "TH";
        case 0xDF: return "ss";
        case 0xE6: return "ae";
        case 0xFE: return "th";
        case 0x132: return "IJ";
        case 0x133: return "ij";
        case 0x152: return "OE";
        case 0x153: return "oe";
        default: return " ";
    }
}

// Typographic quotes, dashes and the ellipsis as their ASCII look-alikes, invisible characters (zero-width
// spaces and joiners, the soft hyphen, the byte-order mark) as nothing; nullptr for anything else.
const char* punctuation(char32_t cp) {
    switch (cp) {
        case 0x2018:
        case 0x2019:
        case 0x201A:
        case 0x201B:
        case 0x2032: return "'";
        case 0x201C:
        case 0x201D:
        case 0x201E:
        case 0x201F:
        case 0x2033:
        case 0xAB:
        case 0xBB: return "\"";
        case 0x2010:
        case 0x2011:
        case 0x2012:
        case 0x2013:
        case 0x2014:
        case 0x2015:
        case 0x2212: return "-";
        case 0x2026: return "...";
        case 0x200B:
        case 0x200C:
        case 0x200D:
        case 0x2060:
        case 0xFEFF:
        case 0xAD: return "";
        default: return nullptr;
    }
}

void append_ascii(char32_t cp, std::string& out) {
    if (cp < 0x80) {
        const bool control = cp < 0x20 || cp == 0x7F;
        const bool whitespace = cp == '\t' || cp == '\n' || cp == '\r';
        out += control && !whitespace ? ' ' : static_cast<char>(cp);
    } else if (cp >= 0xC0 && cp <= 0x17F) {
        const char letter = cp < 0x100 ? LATIN1_LETTERS[cp - 0xC0] : LATIN_EXT_A[cp - 0x100];
        out += letter == '?' ? latin_pair(cp) : std::string_view(&letter, 1);
    } else if (const char* ascii = punctuation(cp); ascii != nullptr) {
        out += ascii;
    } else {
        out += ' ';  // everything else, spaces of every width included: flite's front end skips it anyway
    }
}

}  // namespace

std::string flite_text(std::string_view input) {
    std::string out;
    out.reserve(input.size());
    for (size_t i = 0; i < input.size();) {
        const char32_t cp = next_code_point(input, i);
        if (cp == INVALID) {
            while (i < input.size() && (static_cast<unsigned char>(input[i]) & 0xC0) == 0x80) {
                ++i;
            }
            out += ' ';
        } else {
            append_ascii(cp, out);
        }
    }
    return out;
}

}  // namespace hearth::engine
