// What to generate: architecture, shapes, weight type, seed and where tokenizer data comes from.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace hearth::mkmodel {

// Raised for anything the caller got wrong (bad option, missing input file, unwritable output);
// main turns it into one error line and exit code 2.
class UsageError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// CLIP: a vision projector ("mmproj") for libmtmd, which feeds images to a text model of another architecture.
// GEMMA3: Gemma 3's text decoder (local sliding-window layers interleaved with global ones).
// WAVTOKENIZER: WavTokenizer's decoder (llama.cpp's wavtokenizer-dec), OuteTTS's vocoder: audio codes in,
// spectrogram frames out.
enum class Arch { LLAMA, QWEN2, QWEN3, GEMMA3, BERT, RERANK, WHISPER, CLIP, WAVTOKENIZER };
enum class WeightType { F32, F16, Q8_0, Q4_0, Q4_K };
// NONE: a decoder writes no pooling key (a text-generation model); a BERT model then pools by mean.
enum class Pooling { NONE, MEAN, CLS, LAST };
// The projector from vision features to the text model's embeddings, as clip.projector_type names it.
// MLP: LLaVA-1.5 (a CLIP ViT, then two linear layers with GELU between); GEMMA3: a SigLIP tower, average
// pooling over the patch grid, an RMS norm and one linear projection.
enum class Projector { MLP, GEMMA3 };

// The image side of a CLIP model; the tower's layers, width, feed-forward size and heads are ModelConfig's.
struct VisionShape {
    Projector projector = Projector::MLP;
    int image_size = 0;  // the square the preprocessor resizes every image to, in pixels
    int patch_size = 0;  // one patch per image token before pooling
    int pool = 1;        // Gemma 3's average pooling kernel over the patch grid (4 in the real models)
    int proj_embd = 0;   // output width: the text model's embedding length; 0 until --mmproj-for/--proj-embd
};

// Gemma 3's interleaved attention: every pattern-th layer attends globally, the others see only the last
// `window` tokens and rotate with their own, lower RoPE base.
struct SlidingWindow {
    int window = 0;   // tokens a local layer attends to; 0: every layer is global
    int pattern = 0;  // layer i is local unless (i + 1) % pattern == 0 (llama.cpp's set_swa_pattern)
    float rope_theta = 10000.0F;
};

// OuteTTS's language models are Qwen2.5 models whose vocabulary gained its speech tokens (text and audio markers,
// 4100 audio codes, word durations); 0.3 adds word separators and punctuation tokens and names its version
// in the chat template.
enum class OuteTts { NONE, V0_2, V0_3 };

// The vocoder's own sizes; its ConvNeXt blocks are ModelConfig's layers, embd (also the PosNet width) and ff.
struct VocoderShape {
    int features = 512;   // width of a codebook entry
    int codebook = 4096;  // audio codes, the vocoder's input ids 0..codebook-1
    int output = 1282;    // frame width: n_fft / 2 + 1 log-magnitudes, then as many phases (n_fft 1280)
    int groups = 32;      // group norm groups
};

struct ModelConfig {
    std::string name;  // general.name; the preset name or the architecture name
    Arch arch = Arch::LLAMA;
    int layers = 2;
    int embd = 64;
    int ff = 256;
    int heads = 4;
    int kv_heads = 4;
    int head_dim = 0;  // 0: embd / heads; Qwen3 uses a wider head than that
    int ctx = 2048;    // training context (positional table size for BERT, text context for Whisper)
    float rope_theta = 10000.0F;
    float norm_eps = 1e-5F;
    bool tied_embeddings = true;  // no output.weight: llama.cpp reuses token_embd
    Pooling pooling = Pooling::NONE;
    std::string vocab;          // ggml-vocab-<vocab>.gguf, or for-tests-ggml-<vocab>.bin for Whisper
    std::string chat_template;  // templates/<chat_template>.jinja; empty for none
    int eos_token_id = -1;      // instruct models end turns with a chat token, not the vocab file's eos; -1 keeps it
    WeightType type = WeightType::F16;
    uint64_t seed = 42;
    int threads = 1;  // generation threads; the output bytes do not depend on it
    // Quantized matrices made of blocks drawn from a pool of quantized blocks instead of quantizing every
    // value: some 50x faster for multi-GB models (an 8B Q4_K in seconds, not minutes). Rows stay distinct
    // (each block is drawn on its own); blocks repeat across the model.
    bool block_pool = false;
    VisionShape vision;               // only for Arch::CLIP
    SlidingWindow swa;                // only for Arch::GEMMA3
    OuteTts outetts = OuteTts::NONE;  // only for Arch::QWEN2
    VocoderShape vocoder;             // only for Arch::WAVTOKENIZER
    // Decoders: the layers from inert_from on write their attention output and FFN down projections
    // inert_scale times the usual size; 0 (zero matrices) leaves the residual stream untouched, so the model
    // says exactly what its first inert_from layers say (a model of those layers is its perfect draft).
    // -1: none.
    int inert_from = -1;
    float inert_scale = 0.0F;
};

// Directories holding the real tokenizer data that generated models copy.
struct SourceDirs {
    std::string vocab_dir;          // llama.cpp's models/: ggml-vocab-*.gguf and templates/*.jinja
    std::string whisper_vocab_dir;  // whisper.cpp's weightless for-tests-ggml-*.bin headers
};

Arch arch_from_string(const std::string& text);
std::string arch_to_string(Arch arch);
WeightType weight_type_from_string(const std::string& text);
std::string weight_type_to_string(WeightType type);
Pooling pooling_from_string(const std::string& text);

// Per-architecture defaults for vocab, template and norm epsilon, used when the caller gave none.
void apply_arch_defaults(ModelConfig& config);

// Throws UsageError when the shapes cannot form a valid model of the architecture.
void validate_config(const ModelConfig& config);

std::string projector_to_string(Projector projector);

// Image tokens a CLIP model gives each image: its patch grid, less the pooling.
int image_tokens_of(const VisionShape& vision);

inline int head_dim_of(const ModelConfig& config) {
    return config.head_dim > 0 ? config.head_dim : config.embd / config.heads;
}

}  // namespace hearth::mkmodel
