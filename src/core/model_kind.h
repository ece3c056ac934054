#pragma once
// What a model file is for. Detected from the file itself (GGUF metadata or the whisper ggml magic).

#include <optional>
#include <string_view>

namespace hearth::core {

enum class ModelKind {
    LLM,        // decoder language model: chat and completions
    EMBEDDING,  // encoder or pooled model: /v1/embeddings
    RERANK,     // cross-encoder with rank pooling: /v1/rerank
    WHISPER,    // whisper.cpp speech-to-text model
    TTS,        // text-to-speech: an OuteTTS language model with its vocoder, or the built-in flite voices
    VLM,        // configured only: a text-generation model (LLM) served with its mmproj projector
};

std::string_view to_string(ModelKind kind);
std::optional<ModelKind> parse_model_kind(std::string_view name);

}  // namespace hearth::core
