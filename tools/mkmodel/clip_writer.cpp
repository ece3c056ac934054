#include "clip_writer.h"

#include <gguf.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <memory>
#include <string>

#include "gguf_writer.h"

namespace hearth::mkmodel {
namespace {

struct GgufDeleter {
    void operator()(gguf_context* ctx) const { gguf_free(ctx); }
};

// The per-channel normalisation the real preprocessors apply: OpenAI CLIP's dataset statistics for LLaVA,
// a plain [-1, 1] scaling for SigLIP.
constexpr std::array<float, 3> CLIP_IMAGE_MEAN{0.48145466F, 0.4578275F, 0.40821073F};
constexpr std::array<float, 3> CLIP_IMAGE_STD{0.26862954F, 0.26130258F, 0.27577711F};
constexpr std::array<float, 3> SIGLIP_IMAGE_MEAN{0.5F, 0.5F, 0.5F};
constexpr std::array<float, 3> SIGLIP_IMAGE_STD{0.5F, 0.5F, 0.5F};

// clip.cpp's pooling kernel for Gemma 3 when the file names none: every released Gemma 3 model uses it.
constexpr int GEMMA3_DEFAULT_POOL = 4;
constexpr int64_t RGB = 3;

std::string layer_name(int layer, const char* suffix) {
    return "v.blk." + std::to_string(layer) + "." + suffix;
}

int64_t patch_count(const VisionShape& vision) {
    const int64_t side = vision.image_size / vision.patch_size;
    return side * side;
}

uint64_t read_uint(const gguf_context* meta, int64_t id) {
    switch (gguf_get_kv_type(meta, id)) {
        case GGUF_TYPE_UINT32: return gguf_get_val_u32(meta, id);
        case GGUF_TYPE_INT32: return static_cast<uint64_t>(std::max(0, gguf_get_val_i32(meta, id)));
        case GGUF_TYPE_UINT64: return gguf_get_val_u64(meta, id);
        default: return 0;
    }
}

void set_f32_array(gguf_context* meta, const char* key, const std::array<float, 3>& values) {
    gguf_set_arr_data(meta, key, GGUF_TYPE_FLOAT32, values.data(), values.size());
}

void set_clip_keys(gguf_context* meta, const ModelConfig& config) {
    const VisionShape& vision = config.vision;
    const bool gemma3 = vision.projector == Projector::GEMMA3;
    set_general_keys(meta, "clip", config);
    gguf_set_val_str(meta, "general.type", "mmproj");
    gguf_set_val_bool(meta, "clip.has_vision_encoder", true);
    gguf_set_val_bool(meta, "clip.has_text_encoder", false);
    // Older loaders (and tools that list files) look for this LLaVA flag; today's clip.cpp derives it.
    gguf_set_val_bool(meta, "clip.has_llava_projector", !gemma3);
    gguf_set_val_str(meta, "clip.projector_type", projector_to_string(vision.projector).c_str());
    // SigLIP's tanh-approximated GELU; without the flag clip.cpp runs OpenAI CLIP's quick GELU.
    gguf_set_val_bool(meta, "clip.use_gelu", gemma3);
    gguf_set_val_u32(meta, "clip.vision.image_size", static_cast<uint32_t>(vision.image_size));
    gguf_set_val_u32(meta, "clip.vision.patch_size", static_cast<uint32_t>(vision.patch_size));
    gguf_set_val_u32(meta, "clip.vision.embedding_length", static_cast<uint32_t>(config.embd));
    gguf_set_val_u32(meta, "clip.vision.feed_forward_length", static_cast<uint32_t>(config.ff));
    gguf_set_val_u32(meta, "clip.vision.block_count", static_cast<uint32_t>(config.layers));
    gguf_set_val_u32(meta, "clip.vision.attention.head_count", static_cast<uint32_t>(config.heads));
    gguf_set_val_f32(meta, "clip.vision.attention.layer_norm_epsilon", config.norm_eps);
    gguf_set_val_u32(meta, "clip.vision.projection_dim", static_cast<uint32_t>(vision.proj_embd));
    set_f32_array(meta, "clip.vision.image_mean", gemma3 ? SIGLIP_IMAGE_MEAN : CLIP_IMAGE_MEAN);
    set_f32_array(meta, "clip.vision.image_std", gemma3 ? SIGLIP_IMAGE_STD : CLIP_IMAGE_STD);
    if (gemma3 && vision.pool != GEMMA3_DEFAULT_POOL) {
        // As the converter writes it for Google's tiny test model: only when it is not the default.
        gguf_set_val_u32(meta, "clip.vision.projector.scale_factor", static_cast<uint32_t>(vision.pool));
    }
}

void add_embeddings(GgufWriter& writer, const ModelConfig& config) {
    const VisionShape& vision = config.vision;
    const int64_t embd = config.embd;
    const bool gemma3 = vision.projector == Projector::GEMMA3;
    const int64_t positions = patch_count(vision) + (gemma3 ? 0 : 1);  // CLIP adds a class token
    // The converters keep the patch convolution in a float type; SigLIP's position table is added straight
    // onto f32 activations (ggml's CPU add has no f32 + f16 kernel), so Gemma 3's stays f32 as in real files.
    const ggml_type patch_type = gemma3 ? GGML_TYPE_F32 : float_storage_type(config.type);
    const ggml_type position_type = gemma3 ? GGML_TYPE_F32 : float_storage_type(config.type);
    writer.add_tensor(TensorSpec{
        "v.patch_embd.weight", {vision.patch_size, vision.patch_size, RGB, embd}, patch_type, TensorInit::NORMAL});
    if (gemma3) {
        writer.add_tensor(bias_tensor("v.patch_embd.bias", embd));
    } else {
        // Concatenated to f32 patch embeddings, so it must be f32 too.
        writer.add_tensor(TensorSpec{"v.class_embd", {embd}, GGML_TYPE_F32, TensorInit::NORMAL});
    }
    writer.add_tensor(TensorSpec{"v.position_embd.weight", {embd, positions}, position_type, TensorInit::NORMAL});
    if (!gemma3) {
        writer.add_tensor(norm_tensor("v.pre_ln.weight", embd));
        writer.add_tensor(bias_tensor("v.pre_ln.bias", embd));
    }
}

void add_linear(GgufWriter& writer, const std::string& name, int64_t in, int64_t out, WeightType type) {
    writer.add_tensor(weight_tensor(name + ".weight", {in, out}, type));
    writer.add_tensor(bias_tensor(name + ".bias", out));
}

void add_layer_norm(GgufWriter& writer, const std::string& name, int64_t length) {
    writer.add_tensor(norm_tensor(name + ".weight", length));
    writer.add_tensor(bias_tensor(name + ".bias", length));
}

void add_layer(GgufWriter& writer, const ModelConfig& config, int layer) {
    const int64_t embd = config.embd;
    const int64_t ff = config.ff;
    const WeightType type = config.type;
    add_layer_norm(writer, layer_name(layer, "ln1"), embd);
    for (const char* proj : {"attn_q", "attn_k", "attn_v", "attn_out"}) {
        add_linear(writer, layer_name(layer, proj), embd, embd, type);
    }
    add_layer_norm(writer, layer_name(layer, "ln2"), embd);
    // fc1 is ffn_up and fc2 ffn_down, as the current converters name them; clip.cpp would swap back files
    // written the old way round, recognised by ffn_down's rows being embd long.
    add_linear(writer, layer_name(layer, "ffn_up"), embd, ff, type);
    add_linear(writer, layer_name(layer, "ffn_down"), ff, embd, type);
}

void add_projector(GgufWriter& writer, const ModelConfig& config) {
    const int64_t embd = config.embd;
    const int64_t proj = config.vision.proj_embd;
    if (config.vision.projector == Projector::MLP) {
        add_linear(writer, "mm.0", embd, proj, config.type);
        add_linear(writer, "mm.2", proj, proj, config.type);
        return;
    }
    // SigLIP layer-norms the tower's output (its post_layernorm) before Gemma 3 pools and projects it.
    add_layer_norm(writer, "v.post_ln", embd);
    writer.add_tensor(norm_tensor("mm.soft_emb_norm.weight", embd));
    // clip.cpp transposes this matrix in the graph, which ggml cannot do for quantized blocks: a float type,
    // as the converter forces. Rows are the text model's width, so ne[0] is the projector's output.
    writer.add_tensor(
        TensorSpec{"mm.input_projection.weight", {proj, embd}, float_storage_type(config.type), TensorInit::NORMAL});
}

}  // namespace

int text_embedding_length(const std::string& path) {
    gguf_init_params params{};
    params.no_alloc = true;
    params.ctx = nullptr;
    const std::unique_ptr<gguf_context, GgufDeleter> meta(gguf_init_from_file(path.c_str(), params));
    if (!meta) {
        throw UsageError("cannot read the text model " + path + " (missing, or not a GGUF file)");
    }
    const int64_t arch_id = gguf_find_key(meta.get(), "general.architecture");
    if (arch_id < 0 || gguf_get_kv_type(meta.get(), arch_id) != GGUF_TYPE_STRING) {
        throw UsageError(path + " has no general.architecture: not a model");
    }
    const std::string arch = gguf_get_val_str(meta.get(), arch_id);
    if (arch == "clip") {
        throw UsageError(path + " is a projector itself: give the text model it is for");
    }
    const std::string key = arch + ".embedding_length";
    const int64_t id = gguf_find_key(meta.get(), key.c_str());
    const uint64_t embd = id < 0 ? 0 : read_uint(meta.get(), id);
    if (embd == 0 || embd > (uint64_t{1} << 24U)) {
        throw UsageError(path + " has no usable " + key);
    }
    return static_cast<int>(embd);
}

void write_clip_model(const ModelConfig& config, OutputFiles& out) {
    GgufWriter writer;
    set_clip_keys(writer.meta(), config);
    add_embeddings(writer, config);
    for (int layer = 0; layer < config.layers; ++layer) {
        add_layer(writer, config, layer);
    }
    add_projector(writer, config);
    writer.write(out, config.seed, config.threads, config.block_pool);
}

}  // namespace hearth::mkmodel
