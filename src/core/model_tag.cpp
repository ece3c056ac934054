#include "core/model_tag.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace hearth::core {

namespace {

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
    return out;
}

bool all_digits(std::string_view text) {
    return !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char c) { return std::isdigit(c); });
}

bool is_word_char(unsigned char c) {
    return std::isalnum(c) != 0 || c == '_';
}

// GGML's type names as file names carry them: Q<bits>_<variant...>, IQ<bits>_<variant...>, TQ<n>_0, F16,
// BF16, F32, MXFP4.
bool is_type_name(const std::string& word) {
    static const char* const FLOATS[] = {"F32", "F16", "BF16", "FP16", "FP32", "MXFP4"};
    if (std::any_of(std::begin(FLOATS), std::end(FLOATS), [&](const char* f) { return word == f; })) {
        return true;
    }
    size_t pos = word.rfind("IQ", 0) == 0 || word.rfind("TQ", 0) == 0 ? 2 : (word.rfind('Q', 0) == 0 ? 1 : 0);
    if (pos == 0 || pos >= word.size() || std::isdigit(static_cast<unsigned char>(word[pos])) == 0) {
        return false;
    }
    while (pos < word.size() && std::isdigit(static_cast<unsigned char>(word[pos])) != 0) {
        ++pos;
    }
    // Q8_0, Q4_K_M, IQ2_XXS: each variant after an underscore is 1 to 3 letters or digits.
    while (pos < word.size()) {
        const size_t next = word.find('_', pos + 1);
        const size_t len = (next == std::string::npos ? word.size() : next) - pos - 1;
        if (word[pos] != '_' || len == 0 || len > 3) {
            return false;
        }
        pos = next == std::string::npos ? word.size() : next;
    }
    return true;
}

std::string_view file_name(std::string_view path) {
    const size_t slash = path.find_last_of('/');
    return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

std::string_view drop_extension(std::string_view name) {
    for (const std::string_view ext : {".gguf", ".bin", ".ggml"}) {
        if (name.size() > ext.size() && name.substr(name.size() - ext.size()) == ext) {
            return name.substr(0, name.size() - ext.size());
        }
    }
    return name;
}

// The stem without "-00001-of-00003".
std::string_view drop_split_suffix(std::string_view stem) {
    constexpr size_t SUFFIX = 15;  // "-00001-of-00003"
    if (stem.size() > SUFFIX && split_part_of(std::string(stem) + ".gguf")) {
        return stem.substr(0, stem.size() - SUFFIX);
    }
    return stem;
}

}  // namespace

std::optional<SplitPart> split_part_of(std::string_view filename) {
    // llama.cpp's naming: "%s-%05d-of-%05d.gguf".
    const std::string_view name = file_name(filename);
    if (name.size() < 20 || name.substr(name.size() - 5) != ".gguf") {
        return std::nullopt;
    }
    const std::string_view stem = name.substr(0, name.size() - 5);
    const std::string_view tail = stem.substr(stem.size() - 15);
    if (tail[0] != '-' || tail.substr(6, 4) != "-of-" || !all_digits(tail.substr(1, 5)) ||
        !all_digits(tail.substr(10, 5))) {
        return std::nullopt;
    }
    SplitPart part{std::stoi(std::string(tail.substr(1, 5))), std::stoi(std::string(tail.substr(10, 5)))};
    if (part.index < 1 || part.count < 1 || part.index > part.count) {
        return std::nullopt;
    }
    return part;
}

std::string model_tag_of(std::string_view filename) {
    const std::string_view name = file_name(filename);
    const std::string_view stem = drop_split_suffix(drop_extension(name));
    if (name.rfind("ggml-", 0) == 0 && name.size() > 9 && name.substr(name.size() - 4) == ".bin") {
        return std::string(stem.substr(5));
    }
    // Words are runs of letters, digits and '_', split at '-' and '.' (Q4_K_M keeps its underscores).
    std::string tag;
    size_t start = 0;
    while (start <= stem.size()) {
        size_t end = start;
        while (end < stem.size() && is_word_char(static_cast<unsigned char>(stem[end]))) {
            ++end;
        }
        if (const std::string word = upper(stem.substr(start, end - start)); is_type_name(word)) {
            tag = word == "FP16" ? "F16" : (word == "FP32" ? "F32" : word);
        }
        start = end + 1;
    }
    return tag;
}

int tag_bits(std::string_view tag) {
    const std::string word = upper(tag);
    if (word == "F32") {
        return 32;
    }
    if (word == "F16" || word == "BF16") {
        return 16;
    }
    if (word == "MXFP4") {
        return 4;
    }
    const size_t pos = word.rfind("IQ", 0) == 0 || word.rfind("TQ", 0) == 0 ? 2 : (word.rfind('Q', 0) == 0 ? 1 : 0);
    if (pos == 0 || pos >= word.size() || std::isdigit(static_cast<unsigned char>(word[pos])) == 0) {
        return 0;
    }
    return word[pos] - '0';
}

}  // namespace hearth::core
