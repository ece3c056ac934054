// GGUF half of the model probe: metadata via ggml's gguf reader (no tensor data is read).

#include <ggml.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string_view>

#include "engine/c_handles.h"
#include "engine/model_probe.h"

namespace hearth::engine::detail {

namespace {

// llama.cpp's enum llama_pooling_type values as stored in GGUF.
constexpr uint64_t POOLING_NONE = 0;
constexpr uint64_t POOLING_RANK = 4;

// Architectures llama.cpp runs as encoders: their output is pooled, never sampled.
constexpr std::array<std::string_view, 8> ENCODER_ARCHS = {
    "bert", "nomic-bert", "nomic-bert-moe", "jina-bert-v2", "jina-bert-v3", "neo-bert", "modern-bert", "t5encoder"};

Error not_servable(const std::string& reason) {
    return make_error(ErrorCode::INVALID_ARGUMENT, reason);
}

// Any integer-typed value, whatever width the writer chose. Reading with the wrong typed getter would
// hit a ggml assert, so the type is checked first.
std::optional<uint64_t> get_uint(const gguf_context* ctx, const std::string& key) {
    const int64_t id = gguf_find_key(ctx, key.c_str());
    if (id < 0) {
        return std::nullopt;
    }
    switch (gguf_get_kv_type(ctx, id)) {
        case GGUF_TYPE_UINT8: return gguf_get_val_u8(ctx, id);
        case GGUF_TYPE_UINT16: return gguf_get_val_u16(ctx, id);
        case GGUF_TYPE_UINT32: return gguf_get_val_u32(ctx, id);
        case GGUF_TYPE_UINT64: return gguf_get_val_u64(ctx, id);
        case GGUF_TYPE_INT8: return static_cast<uint64_t>(std::max<int8_t>(0, gguf_get_val_i8(ctx, id)));
        case GGUF_TYPE_INT16: return static_cast<uint64_t>(std::max<int16_t>(0, gguf_get_val_i16(ctx, id)));
        case GGUF_TYPE_INT32: return static_cast<uint64_t>(std::max<int32_t>(0, gguf_get_val_i32(ctx, id)));
        case GGUF_TYPE_INT64: return static_cast<uint64_t>(std::max<int64_t>(0, gguf_get_val_i64(ctx, id)));
        default: return std::nullopt;
    }
}

std::optional<std::string> get_string(const gguf_context* ctx, const char* key) {
    const int64_t id = gguf_find_key(ctx, key);
    if (id < 0 || gguf_get_kv_type(ctx, id) != GGUF_TYPE_STRING) {
        return std::nullopt;
    }
    return std::string(gguf_get_val_str(ctx, id));
}

// Where the tensor data must end, and the weight type holding the most bytes.
struct TensorSummary {
    uint64_t data_end = 0;
    std::string dominant_type;
};

TensorSummary summarize_tensors(const gguf_context* ctx) {
    TensorSummary summary;
    std::map<std::string, uint64_t> bytes_by_type;
    const uint64_t base = gguf_get_data_offset(ctx);
    for (int64_t i = 0; i < gguf_get_n_tensors(ctx); ++i) {
        const uint64_t size = gguf_get_tensor_size(ctx, i);
        summary.data_end = std::max<uint64_t>(summary.data_end, base + gguf_get_tensor_offset(ctx, i) + size);
        bytes_by_type[ggml_type_name(gguf_get_tensor_type(ctx, i))] += size;
    }
    uint64_t best = 0;
    for (const auto& [name, bytes] : bytes_by_type) {
        if (bytes > best) {
            best = bytes;
            summary.dominant_type = name;
        }
    }
    std::transform(summary.dominant_type.begin(), summary.dominant_type.end(), summary.dominant_type.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return summary;
}

// OuteTTS speaks through a text model: a decoder whose vocabulary has its audio markers and codes (<|0|> is
// the first WavTokenizer code). Its codes become sound through a separate vocoder file.
bool has_speech_tokens(const gguf_context* ctx) {
    const int64_t id = gguf_find_key(ctx, "tokenizer.ggml.tokens");
    if (id < 0 || gguf_get_kv_type(ctx, id) != GGUF_TYPE_ARRAY || gguf_get_arr_type(ctx, id) != GGUF_TYPE_STRING) {
        return false;
    }
    int found = 0;
    for (size_t i = 0, n = gguf_get_arr_n(ctx, id); i < n && found < 3; ++i) {
        const std::string_view token = gguf_get_arr_str(ctx, id, i);
        found += static_cast<int>(token == "<|audio_start|>" || token == "<|text_start|>" || token == "<|0|>");
    }
    return found == 3;
}

core::ModelKind classify(const gguf_context* ctx, const std::string& arch) {
    const auto pooling = get_uint(ctx, arch + ".pooling_type");
    if (pooling && *pooling == POOLING_RANK) {
        return core::ModelKind::RERANK;
    }
    const bool encoder = std::find(ENCODER_ARCHS.begin(), ENCODER_ARCHS.end(), arch) != ENCODER_ARCHS.end();
    if (encoder || (pooling && *pooling != POOLING_NONE)) {
        return core::ModelKind::EMBEDDING;
    }
    return has_speech_tokens(ctx) ? core::ModelKind::TTS : core::ModelKind::LLM;
}

}  // namespace

Result<core::ModelFileInfo> probe_gguf(const std::string& path, uint64_t file_size) {
    gguf_init_params params{};
    params.no_alloc = true;
    params.ctx = nullptr;
    gguf_context_ptr ctx(gguf_init_from_file(path.c_str(), params));
    if (!ctx) {
        return not_servable("corrupt GGUF: header or metadata unreadable (truncated or damaged)");
    }
    const auto arch = get_string(ctx.get(), "general.architecture");
    if (!arch || arch->empty()) {
        return not_servable("GGUF without general.architecture: not a model");
    }
    if (*arch == "clip") {
        return not_servable("multimodal projector (mmproj): served with its language model, not on its own");
    }
    if (*arch == "wavtokenizer-dec") {
        return not_servable("speech vocoder (WavTokenizer): served with its OuteTTS model, not on its own");
    }
    if (gguf_get_n_tensors(ctx.get()) == 0) {
        return not_servable("GGUF with no tensors (vocabulary only): no weights to serve");
    }
    const TensorSummary tensors = summarize_tensors(ctx.get());
    if (tensors.data_end > file_size) {
        return not_servable("truncated: tensor data needs " + std::to_string(tensors.data_end) + " bytes, file has " +
                            std::to_string(file_size));
    }
    core::ModelFileInfo info;
    info.path = path;
    info.size_bytes = file_size;
    info.format = "gguf";
    info.architecture = *arch;
    info.kind = classify(ctx.get(), *arch);
    info.quantization = tensors.dominant_type;
    info.context_length = get_uint(ctx.get(), *arch + ".context_length").value_or(0);
    info.embedding_length = get_uint(ctx.get(), *arch + ".embedding_length").value_or(0);
    info.has_chat_template = gguf_find_key(ctx.get(), "tokenizer.chat_template") >= 0;
    // What the memory estimate needs (KV cache size); 0 when the file does not say.
    info.block_count = get_uint(ctx.get(), *arch + ".block_count").value_or(0);
    info.head_count = get_uint(ctx.get(), *arch + ".attention.head_count").value_or(0);
    info.head_count_kv = get_uint(ctx.get(), *arch + ".attention.head_count_kv").value_or(info.head_count);
    info.key_length = get_uint(ctx.get(), *arch + ".attention.key_length").value_or(0);
    info.value_length = get_uint(ctx.get(), *arch + ".attention.value_length").value_or(0);
    if (const int64_t tokens = gguf_find_key(ctx.get(), "tokenizer.ggml.tokens");
        tokens >= 0 && gguf_get_kv_type(ctx.get(), tokens) == GGUF_TYPE_ARRAY) {
        info.vocab_size = gguf_get_arr_n(ctx.get(), tokens);
    }
    return info;
}

}  // namespace hearth::engine::detail
