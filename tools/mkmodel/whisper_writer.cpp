#include "whisper_writer.h"

#include <ggml.h>

#include <array>
#include <cstring>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "tensor_data.h"
#include "tokenizer_source.h"

namespace hearth::mkmodel {
namespace {

constexpr uint32_t GGML_FILE_MAGIC_VALUE = 0x67676d6c;  // "ggml", as whisper.cpp checks it

// Positions of the int32 hyperparameters after the magic, in whisper_model_load's reading order.
constexpr size_t N_VOCAB = 0;
constexpr size_t N_AUDIO_CTX = 1;
constexpr size_t N_AUDIO_STATE = 2;
constexpr size_t N_AUDIO_HEAD = 3;
constexpr size_t N_AUDIO_LAYER = 4;
constexpr size_t N_TEXT_CTX = 5;
constexpr size_t N_TEXT_STATE = 6;
constexpr size_t N_TEXT_HEAD = 7;
constexpr size_t N_TEXT_LAYER = 8;
constexpr size_t N_MELS = 9;
constexpr size_t FTYPE = 10;
constexpr size_t HPARAM_COUNT = 11;

struct WhisperVocab {
    std::array<int32_t, HPARAM_COUNT> hparams{};
    std::string filters_and_vocab;  // the bytes between the hyperparameters and the first tensor
};

int32_t read_i32(const std::string& bytes, size_t& pos, const std::string& path) {
    if (pos + sizeof(int32_t) > bytes.size()) {
        throw UsageError("truncated whisper vocab file: " + path);
    }
    int32_t value = 0;
    std::memcpy(&value, bytes.data() + pos, sizeof(value));
    pos += sizeof(value);
    return value;
}

WhisperVocab load_whisper_vocab(const std::string& path) {
    const std::string bytes = read_file(path, "whisper vocab file");
    size_t pos = 0;
    if (static_cast<uint32_t>(read_i32(bytes, pos, path)) != GGML_FILE_MAGIC_VALUE) {
        throw UsageError("not a whisper.cpp ggml file (bad magic): " + path);
    }
    WhisperVocab vocab;
    for (int32_t& value : vocab.hparams) {
        value = read_i32(bytes, pos, path);
    }
    const size_t body_start = pos;
    const int32_t n_mel = read_i32(bytes, pos, path);
    const int32_t n_fft = read_i32(bytes, pos, path);
    if (n_mel <= 0 || n_fft <= 0 || n_mel > 1024 || n_fft > 4096) {
        throw UsageError("malformed mel filters in whisper vocab file: " + path);
    }
    pos += sizeof(float) * static_cast<size_t>(n_mel) * static_cast<size_t>(n_fft);
    const int32_t n_tokens = read_i32(bytes, pos, path);
    // Each token is a uint32 length and its bytes; read_i32 throws once pos runs past the end.
    for (int32_t i = 0; i < n_tokens; ++i) {
        pos += static_cast<uint32_t>(read_i32(bytes, pos, path));
    }
    if (n_tokens <= 0 || pos > bytes.size()) {
        throw UsageError("malformed vocabulary in whisper vocab file: " + path);
    }
    vocab.filters_and_vocab = bytes.substr(body_start, pos - body_start);
    return vocab;
}

int32_t whisper_ftype(WeightType type) {
    // ggml_ftype values; quantized files also carry the quantization version, as whisper.cpp's quantizer writes.
    switch (type) {
        case WeightType::F32: return GGML_FTYPE_ALL_F32;
        case WeightType::F16: return GGML_FTYPE_MOSTLY_F16;
        case WeightType::Q8_0: return GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR + GGML_FTYPE_MOSTLY_Q8_0;
        case WeightType::Q4_0: return GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR + GGML_FTYPE_MOSTLY_Q4_0;
        case WeightType::Q4_K: return GGML_QNT_VERSION * GGML_QNT_VERSION_FACTOR + GGML_FTYPE_MOSTLY_Q4_K;
    }
    return GGML_FTYPE_ALL_F32;
}

// The shape of every tensor whisper.cpp creates; matrices use one weight type (whisper.cpp has no fallback),
// conv kernels are f16 unless the model is f32, and positional tables, norms and biases are always f32.
class WhisperTensors {
public:
    explicit WhisperTensors(const ModelConfig& config, int32_t n_vocab, int32_t n_mels, int32_t n_audio_ctx)
        : config_(config), n_vocab_(n_vocab), n_mels_(n_mels), n_audio_ctx_(n_audio_ctx) {}

    std::vector<TensorSpec> build() {
        add_encoder();
        add_decoder();
        return std::move(specs_);
    }

private:
    void matrix(const std::string& name, int64_t cols, int64_t rows) {
        specs_.push_back(TensorSpec{name, {cols, rows}, exact_storage_type(config_.type), TensorInit::NORMAL});
    }
    void f32_normal(const std::string& name, std::vector<int64_t> ne) {
        specs_.push_back(TensorSpec{name, std::move(ne), GGML_TYPE_F32, TensorInit::NORMAL});
    }
    void layer_norm(const std::string& prefix) {
        specs_.push_back(norm_tensor(prefix + ".weight", config_.embd));
        specs_.push_back(bias_tensor(prefix + ".bias", config_.embd));
    }
    void attention(const std::string& prefix);
    void block(const std::string& prefix, bool cross);
    void add_encoder();
    void add_decoder();

