#include "model_config.h"

#include <array>
#include <string_view>
#include <utility>

namespace hearth::mkmodel {
namespace {

constexpr std::array<std::pair<std::string_view, Arch>, 9> ARCH_NAMES{{
    {"llama", Arch::LLAMA},
    {"qwen2", Arch::QWEN2},
    {"qwen3", Arch::QWEN3},
    {"gemma3", Arch::GEMMA3},
    {"bert", Arch::BERT},
    {"rerank", Arch::RERANK},
    {"whisper", Arch::WHISPER},
    {"clip", Arch::CLIP},
    {"wavtokenizer", Arch::WAVTOKENIZER},
}};

// clip.cpp refuses larger images: the patch count must fit an int32.
constexpr int MAX_IMAGE_SIZE = 8192;

constexpr std::array<std::pair<std::string_view, WeightType>, 5> TYPE_NAMES{{
    {"f32", WeightType::F32},
    {"f16", WeightType::F16},
    {"q8_0", WeightType::Q8_0},
    {"q4_0", WeightType::Q4_0},
    {"q4_k", WeightType::Q4_K},
}};

void require(bool condition, const std::string& message) {
    if (!condition) {
        throw UsageError(message);
    }
}

bool is_decoder(Arch arch) {
    return arch == Arch::LLAMA || arch == Arch::QWEN2 || arch == Arch::QWEN3 || arch == Arch::GEMMA3;
}

void validate_vision(const ModelConfig& config) {
    const VisionShape& vision = config.vision;
    require(config.head_dim == 0 || config.head_dim * config.heads == config.embd,
            "clip: --head-dim must equal --embd / --heads");
    require(vision.proj_embd >= 1, "a projector needs the text model's width: --mmproj-for TEXT.gguf or --proj-embd N");
    require(vision.patch_size >= 1 && vision.image_size >= vision.patch_size && vision.image_size <= MAX_IMAGE_SIZE &&
                vision.image_size % vision.patch_size == 0,
            "--image-size " + std::to_string(vision.image_size) + " must be a multiple of the patch size " +
                std::to_string(vision.patch_size) + ", at most " + std::to_string(MAX_IMAGE_SIZE));
    if (vision.projector == Projector::MLP) {
        // LLaVA reads the features before the last layer, so a one-layer tower would run no layer at all.
        require(config.layers >= 2, "clip mlp: --layers must be at least 2 (LLaVA skips the last layer)");
        return;
    }
    // The pooled grid must tile the patch grid exactly: clip.cpp counts tokens as patches / pool^2.
    const int side = vision.image_size / vision.patch_size;
    require(side % vision.pool == 0, "gemma3: --image-size " + std::to_string(vision.image_size) + " gives " +
                                         std::to_string(side) + " patches a side, not a multiple of the " +
                                         std::to_string(vision.pool) + "x" + std::to_string(vision.pool) + " pooling");
}

// The pinned llama.cpp tree has no Gemma 3 vocabulary. Gemma 4's is the closest: 262,144 tokens of the same
// family (BPE rather than SentencePiece), with the chat and image control tokens at Gemma 3's ids (105, 106,
// 255999, 256000), which the writer renames to Gemma 3's texts. Gemma 2's template renders Gemma 3's turns
// (<start_of_turn>user ... <end_of_turn>); Gemma 3's own adds only system-prompt folding and image items.
void apply_gemma3_defaults(ModelConfig& config, bool no_vocab, bool no_template) {
    config.vocab = no_vocab ? "gemma-4" : config.vocab;
    config.chat_template = no_template ? "google-gemma-2-2b-it" : config.chat_template;
    config.norm_eps = 1e-6F;
    // Global layers use 1M, local ones 10k, as in every Gemma 3 size.
    config.rope_theta = 1000000.0F;
    config.swa = SlidingWindow{512, 6, 10000.0F};
}

// One --embd serves the PosNet and the ConvNeXt stack (llama.cpp's graph requires equal widths); a frame holds
// as many phases as magnitudes.
void validate_vocoder(const ModelConfig& config) {
    const VocoderShape& vocoder = config.vocoder;
    require(config.vocab.empty(), "wavtokenizer: no --vocab (its input ids are codebook indices)");
    require(vocoder.features >= 1 && vocoder.codebook >= 1, "wavtokenizer: the codebook must not be empty");
    require(vocoder.output >= 2 && vocoder.output % 2 == 0,
            "wavtokenizer: the frame width must be even (magnitudes and phases)");
    require(vocoder.groups >= 1 && config.embd % vocoder.groups == 0,
            "wavtokenizer: --embd " + std::to_string(config.embd) + " is not a multiple of the " +
                std::to_string(vocoder.groups) + " group-norm groups");
}

void validate_decoder(const ModelConfig& config) {
    require(config.kv_heads >= 1, "--kv-heads must be positive");
    require(config.heads % config.kv_heads == 0, "--heads " + std::to_string(config.heads) +
                                                     " is not a multiple of --kv-heads " +
                                                     std::to_string(config.kv_heads));
    // RoPE rotates pairs of dimensions, so a head must have an even width.
    require(head_dim_of(config) % 2 == 0, "the attention head width must be even for RoPE");
    // llama.cpp's qwen2 loader sizes the Q and output projections as embd x embd.
    require(config.arch != Arch::QWEN2 || head_dim_of(config) * config.heads == config.embd,
            "qwen2: --head-dim times --heads must equal --embd");
    if (config.arch == Arch::GEMMA3) {
        // llama.cpp reads pattern 0 as "every layer local", and aborts on a window that pattern 1 leaves no
        // local layer for.
        require(config.swa.window == 0 || config.swa.pattern >= 2,
                "gemma3: --swa-pattern must be at least 2 with a sliding window (or --sliding-window 0)");
        require(config.pooling == Pooling::NONE, "gemma3: --pooling is not supported (a text-generation model)");
    }
}

}  // namespace

Arch arch_from_string(const std::string& text) {
    for (const auto& [name, arch] : ARCH_NAMES) {
        if (name == text) {
            return arch;
        }
    }
    throw UsageError("unknown architecture '" + text +
                     "' (expected llama, qwen2, qwen3, gemma3, bert, rerank, whisper, clip or wavtokenizer)");
}

std::string arch_to_string(Arch arch) {
    for (const auto& [name, value] : ARCH_NAMES) {
        if (value == arch) {
            return std::string(name);
        }
    }
    return "unknown";
}

WeightType weight_type_from_string(const std::string& text) {
    for (const auto& [name, type] : TYPE_NAMES) {
        if (name == text) {
            return type;
        }
    }
    throw UsageError("unknown weight type '" + text + "' (expected f32, f16, q8_0, q4_0 or q4_k)");
}

std::string weight_type_to_string(WeightType type) {
    for (const auto& [name, value] : TYPE_NAMES) {
        if (value == type) {
            return std::string(name);
        }
    }
    return "unknown";
}

std::string projector_to_string(Projector projector) {
    return projector == Projector::GEMMA3 ? "gemma3" : "mlp";
}

int image_tokens_of(const VisionShape& vision) {
    if (vision.patch_size <= 0 || vision.pool <= 0) {
        return 0;
    }
    const int side = vision.image_size / vision.patch_size / vision.pool;
    return side * side;
}

Pooling pooling_from_string(const std::string& text) {
    if (text == "mean") {
        return Pooling::MEAN;
    }
    if (text == "cls") {
        return Pooling::CLS;
    }
    if (text == "last") {
        return Pooling::LAST;
    }
    throw UsageError("unknown pooling '" + text + "' (expected mean, cls or last)");
}

void apply_arch_defaults(ModelConfig& config) {
    const bool no_vocab = config.vocab.empty();
    const bool no_template = config.chat_template.empty();
    switch (config.arch) {
        case Arch::LLAMA:
            // The default vocabulary is Llama 3's, so the RoPE base is Llama 3's too.
            config.vocab = no_vocab ? "llama-bpe" : config.vocab;
            config.chat_template = no_template ? "meta-llama-Llama-3.2-3B-Instruct" : config.chat_template;
            config.rope_theta = 500000.0F;
            break;
        case Arch::QWEN2:
        case Arch::QWEN3:
            config.vocab = no_vocab ? "qwen2" : config.vocab;
            if (no_template) {
                config.chat_template = config.arch == Arch::QWEN2 ? "Qwen-Qwen2.5-7B-Instruct" : "Qwen-Qwen3-0.6B";
            }
            config.norm_eps = 1e-6F;
            config.rope_theta = 1000000.0F;
            break;
        case Arch::GEMMA3: apply_gemma3_defaults(config, no_vocab, no_template); break;
        case Arch::BERT:
        case Arch::RERANK:
            config.vocab = no_vocab ? "bert-bge" : config.vocab;
            config.norm_eps = 1e-12F;
            break;
        case Arch::WHISPER: config.vocab = no_vocab ? "tiny" : config.vocab; break;
        case Arch::WAVTOKENIZER:
            // No vocabulary: the input ids are codebook indices. One attention head (PosNet's).
            config.vocab.clear();
            config.norm_eps = 1e-6F;
            config.heads = 1;
            config.kv_heads = 1;
            config.ctx = 8192;
            break;
        case Arch::CLIP:
            // --arch clip starts from the tiny LLaVA-style projector; presets set their own image shape.
            config.norm_eps = 1e-5F;
            if (config.vision.patch_size == 0) {
                config.vision = VisionShape{Projector::MLP, 84, 14, 1, 0};
            }
            break;
    }
    if (config.name.empty()) {
        config.name = arch_to_string(config.arch);
    }
}

void validate_config(const ModelConfig& config) {
    require(config.layers >= 1 && config.layers <= 512, "--layers must be between 1 and 512");
    require(config.embd >= 1, "--embd must be positive");
    require(config.heads >= 1, "--heads must be positive");
    require(config.ctx >= 1 || config.arch == Arch::CLIP, "--ctx must be positive");  // a projector has none
    require(config.head_dim >= 0, "--head-dim must not be negative");
    require(config.embd % config.heads == 0 || config.head_dim > 0,
            "--embd " + std::to_string(config.embd) + " is not divisible by --heads " + std::to_string(config.heads));
    if (config.arch == Arch::WHISPER) {
        require(config.embd % config.heads == 0, "whisper: --embd must be divisible by --heads");
        require(config.ctx >= 16, "whisper: --ctx (text context) must be at least 16");
        return;
    }
    require(config.ff >= 1, "--ff must be positive");
    require(config.outetts == OuteTts::NONE || config.arch == Arch::QWEN2, "OuteTTS tokens need a qwen2 model");
    if (config.arch == Arch::WAVTOKENIZER) {
        validate_vocoder(config);
        return;
    }
    if (config.arch == Arch::CLIP) {
        validate_vision(config);
        return;
    }
    if (is_decoder(config.arch)) {
        validate_decoder(config);
    } else {
        require(config.head_dim == 0 || config.head_dim * config.heads == config.embd,
                "bert: --head-dim must equal --embd / --heads");
    }
}

}  // namespace hearth::mkmodel
