#include "bench/prompt_source.h"

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string_view>

namespace hearth::bench {

namespace {

constexpr std::array<std::string_view, 64> WORDS = {
    "the",   "of",    "and",  "to",   "in",    "is",   "was",  "it",    "for",   "on",    "with",   "as",    "at",
    "by",    "from",  "his",  "her",  "they",  "we",   "you",  "this",  "that",  "have",  "had",    "not",   "but",
    "what",  "all",   "were", "when", "there", "can",  "an",   "which", "their", "said",  "if",     "do",    "will",
    "each",  "about", "how",  "up",   "out",   "them", "then", "she",   "many",  "some",  "so",     "these", "would",
    "other", "into",  "has",  "more", "two",   "like", "time", "see",   "way",   "could", "people", "water",
};

Error bad_lengths(const std::string& where) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      where + ": expected [input, output] or {\"input\": N, \"output\": N} with whole numbers >= 1");
}

std::optional<int> whole(const nlohmann::json& value) {
    if (!value.is_number_integer() || value.get<int64_t>() < 1 || value.get<int64_t>() > (1 << 24)) {
        return std::nullopt;
    }
    return value.get<int>();
}

Result<std::vector<LengthPair>> lengths_from_json(const std::string& path, const nlohmann::json& doc) {
    if (!doc.is_array()) {
        return bad_lengths(path);
    }
    std::vector<LengthPair> out;
    for (size_t i = 0; i < doc.size(); ++i) {
        const auto& entry = doc[i];
        const bool pair = entry.is_array() && entry.size() == 2;
        const bool object = entry.is_object() && entry.contains("input") && entry.contains("output");
        const auto input = pair ? whole(entry[0]) : object ? whole(entry["input"]) : std::nullopt;
        const auto output = pair ? whole(entry[1]) : object ? whole(entry["output"]) : std::nullopt;
        if (!input || !output) {
            return bad_lengths(path + " entry " + std::to_string(i));
        }
        out.push_back({*input, *output});
    }
    return out;
}

Result<std::vector<LengthPair>> lengths_from_csv(const std::string& path, std::istream& in) {
    std::vector<LengthPair> out;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        int input = 0;
        int output = 0;
        char comma = 0;
        char extra = 0;
        std::istringstream fields(line);
        const bool parsed = (fields >> input >> comma >> output) && comma == ',' && !(fields >> extra);
        if (!parsed && number == 1 && line.find_first_of("0123456789") == std::string::npos) {
            continue;  // a header
        }
        if (!parsed || input < 1 || output < 1 || input > (1 << 24) || output > (1 << 24)) {
            return bad_lengths(path + ":" + std::to_string(number));
        }
        out.push_back({input, output});
    }
    return out;
}

}  // namespace

std::string synthetic_prompt(int words, uint64_t seed) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + 1);
    std::uniform_int_distribution<size_t> pick(0, WORDS.size() - 1);
    std::string out;
    for (int i = 0; i < words; ++i) {
        if (i > 0) {
            out += ' ';
        }
        out += WORDS[pick(rng)];
    }
    return out;
}

Result<std::vector<std::string>> read_prompts_jsonl(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return make_error(ErrorCode::NOT_FOUND, "cannot read prompts file " + path);
    }
    std::vector<std::string> prompts;
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (line.find_first_not_of(" \t\r") == std::string::npos) {
            continue;
        }
        const auto value = nlohmann::json::parse(line, nullptr, false);
        const nlohmann::json* text = &value;
        if (value.is_object()) {
            text = value.contains("prompt") ? &value["prompt"] : value.contains("text") ? &value["text"] : nullptr;
        }
        if (text == nullptr || !text->is_string() || text->get_ref<const std::string&>().empty()) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              path + ":" + std::to_string(number) +
                                  ": expected a non-empty JSON string or an object with a \"prompt\" string");
        }
        prompts.push_back(text->get<std::string>());
    }
    if (prompts.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, path + " holds no prompts");
    }
    return prompts;
}

Result<std::vector<LengthPair>> read_lengths_file(const std::string& path) {
    std::ifstream in(path);
    if (!in) {
        return make_error(ErrorCode::NOT_FOUND, "cannot read lengths file " + path);
    }
    const std::string text{std::istreambuf_iterator<char>(in), {}};
    const size_t first = text.find_first_not_of(" \t\r\n");
    Result<std::vector<LengthPair>> out = std::vector<LengthPair>{};
    if (first != std::string::npos && text[first] == '[') {
        const auto doc = nlohmann::json::parse(text, nullptr, false);
        out = doc.is_discarded() ? Result<std::vector<LengthPair>>(bad_lengths(path + " (not JSON)"))
                                 : lengths_from_json(path, doc);
    } else {
        std::istringstream lines(text);
        out = lengths_from_csv(path, lines);
    }
    if (out && out->empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, path + " holds no length pairs");
    }
    return out;
}

}  // namespace hearth::bench