    const ModelConfig& config_;
    int32_t n_vocab_;
    int32_t n_mels_;
    int32_t n_audio_ctx_;
    std::vector<TensorSpec> specs_;
};

void WhisperTensors::attention(const std::string& prefix) {
    const int64_t state = config_.embd;
    matrix(prefix + ".query.weight", state, state);
    specs_.push_back(bias_tensor(prefix + ".query.bias", state));
    matrix(prefix + ".key.weight", state, state);  // Whisper's key projection has no bias
    matrix(prefix + ".value.weight", state, state);
    specs_.push_back(bias_tensor(prefix + ".value.bias", state));
    matrix(prefix + ".out.weight", state, state);
    specs_.push_back(bias_tensor(prefix + ".out.bias", state));
}

void WhisperTensors::block(const std::string& prefix, bool cross) {
    const int64_t state = config_.embd;
    layer_norm(prefix + ".mlp_ln");
    matrix(prefix + ".mlp.0.weight", state, 4 * state);
    specs_.push_back(bias_tensor(prefix + ".mlp.0.bias", 4 * state));
    matrix(prefix + ".mlp.2.weight", 4 * state, state);
    specs_.push_back(bias_tensor(prefix + ".mlp.2.bias", state));
    layer_norm(prefix + ".attn_ln");
    attention(prefix + ".attn");
    if (cross) {
        layer_norm(prefix + ".cross_attn_ln");
        attention(prefix + ".cross_attn");
    }
}

void WhisperTensors::add_encoder() {
    const int64_t state = config_.embd;
    const ggml_type conv_type = float_storage_type(config_.type);
    f32_normal("encoder.positional_embedding", {state, n_audio_ctx_});
    specs_.push_back(TensorSpec{"encoder.conv1.weight", {3, n_mels_, state}, conv_type, TensorInit::NORMAL});
    specs_.push_back(TensorSpec{"encoder.conv1.bias", {1, state}, GGML_TYPE_F32, TensorInit::ZEROS});
    specs_.push_back(TensorSpec{"encoder.conv2.weight", {3, state, state}, conv_type, TensorInit::NORMAL});
    specs_.push_back(TensorSpec{"encoder.conv2.bias", {1, state}, GGML_TYPE_F32, TensorInit::ZEROS});
    for (int i = 0; i < config_.layers; ++i) {
        block("encoder.blocks." + std::to_string(i), false);
    }
    layer_norm("encoder.ln_post");
}

void WhisperTensors::add_decoder() {
    f32_normal("decoder.positional_embedding", {config_.embd, config_.ctx});
    matrix("decoder.token_embedding.weight", config_.embd, n_vocab_);
    for (int i = 0; i < config_.layers; ++i) {
        block("decoder.blocks." + std::to_string(i), true);
    }
    layer_norm("decoder.ln");
}

void write_i32(OutputFile& out, int32_t value) {
    out.write(&value, sizeof(value));
}

void write_tensor(OutputFile& out, const TensorSpec& spec, const ModelConfig& config) {
    write_i32(out, static_cast<int32_t>(spec.ne.size()));
    write_i32(out, static_cast<int32_t>(spec.name.size()));
    write_i32(out, static_cast<int32_t>(spec.type));
    for (const int64_t dim : spec.ne) {
        write_i32(out, static_cast<int32_t>(dim));
    }
    out.write(spec.name.data(), spec.name.size());
    stream_tensor(spec, config.seed, config.threads, [&out](const void* data, size_t size) { out.write(data, size); });
}

}  // namespace

std::string whisper_vocab_path(const SourceDirs& dirs, const std::string& vocab_name) {
    return (std::filesystem::path(dirs.whisper_vocab_dir) / ("for-tests-ggml-" + vocab_name + ".bin")).string();
}

void resolve_whisper_shape(ModelConfig& config, const SourceDirs& dirs) {
    const WhisperVocab vocab = load_whisper_vocab(whisper_vocab_path(dirs, config.vocab));
    const auto fill = [](int& field, int32_t value) { field = field == 0 ? value : field; };
    fill(config.layers, vocab.hparams[N_AUDIO_LAYER]);
    fill(config.embd, vocab.hparams[N_AUDIO_STATE]);
    fill(config.heads, vocab.hparams[N_AUDIO_HEAD]);
    fill(config.ctx, vocab.hparams[N_TEXT_CTX]);
    const int64_t block = ggml_blck_size(exact_storage_type(config.type));
    if (config.embd > 0 && config.embd % block != 0) {
        // whisper.cpp stores every matrix in one type, so there is no per-tensor fallback to fall back on.
        throw UsageError("whisper: --type " + weight_type_to_string(config.type) + " needs --embd divisible by " +
                         std::to_string(block) + " (got " + std::to_string(config.embd) + ")");
    }
}

void write_whisper_model(const ModelConfig& config, const SourceDirs& dirs, OutputFile& out) {
    WhisperVocab vocab = load_whisper_vocab(whisper_vocab_path(dirs, config.vocab));
    auto& hp = vocab.hparams;
    hp[N_AUDIO_STATE] = hp[N_TEXT_STATE] = config.embd;
    hp[N_AUDIO_HEAD] = hp[N_TEXT_HEAD] = config.heads;
    hp[N_AUDIO_LAYER] = hp[N_TEXT_LAYER] = config.layers;
    hp[N_TEXT_CTX] = config.ctx;
    hp[FTYPE] = whisper_ftype(config.type);

    write_i32(out, static_cast<int32_t>(GGML_FILE_MAGIC_VALUE));
    for (const int32_t value : hp) {
        write_i32(out, value);
    }
    out.write(vocab.filters_and_vocab.data(), vocab.filters_and_vocab.size());
    WhisperTensors tensors(config, hp[N_VOCAB], hp[N_MELS], hp[N_AUDIO_CTX]);
    for (const TensorSpec& spec : tensors.build()) {
        write_tensor(out, spec, config);
    }
}

}  // namespace hearth::mkmodel
