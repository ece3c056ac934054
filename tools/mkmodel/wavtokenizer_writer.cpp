#include "wavtokenizer_writer.h"

#include <algorithm>
#include <string>
#include <utility>

#include "gguf_writer.h"

namespace hearth::mkmodel {
namespace {

constexpr const char* ARCH = "wavtokenizer-dec";
// Kernel widths of llama.cpp's graph: the input and ConvNeXt depthwise convolutions, the PosNet resnets'.
constexpr int64_t WIDE_KERNEL = 7;
constexpr int64_t RESNET_KERNEL = 3;
// llama.cpp's graph fixes the PosNet: resnet, resnet, attention, resnet, resnet, then a lone group norm.
constexpr int POSNET_BLOCKS = 6;
constexpr int POSNET_ATTENTION = 2;

std::string key(const char* suffix) {
    return std::string(ARCH) + "." + suffix;
}

std::string block(const char* stack, int index, const char* suffix) {
    return std::string(stack) + "." + std::to_string(index) + "." + suffix;
}

// Convolution kernels feed ggml's im2col-based conv_1d, which takes f16 or f32 kernels only.
TensorSpec kernel(std::string name, std::vector<int64_t> ne, WeightType type) {
    return TensorSpec{std::move(name), std::move(ne), float_storage_type(type), TensorInit::NORMAL};
}

// Conv biases and the PosNet's norm weights are stored as {1, width} rows, as the converter writes them.
TensorSpec column(std::string name, int64_t width, TensorInit init) {
    return TensorSpec{std::move(name), {1, width}, GGML_TYPE_F32, init};
}

void set_vocoder_keys(gguf_context* meta, const ModelConfig& config) {
    const VocoderShape& vocoder = config.vocoder;
    const auto u32 = [](int value) { return static_cast<uint32_t>(value); };
    gguf_set_val_u32(meta, key("context_length").c_str(), u32(config.ctx));
    // llama.cpp reads the frame width from embedding_length and the codebook width from features_length.
    gguf_set_val_u32(meta, key("embedding_length").c_str(), u32(vocoder.output));
    gguf_set_val_u32(meta, key("features_length").c_str(), u32(vocoder.features));
    // The loader asserts that both stacks fit in block_count.
    gguf_set_val_u32(meta, key("block_count").c_str(), u32(std::max(config.layers, POSNET_BLOCKS)));
    gguf_set_val_u32(meta, key("feed_forward_length").c_str(), u32(config.ff));
    gguf_set_val_u32(meta, key("attention.head_count").c_str(), 1);
    gguf_set_val_f32(meta, key("attention.layer_norm_epsilon").c_str(), config.norm_eps);
    gguf_set_val_f32(meta, key("attention.group_norm_epsilon").c_str(), config.norm_eps);
    gguf_set_val_u32(meta, key("attention.group_norm_groups").c_str(), u32(vocoder.groups));
    gguf_set_val_u32(meta, key("posnet.embedding_length").c_str(), u32(config.embd));
    gguf_set_val_u32(meta, key("posnet.block_count").c_str(), u32(POSNET_BLOCKS));
    gguf_set_val_u32(meta, key("convnext.embedding_length").c_str(), u32(config.embd));
    gguf_set_val_u32(meta, key("convnext.block_count").c_str(), u32(config.layers));
    gguf_set_val_bool(meta, key("attention.causal").c_str(), false);
    // No tokenizer: llama.cpp makes vocab_size dummy tokens, so the input ids are the codebook indices.
    gguf_set_val_u32(meta, key("vocab_size").c_str(), u32(vocoder.codebook));
    gguf_set_val_str(meta, "tokenizer.ggml.model", "none");
}

void add_posnet_block(GgufWriter& writer, const ModelConfig& config, int index) {
    const int64_t n = config.embd;
    const auto pair = [&](const char* name, TensorInit init) {
        writer.add_tensor(column(block("posnet", index, (std::string(name) + ".weight").c_str()), n, init));
        writer.add_tensor(column(block("posnet", index, (std::string(name) + ".bias").c_str()), n, TensorInit::ZEROS));
    };
    if (index == POSNET_BLOCKS - 1) {
        pair("attn_norm", TensorInit::ONES);  // llama.cpp loads the closing norm under this name too
        return;
    }
    if (index == POSNET_ATTENTION) {
        pair("attn_norm", TensorInit::ONES);
        for (const char* proj : {"attn_q", "attn_k", "attn_v", "attn_output"}) {
            const std::string base = proj;
            writer.add_tensor(kernel(block("posnet", index, (base + ".weight").c_str()), {1, n, n}, config.type));
            writer.add_tensor(column(block("posnet", index, (base + ".bias").c_str()), n, TensorInit::ZEROS));
        }
        return;
    }
    for (const char* half : {"1", "2"}) {
        const std::string suffix = half;
        writer.add_tensor(column(block("posnet", index, ("norm" + suffix + ".weight").c_str()), n, TensorInit::ONES));
        writer.add_tensor(column(block("posnet", index, ("norm" + suffix + ".bias").c_str()), n, TensorInit::ZEROS));
        writer.add_tensor(
            kernel(block("posnet", index, ("conv" + suffix + ".weight").c_str()), {RESNET_KERNEL, n, n}, config.type));
        writer.add_tensor(column(block("posnet", index, ("conv" + suffix + ".bias").c_str()), n, TensorInit::ZEROS));
    }
}

void add_convnext_block(GgufWriter& writer, const ModelConfig& config, int index) {
    const int64_t n = config.embd;
    const int64_t ff = config.ff;
    writer.add_tensor(kernel(block("convnext", index, "dw.weight"), {WIDE_KERNEL, 1, n}, config.type));
    writer.add_tensor(column(block("convnext", index, "dw.bias"), n, TensorInit::ZEROS));
    writer.add_tensor(norm_tensor(block("convnext", index, "norm.weight"), n));
    writer.add_tensor(bias_tensor(block("convnext", index, "norm.bias"), n));
    writer.add_tensor(weight_tensor(block("convnext", index, "pw1.weight"), {n, ff}, config.type));
    writer.add_tensor(bias_tensor(block("convnext", index, "pw1.bias"), ff));
    writer.add_tensor(weight_tensor(block("convnext", index, "pw2.weight"), {ff, n}, config.type));
    writer.add_tensor(bias_tensor(block("convnext", index, "pw2.bias"), n));
    // Layer scale; ones rather than ConvNeXt's small init keep each block's contribution visible in tests.
    writer.add_tensor(norm_tensor(block("convnext", index, "gamma.weight"), n));
}

}  // namespace

void write_wavtokenizer_model(const ModelConfig& config, OutputFiles& out) {
    const VocoderShape& vocoder = config.vocoder;
    const int64_t n = config.embd;
    GgufWriter writer;
    gguf_context* meta = writer.meta();
    set_general_keys(meta, ARCH, config);
    set_vocoder_keys(meta, config);

    writer.add_tensor(weight_tensor("token_embd.weight", {vocoder.features, vocoder.codebook}, config.type));
    writer.add_tensor(kernel("conv1d.weight", {WIDE_KERNEL, vocoder.features, n}, config.type));
    writer.add_tensor(column("conv1d.bias", n, TensorInit::ZEROS));
    for (int index = 0; index < POSNET_BLOCKS; ++index) {
        add_posnet_block(writer, config, index);
    }
    writer.add_tensor(norm_tensor("token_embd_norm.weight", n));
    writer.add_tensor(bias_tensor("token_embd_norm.bias", n));
    for (int index = 0; index < config.layers; ++index) {
        add_convnext_block(writer, config, index);
    }
    writer.add_tensor(norm_tensor("output_norm.weight", n));
    writer.add_tensor(bias_tensor("output_norm.bias", n));
    // After the final layer norm each output is a sum of n unit-variance terms times N(0, 0.02) weights:
    // a standard deviation of 0.02 * sqrt(n) (0.55 at the real width), so the log-magnitudes stay near 0 (a
    // magnitude near 1) and far inside -10..5.
    writer.add_tensor(weight_tensor("output.weight", {n, vocoder.output}, config.type));
    writer.add_tensor(bias_tensor("output.bias", vocoder.output));
    writer.write(out, config.seed, config.threads, config.block_pool);
}

}  // namespace hearth::mkmodel
