#pragma once
// What probing a model file found out, before anything is loaded. Plain data; no engine types.

#include <cstdint>
#include <string>

#include "core/model_kind.h"

namespace hearth::core {

struct ModelFileInfo {
    std::string path;
    uint64_t size_bytes = 0;
    ModelKind kind = ModelKind::LLM;
    std::string format;        // "gguf" or "ggml" (whisper.cpp)
    std::string architecture;  // GGUF general.architecture, or "whisper"
    std::string quantization;  // e.g. "Q8_0", "F16"; empty when unknown
    uint64_t context_length = 0;
    uint64_t embedding_length = 0;
    bool has_chat_template = false;
    // Attention shape, for estimating the KV cache (GGUF); 0 when unknown.
    uint64_t block_count = 0;
    uint64_t head_count = 0;
    uint64_t head_count_kv = 0;
    uint64_t key_length = 0;    // per head; 0: embedding_length / head_count
    uint64_t value_length = 0;  // per head; 0: embedding_length / head_count
    uint64_t vocab_size = 0;    // tokens of the vocabulary (the logits' width); 0 when unknown
};

}  // namespace hearth::core
