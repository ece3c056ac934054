// split_sentences (declared in outetts_text.h): every speech engine streams long input with it, a sentence
// at a time, so that the first audio leaves before the whole text is synthesized.

#include <algorithm>
#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/outetts_text.h"

namespace hearth::engine {

namespace {

bool is_continuation(char c) {
    return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}
bool is_ascii_letter(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

enum class Terminator { NONE, DOT, WESTERN, CJK };

// The sentence mark at `i` and its length in bytes.
std::pair<Terminator, size_t> terminator_at(std::string_view s, size_t i) {
    const std::string_view rest = s.substr(i);
    if (rest.front() == '.') {
        return {Terminator::DOT, 1};
    }
    if (rest.front() == '!' || rest.front() == '?') {
        return {Terminator::WESTERN, 1};
    }
    if (rest.starts_with("\u2026")) {
        return {Terminator::WESTERN, 3};
    }
    for (const std::string_view mark : {"\u3002", "\uFF01", "\uFF1F"}) {
        if (rest.starts_with(mark)) {
            return {Terminator::CJK, mark.size()};
        }
    }
    return {Terminator::NONE, 0};
}

// Closing quotes and brackets that stay with the sentence they end.
size_t closer_at(std::string_view s, size_t i) {
    const std::string_view rest = s.substr(i);
    if (rest.front() == '"' || rest.front() == '\'' || rest.front() == ')' || rest.front() == ']' ||
        rest.front() == '}') {
        return 1;
    }
    for (const std::string_view mark :
         {"\u201D", "\u2019", "\u00BB", "\u300D", "\u300F", "\uFF09", "\u3011", "\u3009", "\u300B"}) {
        if (rest.starts_with(mark)) {
            return mark.size();
        }
    }
    return 0;
}

// Whether the lone "." at `dot` ends an abbreviation ("Mr." "e.g." "J.") rather than a sentence.
bool is_abbreviation(std::string_view s, size_t dot) {
    static constexpr std::array<std::string_view, 18> KNOWN = {"mr",   "mrs", "ms", "dr", "prof", "sr",
                                                               "jr",   "st",  "vs", "mt", "fig",  "approx",
                                                               "dept", "vol", "cf", "eg", "ie",   "al"};
    size_t begin = dot;
    while (begin > 0 && !is_space(s[begin - 1])) {
        --begin;
    }
    while (begin < dot && (s[begin] == '(' || s[begin] == '"' || s[begin] == '\'' || s[begin] == '[')) {
        ++begin;
    }
    const std::string_view token = s.substr(begin, dot - begin);
    // Dotted letters ("e.g", "U.S", "a.m") and initials; "3.14." still ends a sentence.
    const bool letters_and_dots = !token.empty() && std::all_of(token.begin(), token.end(),
                                                                [](char c) { return is_ascii_letter(c) || c == '.'; });
    if (letters_and_dots && (token.size() == 1 || token.find('.') != std::string_view::npos)) {
        return true;
    }
    std::string lower;
    for (const char c : token) {
        lower += ascii_lower(c);
    }
    for (const std::string_view known : KNOWN) {
        if (lower == known) {
            return true;
        }
    }
    return false;
}

bool next_word_is_lowercase(std::string_view s, size_t i) {
    while (i < s.size() && is_space(s[i])) {
        ++i;
    }
    return i < s.size() && s[i] >= 'a' && s[i] <= 'z';
}

// Where the sentence whose mark starts at `i` ends (past its marks and closers), or npos when that mark ends
// none; `next` is where scanning goes on.
size_t sentence_end_at(std::string_view s, size_t i, size_t& next) {
    size_t j = i;
    bool cjk = false;
    int marks = 0;
    Terminator first = Terminator::NONE;
    while (j < s.size()) {
        const auto [kind, len] = terminator_at(s, j);
        if (kind == Terminator::NONE) {
            break;
        }
        first = marks++ == 0 ? kind : first;
        cjk = cjk || kind == Terminator::CJK;
        j += len;
    }
    for (size_t len = 0; j < s.size() && (len = closer_at(s, j)) > 0;) {
        j += len;
    }
    next = j;
    if (cjk) {
        return j;
    }
    if ((j < s.size() && !is_space(s[j])) || next_word_is_lowercase(s, j)) {
        return std::string_view::npos;
    }
    if (marks == 1 && first == Terminator::DOT && is_abbreviation(s, i)) {
        return std::string_view::npos;
    }
    return j;
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_space(s.front())) {
        s.remove_prefix(1);
    }
    while (!s.empty() && is_space(s.back())) {
        s.remove_suffix(1);
    }
    return s;
}

// The sentences of `text`, untrimmed: cut after sentence marks and at blank lines.
std::vector<std::string_view> sentence_spans(std::string_view text) {
    std::vector<std::string_view> spans;
    size_t start = 0;
    size_t i = 0;
    while (i < text.size()) {
        if (is_space(text[i])) {
            size_t j = i;
            int newlines = 0;
            for (; j < text.size() && is_space(text[j]); ++j) {
                newlines += text[j] == '\n' ? 1 : 0;
            }
            if (newlines >= 2) {
                spans.push_back(text.substr(start, i - start));
                start = j;
            }
            i = j;
            continue;
        }
        if (terminator_at(text, i).first == Terminator::NONE) {
            ++i;
            continue;
        }
        size_t next = i;
        if (const size_t end = sentence_end_at(text, i, next); end != std::string_view::npos) {
            spans.push_back(text.substr(start, end - start));
            start = end;
        }
        i = next;
    }
    spans.push_back(text.substr(start));
    return spans;
}

size_t code_points(std::string_view s) {
    size_t n = 0;
    for (const char c : s) {
        n += is_continuation(c) ? 0 : 1;
    }
    return n;
}

bool is_clause_mark_at(std::string_view s, size_t i) {
    if ((s[i] == ',' || s[i] == ';' || s[i] == ':') && i + 1 < s.size() && is_space(s[i + 1])) {
        return true;
    }
    const std::string_view rest = s.substr(i);
    return rest.starts_with("\uFF0C") || rest.starts_with("\u3001") || rest.starts_with("\uFF1B") ||
           rest.starts_with("\uFF1A");
}

// Where to cut a trimmed piece longer than max_chars code points: the whole window when a space follows it,
// else after the last clause mark in its second half, else at its last space, else after any clause mark,
// else after max_chars code points. Always inside the piece, after its first character.
size_t cut_point(std::string_view piece, size_t max_chars) {
    size_t last_space = 0;
    size_t last_clause = 0;
    size_t clause_chars = 0;
    size_t chars = 0;
    size_t i = 0;
    while (chars < max_chars) {
        const bool clause = is_clause_mark_at(piece, i);
        if (i > 0 && is_space(piece[i])) {
            last_space = i;
        }
        ++i;
        while (i < piece.size() && is_continuation(piece[i])) {
            ++i;  // the rest of this character (or of a malformed sequence: never split bytes apart)
        }
        ++chars;
        if (clause) {
            last_clause = i;
            clause_chars = chars;
        }
    }
    if (is_space(piece[i])) {
        return i;
    }
    if (last_clause > 0 && clause_chars * 2 >= max_chars) {
        return last_clause;
    }
    return last_space > 0 ? last_space : last_clause > 0 ? last_clause : i;
}

}  // namespace

std::vector<std::string> split_sentences(std::string_view text, size_t max_chars) {
    std::vector<std::string> pieces;
    for (const std::string_view span : sentence_spans(text)) {
        std::string_view piece = trim(span);
        while (max_chars > 0 && code_points(piece) > max_chars) {
            const size_t cut = cut_point(piece, max_chars);
            pieces.emplace_back(trim(piece.substr(0, cut)));
            piece = trim(piece.substr(cut));
        }
        if (!piece.empty()) {
            pieces.emplace_back(piece);
        }
    }
    return pieces;
}

}  // namespace hearth::engine
