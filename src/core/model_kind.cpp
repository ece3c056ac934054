#include "core/model_kind.h"

namespace hearth::core {

std::string_view to_string(ModelKind kind) {
    switch (kind) {
        case ModelKind::LLM: return "llm";
        case ModelKind::EMBEDDING: return "embedding";
        case ModelKind::RERANK: return "rerank";
        case ModelKind::WHISPER: return "whisper";
        case ModelKind::TTS: return "tts";
        case ModelKind::VLM: return "vlm";
    }
    return "llm";
}

std::optional<ModelKind> parse_model_kind(std::string_view name) {
    for (ModelKind kind : {ModelKind::LLM, ModelKind::EMBEDDING, ModelKind::RERANK, ModelKind::WHISPER, ModelKind::TTS,
                           ModelKind::VLM}) {
        if (to_string(kind) == name) {
            return kind;
        }
    }
    return std::nullopt;
}

}  // namespace hearth::core
