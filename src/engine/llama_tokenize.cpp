#include "engine/llama_tokenize.h"

#include <exception>
#include <limits>
#include <string>

namespace hearth::engine {

Result<std::vector<int32_t>> tokenize_text(const llama_vocab* vocab, std::string_view text, bool add_special,
                                           bool parse_special) {
    // A token covers at least one byte, plus BOS and EOS.
    if (text.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max()) - 2) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "text too long to tokenize");
    }
    const auto text_len = static_cast<int32_t>(text.size());
    std::vector<int32_t> tokens(text.size() + 2);
    try {
        int32_t n = llama_tokenize(vocab, text.data(), text_len, tokens.data(), static_cast<int32_t>(tokens.size()),
                                   add_special, parse_special);
        if (n < 0 && n != std::numeric_limits<int32_t>::min()) {
            tokens.resize(static_cast<size_t>(-n));
            n = llama_tokenize(vocab, text.data(), text_len, tokens.data(), static_cast<int32_t>(tokens.size()),
                               add_special, parse_special);
        }
        if (n < 0) {
            return make_error(ErrorCode::INTERNAL, "tokenization failed (code " + std::to_string(n) + ")");
        }
        tokens.resize(static_cast<size_t>(n));
    } catch (const std::exception& e) {
        return make_error(ErrorCode::INVALID_ARGUMENT, std::string("cannot tokenize: ") + e.what());
    }
    return tokens;
}

}  // namespace hearth::engine
