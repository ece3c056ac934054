// Behaviour follows llama.cpp's former OuteTTS example (tools/tts), which followed OuteTTS's own Python
// package; where that one mangled input ("1,000" -> one zero, "abc1" -> abcone, accents dropped), this one
// spells what a reader would say. Speaker files are read with llama.cpp common's common_json (<json.h>), a pimpl
// over nlohmann/json: no JSON library type reaches the engine's interfaces.

#include "engine/outetts_text.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <json.h>
#include <utility>

namespace hearth::engine {

namespace {

// ---- UTF-8 ----

bool is_continuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// The code point at `i`, and `i` moved past it. A malformed sequence yields U+FFFD for its first byte, so that
// bad input is dropped a byte at a time rather than misread.
char32_t next_code_point(std::string_view s, size_t& i) {
    const auto lead = static_cast<unsigned char>(s[i]);
    const int len = lead < 0x80 ? 1 : (lead >> 5) == 0x6 ? 2 : (lead >> 4) == 0xE ? 3 : (lead >> 3) == 0x1E ? 4 : 0;
    if (len == 0 || i + static_cast<size_t>(len) > s.size()) {
        ++i;
        return U'\uFFFD';
    }
    char32_t cp = len == 1 ? lead : lead & (0x7F >> len);
    for (int k = 1; k < len; ++k) {
        const auto c = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
        if (!is_continuation(c)) {
            ++i;
            return U'\uFFFD';
        }
        cp = (cp << 6) | (c & 0x3F);
    }
    i += static_cast<size_t>(len);
    return cp;
}

// ---- numbers as words ----

constexpr std::array<const char*, 20> ONES = {
    "zero", "one",    "two",    "three",    "four",     "five",    "six",     "seven",     "eight",    "nine",
    "ten",  "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"};
constexpr std::array<const char*, 10> TENS = {"",      "",      "twenty",  "thirty", "forty",
                                              "fifty", "sixty", "seventy", "eighty", "ninety"};

struct Scale {
    uint64_t value;
    const char* name;
};
constexpr std::array<Scale, 5> SCALES = {{{1'000'000'000'000'000ULL, "quadrillion"},
                                          {1'000'000'000'000ULL, "trillion"},
                                          {1'000'000'000ULL, "billion"},
                                          {1'000'000ULL, "million"},
                                          {1'000ULL, "thousand"}}};
// Up to 18 digits fit the scales above; longer runs (serial numbers, not quantities) are read digit by digit.
constexpr size_t MAX_SPELLED_DIGITS = 18;

void below_thousand(uint64_t n, std::vector<std::string>& out) {
    if (n >= 100) {
        out.emplace_back(ONES[n / 100]);
        out.emplace_back("hundred");
        n %= 100;
    }
    if (n >= 20) {
        out.emplace_back(TENS[n / 10]);
        if (n % 10 != 0) {
            out.emplace_back(ONES[n % 10]);
        }
    } else if (n > 0) {
        out.emplace_back(ONES[n]);
    }
}

void integer_words(std::string_view digits, std::vector<std::string>& out) {
    while (digits.size() > 1 && digits.front() == '0') {
        digits.remove_prefix(1);
    }
    if (digits.size() > MAX_SPELLED_DIGITS) {
        for (const char d : digits) {
            out.emplace_back(ONES[static_cast<size_t>(d - '0')]);
        }
        return;
    }
    uint64_t n = 0;
    for (const char d : digits) {
        n = n * 10 + static_cast<uint64_t>(d - '0');
    }
    if (n == 0) {
        out.emplace_back(ONES[0]);
        return;
    }
    for (const Scale& scale : SCALES) {
        if (n >= scale.value) {
            below_thousand(n / scale.value, out);
            out.emplace_back(scale.name);
            n %= scale.value;
        }
    }
    below_thousand(n, out);
}

// "twenty one" -> "twenty first": only the last word changes.
void make_ordinal(std::string& word) {
    static constexpr std::array<std::pair<const char*, const char*>, 6> IRREGULAR = {{{"one", "first"},
                                                                                      {"two", "second"},
                                                                                      {"three", "third"},
                                                                                      {"five", "fifth"},
                                                                                      {"eight", "eighth"},
                                                                                      {"nine", "ninth"}}};
    for (const auto& [cardinal, ordinal] : IRREGULAR) {
        if (word == cardinal) {
            word = ordinal;
            return;
        }
    }
    if (word == "twelve") {
        word = "twelfth";
    } else if (word.back() == 'y') {
        word.replace(word.size() - 1, 1, "ieth");
    } else {
        word += "th";
    }
}

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
bool is_ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

// The number at `i` (a digit) in words; returns the index past it. Digits with "," thousands groups, an
// optional ".digits" fraction, or an ordinal suffix (1st 2nd 3rd 4th).
size_t number_words(std::string_view s, size_t i, std::vector<std::string>& out) {
    std::string digits;
    size_t j = i;
    while (j < s.size() && is_digit(s[j])) {
        digits += s[j++];
    }
    const auto digit_at = [&](size_t k) { return k < s.size() && is_digit(s[k]); };
    const bool grouped = digits.size() <= 3;  // "1,000" and "12,345,678"; "1234,567" is two numbers
    while (grouped && j < s.size() && s[j] == ',' && digit_at(j + 1) && digit_at(j + 2) && digit_at(j + 3) &&
           !digit_at(j + 4)) {
        digits.append(s.substr(j + 1, 3));
        j += 4;
    }
    integer_words(digits, out);
    if (j + 1 < s.size() && s[j] == '.' && is_digit(s[j + 1])) {
        out.emplace_back("point");
        for (++j; j < s.size() && is_digit(s[j]); ++j) {
            out.emplace_back(ONES[static_cast<size_t>(s[j] - '0')]);
        }
        return j;
    }
    if (j + 1 < s.size()) {
        const std::string suffix{ascii_lower(s[j]), ascii_lower(s[j + 1])};
        const bool ends = j + 2 >= s.size() || !is_ascii_letter(s[j + 2]);
        if (ends && (suffix == "st" || suffix == "nd" || suffix == "rd" || suffix == "th")) {
            make_ordinal(out.back());
            return j + 2;
        }
    }
    return j;
}

// ---- letters outside ASCII ----

struct Fold {
    char32_t first;
    char32_t last;
    const char* ascii;
};
// Latin-1 Supplement and Latin Extended-A letters, lowercase, without their marks (what anyascii gives).
constexpr std::array<Fold, 47> FOLDS = {{
    {0xC0, 0xC5, "a"},   {0xC6, 0xC6, "ae"},  {0xC7, 0xC7, "c"},   {0xC8, 0xCB, "e"},    {0xCC, 0xCF, "i"},
    {0xD0, 0xD0, "d"},   {0xD1, 0xD1, "n"},   {0xD2, 0xD6, "o"},   {0xD8, 0xD8, "o"},    {0xD9, 0xDC, "u"},
    {0xDD, 0xDD, "y"},   {0xDE, 0xDE, "th"},  {0xDF, 0xDF, "ss"},  {0xE0, 0xE5, "a"},    {0xE6, 0xE6, "ae"},
    {0xE7, 0xE7, "c"},   {0xE8, 0xEB, "e"},   {0xEC, 0xEF, "i"},   {0xF0, 0xF0, "d"},    {0xF1, 0xF1, "n"},
    {0xF2, 0xF6, "o"},   {0xF8, 0xF8, "o"},   {0xF9, 0xFC, "u"},   {0xFD, 0xFD, "y"},    {0xFE, 0xFE, "th"},
    {0xFF, 0xFF, "y"},   {0x100, 0x105, "a"}, {0x106, 0x10D, "c"}, {0x10E, 0x111, "d"},  {0x112, 0x11B, "e"},
    {0x11C, 0x123, "g"}, {0x124, 0x127, "h"}, {0x128, 0x131, "i"}, {0x132, 0x133, "ij"}, {0x134, 0x135, "j"},
    {0x136, 0x138, "k"}, {0x139, 0x142, "l"}, {0x143, 0x14B, "n"}, {0x14C, 0x151, "o"},  {0x152, 0x153, "oe"},
    {0x154, 0x159, "r"}, {0x15A, 0x161, "s"}, {0x162, 0x167, "t"}, {0x168, 0x173, "u"},  {0x174, 0x175, "w"},
    {0x176, 0x178, "y"}, {0x179, 0x17E, "z"},
}};

const char* fold_letter(char32_t cp) {
    for (const Fold& f : FOLDS) {
        if (cp >= f.first && cp <= f.last) {
            return f.ascii;
        }
    }
    return cp == 0x17F ? "s" : nullptr;
}

// Unicode spaces, dashes and the ellipsis part words like an ASCII space or "-" does.
bool is_unicode_separator(char32_t cp) {
    return cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || (cp >= 0x2010 && cp <= 0x2015) ||
           cp == 0x2026 || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x2212 || cp == 0x3000;
}

bool is_ascii_separator(char c) {
    switch (c) {
        case ' ':
        case '\t':
        case '\n':
        case '\r':
        case '\f':
        case '\v':
        case '-':
        case '_':
        case '/':
        case ',':
        case '.':
        case '\\': return true;
        default: return false;
    }
}

// ---- prompt ----

std::string format_duration(double seconds) {
    std::array<char, 32> buf{};
    std::snprintf(buf.data(), buf.size(), "%.2f", seconds);
    return buf.data();
}

void append_speaker_audio(const core::SpeakerWord& w, OuteTtsVersion version, std::string& out) {
    const bool v3 = version == OuteTtsVersion::V0_3;
    out += w.word;
    out += "<|t_" + format_duration(w.duration) + "|>";
    out += v3 ? "" : "<|code_start|>";
    for (const int32_t code : w.codes) {
        out += "<|" + std::to_string(code) + "|>";
    }
    out += v3 ? "<|space|>" : "<|code_end|>";
    out += '\n';
}

// ---- speaker profiles ----

constexpr int64_t MAX_CODE = 4095;  // WavTokenizer's codebook has 4096 entries

Error bad_profile(const std::string& name, const std::string& what) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "speaker profile '" + name + "': " + what);
}

bool is_plain_word(const std::string& word) {
    if (word.empty() || word.find("<|") != std::string::npos || word.find("|>") != std::string::npos) {
        return false;
    }
    for (const char c : word) {
        if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) {
            return false;
        }
    }
    return true;
}

Result<std::vector<int32_t>> parse_codes(const common_json& codes, const std::string& where, const std::string& name) {
    if (!codes.is_array() || codes.empty()) {
        return bad_profile(name, where + ".codes must be a non-empty array of integers");
    }
    std::vector<int32_t> out;
    out.reserve(codes.size());
    for (size_t k = 0; k < codes.size(); ++k) {
        const common_json& code = codes.at(k);
        const std::string at = where + ".codes[" + std::to_string(k) + "]";
        if (!code.is_number_integer()) {
            return bad_profile(name, at + " is not an integer");
        }
        const double value = code.get<double>();  // exact for the range that matters, and safe for any size
        if (value < 0 || value > static_cast<double>(MAX_CODE)) {
            return bad_profile(name, at + " is outside 0.." + std::to_string(MAX_CODE));
        }
        out.push_back(static_cast<int32_t>(code.get<long long>()));
    }
    return out;
}

Result<core::SpeakerWord> parse_word(const common_json& item, size_t index, const std::string& name) {
    const std::string where = "words[" + std::to_string(index) + "]";
    if (!item.is_object()) {
        return bad_profile(name, where + " is not an object");
    }
    core::SpeakerWord word;
    if (item.contains("word") && item.at("word").is_string()) {
        word.word = item.at("word").get<std::string>();
    }
    if (!is_plain_word(word.word)) {
        return bad_profile(name, where + ".word must be one word (no spaces or special tokens)");
    }
    if (!item.contains("duration") || !item.at("duration").is_number()) {
        return bad_profile(name, where + ".duration must be a number of seconds");
    }
    word.duration = item.at("duration").get<double>();
    if (!std::isfinite(word.duration) || word.duration < 0) {
        return bad_profile(name, where + (word.duration < 0 ? ".duration is negative" : ".duration is not finite"));
    }
    if (!item.contains("codes")) {
        return bad_profile(name, where + " has no codes");
    }
    Result<std::vector<int32_t>> codes = parse_codes(item.at("codes"), where, name);
    if (!codes) {
        return codes.error();
    }
    word.codes = std::move(*codes);
    return word;
}

Result<core::SpeakerProfile> parse_profile_json(const common_json& root, std::string name) {
    if (!root.is_object()) {
        return bad_profile(name, "not a JSON object");
    }
    core::SpeakerProfile profile;
    if (root.contains("text")) {
        if (!root.at("text").is_string()) {
            return bad_profile(name, "text is not a string");
        }
        profile.text = root.at("text").get<std::string>();
    }
    if (!root.contains("words") || !root.at("words").is_array() || root.at("words").empty()) {
        return bad_profile(name, "words must be a non-empty array");
    }
    const common_json& words = root.at("words");
    for (size_t i = 0; i < words.size(); ++i) {
        Result<core::SpeakerWord> word = parse_word(words.at(i), i, name);
        if (!word) {
            return word.error();
        }
        profile.words.push_back(std::move(*word));
    }
    profile.name = std::move(name);
    return profile;
}

}  // namespace

std::vector<std::string> outetts_words(std::string_view text) {
    std::vector<std::string> words;
    std::string current;
    const auto flush = [&] {
        if (!current.empty()) {
            words.push_back(std::move(current));
            current.clear();
        }
    };
    size_t i = 0;
    while (i < text.size()) {
        const char c = text[i];
        if (is_digit(c)) {
            flush();
            i = number_words(text, i, words);
            continue;
        }
        const char32_t cp = next_code_point(text, i);
        if (cp < 0x80) {
            if (is_ascii_letter(c)) {
                current += ascii_lower(c);
            } else if (is_ascii_separator(c)) {
                flush();
            } else if (c == '%' || c == '&') {
                flush();
                words.emplace_back(c == '%' ? "percent" : "and");
            }
        } else if (const char* folded = fold_letter(cp); folded != nullptr) {
            current += folded;
        } else if (is_unicode_separator(cp)) {
            flush();
        }
    }
    flush();
    return words;
}

std::string outetts_prompt(const std::vector<std::string>& words, const core::SpeakerProfile& speaker,
                           OuteTtsVersion version) {
    const std::string separator = version == OuteTtsVersion::V0_3 ? "<|space|>" : "<|text_sep|>";
    std::string prompt = "<|im_start|>\n<|text_start|>";
    for (const core::SpeakerWord& w : speaker.words) {
        prompt += w.word + separator;
    }
    for (size_t i = 0; i < words.size(); ++i) {
        prompt += (i == 0 ? "" : separator) + words[i];
    }
    prompt += "<|text_end|>\n<|audio_start|>\n";
    for (const core::SpeakerWord& w : speaker.words) {
        append_speaker_audio(w, version, prompt);
    }
    return prompt;
}

Result<core::SpeakerProfile> parse_speaker_profile(std::string_view json, std::string name) {
    try {
        const common_json root = common_json::parse_no_throw(std::string(json));
        if (root.is_discarded()) {
            return bad_profile(name, "not valid JSON");
        }
        return parse_profile_json(root, std::move(name));
    } catch (const std::exception& e) {
        // common_json throws on type mismatches the checks above should already rule out.
        return bad_profile(name, e.what());
    }
}

}  // namespace hearth::engine
