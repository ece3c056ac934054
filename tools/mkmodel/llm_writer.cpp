#include "llm_writer.h"

#include <array>
#include <string>

#include "gguf_writer.h"
#include "outetts_vocab.h"
#include "tokenizer_source.h"

namespace hearth::mkmodel {
namespace {

std::string gguf_arch_name(Arch arch) {
    switch (arch) {
        case Arch::QWEN2: return "qwen2";
        case Arch::QWEN3: return "qwen3";
        case Arch::GEMMA3: return "gemma3";
        default: return "llama";
    }
}

std::string layer_name(int layer, const char* suffix) {
    return "blk." + std::to_string(layer) + "." + suffix;
}

// Gemma 4's vocabulary keeps Gemma 3's control tokens at their ids under new names: renamed back, chat turns
// and images tokenize into Gemma 3's ids and <end_of_turn> ends a turn as in the real models.
constexpr std::array<TokenRename, 4> GEMMA3_TOKEN_NAMES{{
    {105, "<|turn>", "<start_of_turn>"},
    {106, "<turn|>", "<end_of_turn>"},
    {255999, "<|image>", "<start_of_image>"},
    {256000, "<|audio>", "<end_of_image>"},
}};

// Gemma 3 alternates local (sliding-window) and global layers. Real files carry the window and the local RoPE
// base and leave the pattern to llama.cpp's default of 6; it is written here so that other patterns load.
void set_sliding_window_keys(gguf_context* meta, const SlidingWindow& swa, const std::string& arch) {
    if (swa.window == 0) {
        return;
    }
    gguf_set_val_u32(meta, (arch + ".attention.sliding_window").c_str(), static_cast<uint32_t>(swa.window));
    gguf_set_val_u32(meta, (arch + ".attention.sliding_window_pattern").c_str(), static_cast<uint32_t>(swa.pattern));
    gguf_set_val_f32(meta, (arch + ".rope.freq_base_swa").c_str(), swa.rope_theta);
}

void set_decoder_keys(gguf_context* meta, const ModelConfig& config, const std::string& arch) {
    const auto key = [&arch](const char* suffix) { return arch + "." + suffix; };
    const auto head_dim = static_cast<uint32_t>(head_dim_of(config));
    gguf_set_val_u32(meta, key("context_length").c_str(), static_cast<uint32_t>(config.ctx));
    gguf_set_val_u32(meta, key("embedding_length").c_str(), static_cast<uint32_t>(config.embd));
    gguf_set_val_u32(meta, key("block_count").c_str(), static_cast<uint32_t>(config.layers));
    gguf_set_val_u32(meta, key("feed_forward_length").c_str(), static_cast<uint32_t>(config.ff));
    gguf_set_val_u32(meta, key("attention.head_count").c_str(), static_cast<uint32_t>(config.heads));
    gguf_set_val_u32(meta, key("attention.head_count_kv").c_str(), static_cast<uint32_t>(config.kv_heads));
    gguf_set_val_f32(meta, key("rope.freq_base").c_str(), config.rope_theta);
    gguf_set_val_f32(meta, key("attention.layer_norm_rms_epsilon").c_str(), config.norm_eps);
    gguf_set_val_u32(meta, key("rope.dimension_count").c_str(), head_dim);
    // A pooled decoder is an embedding model (as Qwen3-Embedding): llama_pooling_type values.
    if (config.pooling != Pooling::NONE) {
        const uint32_t pooling = config.pooling == Pooling::LAST ? 3 : config.pooling == Pooling::CLS ? 2 : 1;
        gguf_set_val_u32(meta, key("pooling_type").c_str(), pooling);
    }
    // llama.cpp derives the head width as embd / heads unless these say otherwise (Qwen3 differs); Gemma 3's
    // converter always writes them.
    if (head_dim * static_cast<uint32_t>(config.heads) != static_cast<uint32_t>(config.embd) ||
        config.arch == Arch::GEMMA3) {
        gguf_set_val_u32(meta, key("attention.key_length").c_str(), head_dim);
        gguf_set_val_u32(meta, key("attention.value_length").c_str(), head_dim);
    }
}

// A projection into the residual stream: inert (zero, or scaled down) in layers from config.inert_from on.
TensorSpec residual_projection(std::string name, std::vector<int64_t> ne, const ModelConfig& config, int layer) {
    TensorSpec spec = weight_tensor(std::move(name), std::move(ne), config.type);
    if (config.inert_from >= 0 && layer >= config.inert_from) {
        if (config.inert_scale == 0.0F) {
            spec.init = TensorInit::ZEROS;
        } else {
            spec.scaled = ScaledRows{0, spec.ne.at(1), config.inert_scale};
        }
    }
    return spec;
}

void add_attention(GgufWriter& writer, const ModelConfig& config, int layer) {
    const int64_t embd = config.embd;
    const int64_t head_dim = head_dim_of(config);
    const int64_t q_width = head_dim * config.heads;
    const int64_t kv_width = head_dim * config.kv_heads;
    const WeightType type = config.type;
    writer.add_tensor(norm_tensor(layer_name(layer, "attn_norm.weight"), embd));
    writer.add_tensor(weight_tensor(layer_name(layer, "attn_q.weight"), {embd, q_width}, type));
    writer.add_tensor(weight_tensor(layer_name(layer, "attn_k.weight"), {embd, kv_width}, type));
    writer.add_tensor(weight_tensor(layer_name(layer, "attn_v.weight"), {embd, kv_width}, type));
    if (config.arch == Arch::QWEN2) {
        // Qwen2 is the one of the three with biases on the Q/K/V projections.
        writer.add_tensor(bias_tensor(layer_name(layer, "attn_q.bias"), q_width));
        writer.add_tensor(bias_tensor(layer_name(layer, "attn_k.bias"), kv_width));
        writer.add_tensor(bias_tensor(layer_name(layer, "attn_v.bias"), kv_width));
    }
    if (config.arch == Arch::QWEN3 || config.arch == Arch::GEMMA3) {
        // Qwen3 and Gemma 3 RMS-normalise each query and key head before RoPE.
        writer.add_tensor(norm_tensor(layer_name(layer, "attn_q_norm.weight"), head_dim));
        writer.add_tensor(norm_tensor(layer_name(layer, "attn_k_norm.weight"), head_dim));
    }
    writer.add_tensor(residual_projection(layer_name(layer, "attn_output.weight"), {q_width, embd}, config, layer));
    if (config.arch == Arch::GEMMA3) {
        // Gemma 3 also normalises the attention output before adding it to the residual stream.
        writer.add_tensor(norm_tensor(layer_name(layer, "post_attention_norm.weight"), embd));
    }
}

void add_feed_forward(GgufWriter& writer, const ModelConfig& config, int layer) {
    const int64_t embd = config.embd;
    const int64_t ff = config.ff;
    writer.add_tensor(norm_tensor(layer_name(layer, "ffn_norm.weight"), embd));
    writer.add_tensor(weight_tensor(layer_name(layer, "ffn_gate.weight"), {embd, ff}, config.type));
    writer.add_tensor(residual_projection(layer_name(layer, "ffn_down.weight"), {ff, embd}, config, layer));
    writer.add_tensor(weight_tensor(layer_name(layer, "ffn_up.weight"), {embd, ff}, config.type));
    if (config.arch == Arch::GEMMA3) {
        writer.add_tensor(norm_tensor(layer_name(layer, "post_ffw_norm.weight"), embd));
    }
}

// A random OuteTTS model would almost never pick one of its 4100 audio codes among 156k tokens, and so would
// say nothing: the codes' output rows are drawn larger, so that greedy decoding speaks as a trained model does
// and every code path (vocoder, iSTFT, encoder) runs. Shapes, and so costs, are unchanged.
constexpr float OUTETTS_CODE_ROW_SCALE = 8.0F;

TensorSpec output_rows(TensorSpec spec, const ModelConfig& config, bool is_output) {
    if (config.outetts != OuteTts::NONE && is_output) {
        const auto [first, count] = outetts_code_ids();
        spec.scaled = ScaledRows{first, count, OUTETTS_CODE_ROW_SCALE};
    }
    return spec;
}

}  // namespace

void write_decoder_model(const ModelConfig& config, const SourceDirs& dirs, OutputFiles& out) {
    const std::string arch = gguf_arch_name(config.arch);
    GgufWriter writer;
    gguf_context* meta = writer.meta();
    set_general_keys(meta, arch, config);
    set_decoder_keys(meta, config, arch);
    uint32_t n_vocab = copy_tokenizer(meta, dirs, config.vocab);
    if (config.arch == Arch::GEMMA3) {
        set_sliding_window_keys(meta, config.swa, arch);
        rename_tokens(meta, GEMMA3_TOKEN_NAMES);
    }
    set_chat_template(meta, dirs, config.chat_template);
    if (config.outetts != OuteTts::NONE) {
        n_vocab = add_outetts_tokens(meta, config.outetts);
    }
    gguf_set_val_u32(meta, (arch + ".vocab_size").c_str(), n_vocab);
    if (config.eos_token_id >= 0) {
        if (static_cast<uint32_t>(config.eos_token_id) >= n_vocab) {
            throw UsageError("eos token id " + std::to_string(config.eos_token_id) + " is outside the vocabulary");
        }
        gguf_set_val_u32(meta, "tokenizer.ggml.eos_token_id", static_cast<uint32_t>(config.eos_token_id));
    }

    writer.add_tensor(output_rows(weight_tensor("token_embd.weight", {config.embd, n_vocab}, config.type), config,
                                  config.tied_embeddings));
    for (int layer = 0; layer < config.layers; ++layer) {
        add_attention(writer, config, layer);
        add_feed_forward(writer, config, layer);
    }
    writer.add_tensor(norm_tensor("output_norm.weight", config.embd));
    if (!config.tied_embeddings) {
        writer.add_tensor(
            output_rows(weight_tensor("output.weight", {config.embd, n_vocab}, config.type), config, true));
    }
    writer.write(out, config.seed, config.threads, config.block_pool);
}

}  // namespace hearth::mkmodel
