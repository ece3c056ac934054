#pragma once
// Text → token ids with a llama.cpp vocabulary, shared by the text and embedding engines. Thread-safe: the
// vocabulary is read-only once loaded.

#include <llama.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

// add_special: BOS/EOS (or CLS/SEP) as the vocabulary's config asks; parse_special: control-token text
// ("<|im_start|>", "[SEP]") becomes those tokens instead of text. Errors: INVALID_ARGUMENT, INTERNAL.
Result<std::vector<int32_t>> tokenize_text(const llama_vocab* vocab, std::string_view text, bool add_special,
                                           bool parse_special);

}  // namespace hearth::engine
