#include "bert_writer.h"

#include <string>

#include "gguf_writer.h"
#include "tokenizer_source.h"

namespace hearth::mkmodel {
namespace {

// llama_pooling_type values (llama.h).
constexpr uint32_t POOLING_MEAN = 1;
constexpr uint32_t POOLING_CLS = 2;
constexpr uint32_t POOLING_LAST = 3;
constexpr uint32_t POOLING_RANK = 4;

// BERT-style vocabularies normally say how many segment types there are; two is BERT's own count.
constexpr uint32_t DEFAULT_TOKEN_TYPES = 2;

std::string layer_name(int layer, const char* suffix) {
    return "blk." + std::to_string(layer) + "." + suffix;
}

uint32_t pooling_value(const ModelConfig& config) {
    if (config.arch == Arch::RERANK) {
        return POOLING_RANK;
    }
    switch (config.pooling) {
        case Pooling::CLS: return POOLING_CLS;
        case Pooling::LAST: return POOLING_LAST;
        case Pooling::NONE:
        case Pooling::MEAN: break;
    }
    return POOLING_MEAN;
}

void set_bert_keys(gguf_context* meta, const ModelConfig& config) {
    gguf_set_val_u32(meta, "bert.context_length", static_cast<uint32_t>(config.ctx));
    gguf_set_val_u32(meta, "bert.embedding_length", static_cast<uint32_t>(config.embd));
    gguf_set_val_u32(meta, "bert.block_count", static_cast<uint32_t>(config.layers));
    gguf_set_val_u32(meta, "bert.feed_forward_length", static_cast<uint32_t>(config.ff));
    gguf_set_val_u32(meta, "bert.attention.head_count", static_cast<uint32_t>(config.heads));
    gguf_set_val_f32(meta, "bert.attention.layer_norm_epsilon", config.norm_eps);
    gguf_set_val_bool(meta, "bert.attention.causal", false);
    gguf_set_val_u32(meta, "bert.pooling_type", pooling_value(config));
}

uint32_t token_type_count(gguf_context* meta) {
    const int64_t id = gguf_find_key(meta, "tokenizer.ggml.token_type_count");
    if (id < 0 || gguf_get_kv_type(meta, id) != GGUF_TYPE_UINT32) {
        gguf_set_val_u32(meta, "tokenizer.ggml.token_type_count", DEFAULT_TOKEN_TYPES);
        return DEFAULT_TOKEN_TYPES;
    }
    return gguf_get_val_u32(meta, id);
}

void add_embeddings(GgufWriter& writer, const ModelConfig& config, uint32_t n_vocab, uint32_t n_types) {
    const int64_t embd = config.embd;
    writer.add_tensor(weight_tensor("token_embd.weight", {embd, n_vocab}, config.type));
    // llama.cpp's quantizer leaves the segment and position tables unquantized. The bert graph adds row 0 of
    // token_types straight onto f32 activations, and ggml's CPU add has no f32 + f16 kernel, so it stays f32.
    writer.add_tensor(TensorSpec{"token_types.weight", {embd, n_types}, GGML_TYPE_F32, TensorInit::NORMAL});
    writer.add_tensor(
        TensorSpec{"position_embd.weight", {embd, config.ctx}, float_storage_type(config.type), TensorInit::NORMAL});
    writer.add_tensor(norm_tensor("token_embd_norm.weight", embd));
    writer.add_tensor(bias_tensor("token_embd_norm.bias", embd));
}

void add_layer(GgufWriter& writer, const ModelConfig& config, int layer) {
    const int64_t embd = config.embd;
    const int64_t ff = config.ff;
    const WeightType type = config.type;
    for (const char* proj : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
        const std::string base = proj;
        writer.add_tensor(weight_tensor(layer_name(layer, (base + ".weight").c_str()), {embd, embd}, type));
        writer.add_tensor(bias_tensor(layer_name(layer, (base + ".bias").c_str()), embd));
    }
    writer.add_tensor(norm_tensor(layer_name(layer, "attn_output_norm.weight"), embd));
    writer.add_tensor(bias_tensor(layer_name(layer, "attn_output_norm.bias"), embd));
    writer.add_tensor(weight_tensor(layer_name(layer, "ffn_up.weight"), {embd, ff}, type));
    writer.add_tensor(bias_tensor(layer_name(layer, "ffn_up.bias"), ff));
    writer.add_tensor(weight_tensor(layer_name(layer, "ffn_down.weight"), {ff, embd}, type));
    writer.add_tensor(bias_tensor(layer_name(layer, "ffn_down.bias"), embd));
    writer.add_tensor(norm_tensor(layer_name(layer, "layer_output_norm.weight"), embd));
    writer.add_tensor(bias_tensor(layer_name(layer, "layer_output_norm.bias"), embd));
}

void add_classifier(GgufWriter& writer, const ModelConfig& config) {
    // RoBERTa-style head: dense + tanh over the CLS state, then a projection to one relevance score.
    const int64_t embd = config.embd;
    writer.add_tensor(weight_tensor("cls.weight", {embd, embd}, config.type));
    writer.add_tensor(bias_tensor("cls.bias", embd));
    writer.add_tensor(weight_tensor("cls.output.weight", {embd, 1}, config.type));
    writer.add_tensor(bias_tensor("cls.output.bias", 1));
}

}  // namespace

void write_bert_model(const ModelConfig& config, const SourceDirs& dirs, OutputFiles& out) {
    GgufWriter writer;
    gguf_context* meta = writer.meta();
    set_general_keys(meta, "bert", config);
    set_bert_keys(meta, config);
    const uint32_t n_vocab = copy_tokenizer(meta, dirs, config.vocab);
    set_chat_template(meta, dirs, config.chat_template);
    const uint32_t n_types = token_type_count(meta);

    add_embeddings(writer, config, n_vocab, n_types);
    for (int layer = 0; layer < config.layers; ++layer) {
        add_layer(writer, config, layer);
    }
    if (config.arch == Arch::RERANK) {
        add_classifier(writer, config);
    }
    writer.write(out, config.seed, config.threads, config.block_pool);
}

}  // namespace hearth::mkmodel
