#pragma once
// Prompts for the serving benchmark: synthetic text of a given length, or prompts read from a JSONL file.

#include <cstdint>
#include <string>
#include <vector>

#include "bench/serve_bench.h"
#include "util/result.h"

namespace hearth::bench {

// About `words` tokens of English-looking text (common words, each one token in the usual BPE vocabularies),
// different for every seed and the same for the same seed, so that two servers get the same prompts and
// prefix caches cannot answer one request from another's prompt.
std::string synthetic_prompt(int words, uint64_t seed);

// One prompt per line: a JSON string, or an object with a "prompt" or "text" string. Blank lines skipped.
// INVALID_ARGUMENT (with the line number) for anything else; NOT_FOUND when the file cannot be read.
Result<std::vector<std::string>> read_prompts_jsonl(const std::string& path);

// (input, output) token lengths to replay: a JSON array of [input, output] pairs or of objects with "input"
// and "output" numbers, or CSV lines "input,output" (a first line that is not numbers is a header).
// INVALID_ARGUMENT (with the entry or line) for anything else or an empty file; NOT_FOUND when unreadable.
Result<std::vector<LengthPair>> read_lengths_file(const std::string& path);

}  // namespace hearth::bench
