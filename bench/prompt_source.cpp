#include "bench/prompt_source.h"

#include <nlohmann/json.hpp>

#include <array>
#include <fstream>
#include <random>
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

}  // namespace hearth::bench
