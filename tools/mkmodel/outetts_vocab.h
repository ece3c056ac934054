// OuteTTS's speech tokens on Qwen2.5's vocabulary, laid out as in the real OuteTTS-0.2-500M so that prompts
// tokenize into the real ids: Qwen2.5's 151,665 tokens, then <|text_start|> <|text_end|> <|audio_start|>
// <|audio_end|> <|code_start|> <|code_end|> <|text_sep|> (151665..151671), the audio codes <|0|>..<|4099|>
// (151672..155771; 0.3-500M keeps them there) and the word durations <|t_0.00|>..<|t_9.99|> (from 155772).
// 0.3 adds <|space|>, <|period|>, <|comma|>, <|question_mark|> and <|exclamation_mark|> after them (ids of our
// choosing: hearth looks every id up) and names its version in the chat template ("outetts-0.3").
#pragma once

#include <gguf.h>

#include <cstdint>
#include <utility>

#include "model_config.h"

namespace hearth::mkmodel {

// Rewrites the Qwen2 vocabulary already copied into meta (its tokens past Qwen2.5's are padding) with
// OuteTTS's tokens, all typed CONTROL as llama.cpp's converter types <|...|> tokens, and makes <|audio_end|>
// the end-of-turn token so that generation stops at the end of the audio. Returns the new vocabulary size.
// Throws UsageError when meta holds another vocabulary.
uint32_t add_outetts_tokens(gguf_context* meta, OuteTts version);

// The token ids of the audio codes <|0|>..<|4099|>: first and count.
std::pair<int64_t, int64_t> outetts_code_ids();

}  // namespace hearth::mkmodel
