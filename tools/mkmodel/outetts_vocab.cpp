#include "outetts_vocab.h"

#include <array>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hearth::mkmodel {
namespace {

// Qwen2.5's vocabulary: 151,643 BPE tokens and its added tokens up to <|file_sep|> (151664). The pinned Qwen2
// vocabulary file holds <|endoftext|>, <|im_start|>, <|im_end|> and padding there; OuteTTS's tokens follow.
constexpr uint32_t QWEN25_TOKENS = 151665;
constexpr uint32_t QWEN_IM_END_ID = 151645;

// In the order of OuteTTS's special-token table (without the code and duration patterns). llama.cpp's former
// OuteTTS example pins four of the ids: <|audio_start|> 151667, <|code_start|> 151669 and <|code_end|> 151670
// in its prompt, <|audio_end|> 151668 at the end of its sample output; codes start at 151672.
constexpr std::array<std::string_view, 7> MARKERS{
    "<|text_start|>", "<|text_end|>", "<|audio_start|>", "<|audio_end|>",
    "<|code_start|>", "<|code_end|>", "<|text_sep|>",
};
constexpr std::string_view AUDIO_END = "<|audio_end|>";
// The WavTokenizer codebook has 4096 entries; OuteTTS's tokenizer has 4100 code tokens.
constexpr int AUDIO_CODES = 4100;
// Word durations in hundredths of a second, <|t_0.00|> to <|t_9.99|>.
constexpr int DURATIONS = 1000;
// 0.3 separates words with <|space|> and speaks punctuation as tokens.
constexpr std::array<std::string_view, 5> V03_TOKENS{
    "<|space|>", "<|period|>", "<|comma|>", "<|question_mark|>", "<|exclamation_mark|>",
};
// llama_token_type: what llama.cpp's converter gives every added <|...|> token.
constexpr int32_t TOKEN_TYPE_CONTROL = 3;

std::string duration_token(int hundredths) {
    std::array<char, 32> text{};
    std::snprintf(text.data(), text.size(), "<|t_%d.%02d|>", hundredths / 100, hundredths % 100);
    return text.data();
}

std::vector<std::string> outetts_tokens(OuteTts version) {
    std::vector<std::string> tokens(MARKERS.begin(), MARKERS.end());
    for (int code = 0; code < AUDIO_CODES; ++code) {
        tokens.push_back("<|" + std::to_string(code) + "|>");
    }
    for (int hundredths = 0; hundredths < DURATIONS; ++hundredths) {
        tokens.push_back(duration_token(hundredths));
    }
    if (version == OuteTts::V0_3) {
        tokens.insert(tokens.end(), V03_TOKENS.begin(), V03_TOKENS.end());
    }
    return tokens;
}

// The copied vocabulary's first QWEN25_TOKENS tokens and their types; throws unless it is Qwen's.
void read_qwen_prefix(gguf_context* meta, std::vector<std::string>& texts, std::vector<int32_t>& types) {
    const int64_t tokens_id = gguf_find_key(meta, "tokenizer.ggml.tokens");
    const int64_t types_id = gguf_find_key(meta, "tokenizer.ggml.token_type");
    const bool present = tokens_id >= 0 && types_id >= 0 && gguf_get_arr_type(meta, types_id) == GGUF_TYPE_INT32 &&
                         gguf_get_arr_n(meta, tokens_id) >= QWEN25_TOKENS &&
                         gguf_get_arr_n(meta, types_id) == gguf_get_arr_n(meta, tokens_id);
    if (!present || std::string_view(gguf_get_arr_str(meta, tokens_id, QWEN_IM_END_ID)) != "<|im_end|>") {
        throw UsageError("OuteTTS tokens extend the qwen2 vocabulary (--vocab qwen2)");
    }
    const auto* type_data = static_cast<const int32_t*>(gguf_get_arr_data(meta, types_id));
    for (uint32_t id = 0; id < QWEN25_TOKENS; ++id) {
        texts.emplace_back(gguf_get_arr_str(meta, tokens_id, id));
        types.push_back(type_data[id]);
    }
}

}  // namespace

uint32_t add_outetts_tokens(gguf_context* meta, OuteTts version) {
    std::vector<std::string> texts;
    std::vector<int32_t> types;
    read_qwen_prefix(meta, texts, types);
    uint32_t audio_end = 0;
    for (std::string& token : outetts_tokens(version)) {
        if (token == AUDIO_END) {
            audio_end = static_cast<uint32_t>(texts.size());
        }
        texts.push_back(std::move(token));
        types.push_back(TOKEN_TYPE_CONTROL);
    }
    std::vector<const char*> pointers;
    pointers.reserve(texts.size());
    for (const std::string& text : texts) {
        pointers.push_back(text.c_str());
    }
    gguf_set_arr_str(meta, "tokenizer.ggml.tokens", pointers.data(), pointers.size());
    gguf_set_arr_data(meta, "tokenizer.ggml.token_type", GGUF_TYPE_INT32, types.data(), types.size());
    // llama.cpp ends generation at eos and at the end-of-turn token; OuteTTS's audio ends with <|audio_end|>.
    gguf_set_val_u32(meta, "tokenizer.ggml.eot_token_id", audio_end);
    if (version == OuteTts::V0_3) {
        // Not a template but a version marker: llama.cpp's OuteTTS support told 0.3 from 0.2 by this value.
        gguf_set_val_str(meta, "tokenizer.chat_template", "outetts-0.3");
    }
    return static_cast<uint32_t>(texts.size());
}

std::pair<int64_t, int64_t> outetts_code_ids() {
    return {QWEN25_TOKENS + MARKERS.size(), AUDIO_CODES};
}

}  // namespace hearth::mkmodel
