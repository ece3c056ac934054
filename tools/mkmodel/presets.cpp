#include "presets.h"

#include <iterator>

namespace hearth::mkmodel {
namespace {

struct Shape {
    int layers;
    int embd;
    int ff;
    int heads;
    int kv_heads;
    int head_dim;
    int ctx;
};

ModelConfig make(const std::string& name, Arch arch, const Shape& shape, const std::string& chat_template) {
    ModelConfig config;
    config.name = name;
    config.arch = arch;
    apply_arch_defaults(config);
    config.layers = shape.layers;
    config.embd = shape.embd;
    config.ff = shape.ff;
    config.heads = shape.heads;
    config.kv_heads = shape.kv_heads;
    config.head_dim = shape.head_dim;
    config.ctx = shape.ctx;
    config.chat_template = chat_template;
    return config;
}

// Token ids in the real vocabularies: Llama 3's <|eot_id|> and Qwen's <|im_end|>, which the instruct models
// declare as eos so that generation stops at the end of a chat turn.
constexpr int LLAMA3_EOT_ID = 128009;
constexpr int QWEN_IM_END_ID = 151645;
// Gemma 3's <end_of_turn>, which Gemma 3 instruct files declare as eos (renamed from Gemma 4's <turn|>).
constexpr int GEMMA3_END_OF_TURN_ID = 106;
constexpr const char* GEMMA2_TEMPLATE = "google-gemma-2-2b-it";

ModelConfig llama3(const std::string& name, const Shape& shape, const std::string& chat_template, bool tied) {
    ModelConfig config = make(name, Arch::LLAMA, shape, chat_template);
    config.tied_embeddings = tied;
    config.eos_token_id = LLAMA3_EOT_ID;
    return config;
}

ModelConfig qwen(const std::string& name, Arch arch, const Shape& shape, const std::string& chat_template) {
    ModelConfig config = make(name, arch, shape, chat_template);
    config.eos_token_id = QWEN_IM_END_ID;
    return config;
}

// Mistral 7B v0.1 shipped Llama 2's SentencePiece vocabulary (<s>, </s>); the tool-calling template's markers
// ([INST], [TOOL_CALLS], ...) are not tokens of it, so they render and parse as plain text.
ModelConfig mistral(const std::string& name, const Shape& shape, const std::string& chat_template) {
    ModelConfig config = make(name, Arch::LLAMA, shape, chat_template);
    config.vocab = "llama-spm";
    config.rope_theta = 1000000.0F;
    return config;
}

// Gemma 3 with arch defaults: Gemma 4's vocabulary with Gemma 3's control token names (the pinned tree has no
// Gemma 3 vocabulary), Gemma 2's template (Gemma 3's turn format), RoPE bases 1M global and 10k local.
ModelConfig gemma3(const std::string& name, const Shape& shape, const SlidingWindow& swa) {
    ModelConfig config = make(name, Arch::GEMMA3, shape, GEMMA2_TEMPLATE);
    config.swa = swa;
    config.eos_token_id = GEMMA3_END_OF_TURN_ID;
    return config;
}

ModelConfig bert(const std::string& name, Arch arch, const Shape& shape, Pooling pooling) {
    ModelConfig config = make(name, arch, shape, "");
    config.pooling = pooling;
    return config;
}

ModelConfig whisper(const std::string& name, const std::string& vocab, const Shape& shape) {
    ModelConfig config = make(name, Arch::WHISPER, shape, "");
    config.vocab = vocab;
    return config;
}

// OuteTTS: a Qwen2.5 model whose vocabulary gained the speech tokens (outetts_vocab.h), no chat template (0.3
// writes its version marker there), generation ending at <|im_end|> or <|audio_end|>.
ModelConfig outetts(const std::string& name, const Shape& shape, OuteTts version) {
    ModelConfig config = qwen(name, Arch::QWEN2, shape, "");
    config.outetts = version;
    return config;
}

// Two random layers leave the hidden state close to the last token's embedding, so with tied embeddings greedy
// decoding repeats that token forever; the test-size speech models get their own output matrix, and so say
// varied codes (the real-size presets stay tied, as the models they stand for).
ModelConfig untied(ModelConfig config) {
    config.tied_embeddings = false;
    return config;
}

// WavTokenizer's decoder: shape.layers ConvNeXt blocks of shape.embd (also the PosNet width) and shape.ff.
ModelConfig wavtokenizer(const std::string& name, const Shape& shape, const VocoderShape& vocoder) {
    ModelConfig config = make(name, Arch::WAVTOKENIZER, shape, "");
    config.vocoder = vocoder;
    return config;
}

// A vision projector sized for no text model yet: --mmproj-for or --proj-embd gives its output width.
ModelConfig projector(const std::string& name, const Shape& shape, const VisionShape& vision) {
    ModelConfig config = make(name, Arch::CLIP, shape, "");
    config.vision = vision;
    // SigLIP's layer norms use 1e-6, OpenAI CLIP's 1e-5.
    config.norm_eps = vision.projector == Projector::GEMMA3 ? 1e-6F : 1e-5F;
    return config;
}

constexpr const char* QWEN25_TEMPLATE = "Qwen-Qwen2.5-7B-Instruct";
constexpr const char* QWEN3_TEMPLATE = "Qwen-Qwen3-0.6B";
constexpr const char* LLAMA32_TEMPLATE = "meta-llama-Llama-3.2-3B-Instruct";
constexpr const char* LLAMA31_TEMPLATE = "meta-llama-Llama-3.1-8B-Instruct";
constexpr const char* QWQ_TEMPLATE = "Qwen-QwQ-32B";
constexpr const char* MISTRAL_NEMO_TEMPLATE = "mistralai-Mistral-Nemo-Instruct-2407";

// Real models at their published sizes.
std::vector<Preset> real_size_presets() {
    return {
        {"qwen2.5-0.5b", "Qwen2.5-0.5B-Instruct shapes: 24 layers, 896 dim, GQA 14/2, tied embeddings",
         qwen("qwen2.5-0.5b", Arch::QWEN2, {24, 896, 4864, 14, 2, 0, 32768}, QWEN25_TEMPLATE)},
        {"qwen3-0.6b", "Qwen3-0.6B shapes: 28 layers, 1024 dim, 16/8 heads of 128, tied embeddings",
         qwen("qwen3-0.6b", Arch::QWEN3, {28, 1024, 3072, 16, 8, 128, 40960}, QWEN3_TEMPLATE)},
        {"llama-3.2-1b", "Llama-3.2-1B-Instruct shapes: 16 layers, 2048 dim, GQA 32/8, tied embeddings",
         llama3("llama-3.2-1b", {16, 2048, 8192, 32, 8, 0, 131072}, LLAMA32_TEMPLATE, true)},
        {"llama-3.1-8b", "Llama-3.1-8B-Instruct shapes: 32 layers, 4096 dim, GQA 32/8, separate output head",
         llama3("llama-3.1-8b", {32, 4096, 14336, 32, 8, 0, 131072}, LLAMA31_TEMPLATE, false)},
        {"gemma3-1b",
         "Gemma-3-1B-it shapes: 26 layers, 1152 dim, 4/1 heads of 256, window 512 on 5 of every 6 layers, tied; "
         "Gemma 4 vocab renamed to Gemma 3's control tokens, Gemma 2 template",
         gemma3("gemma3-1b", {26, 1152, 6912, 4, 1, 256, 32768}, {512, 6, 10000.0F})},
        {"outetts-0.2-500m",
         "OuteTTS-0.2-500M shapes: Qwen2.5-0.5B (24 layers, 896 dim, GQA 14/2, tied) with OuteTTS's speech tokens "
         "(markers, <|0|>..<|4099|>, <|t_0.00|>..<|t_9.99|>)",
         outetts("outetts-0.2-500m", {24, 896, 4864, 14, 2, 0, 8192}, OuteTts::V0_2)},
        {"outetts-0.3-500m",
         "OuteTTS-0.3-500M shapes: as 0.2 plus <|space|> and punctuation tokens, template \"outetts-0.3\"",
         outetts("outetts-0.3-500m", {24, 896, 4864, 14, 2, 0, 8192}, OuteTts::V0_3)},
        {"wavtokenizer-large-75",
         "WavTokenizer-Large-75 decoder (OuteTTS's vocoder): 4096 codes of 512, PosNet 768 x 6, ConvNeXt 768 x 12, "
         "ff 2304, 1282-wide frames (n_fft 1280), 32 groups",
         wavtokenizer("wavtokenizer-large-75", {12, 768, 2304, 1, 1, 0, 8192}, {512, 4096, 1282, 32})},
        {"bge-small", "bge-small-en-v1.5 shapes: BERT, 12 layers, 384 dim, CLS pooling",
         bert("bge-small", Arch::BERT, {12, 384, 1536, 12, 12, 0, 512}, Pooling::CLS)},
        {"bge-reranker-base", "bge-reranker-base shapes: BERT cross-encoder, 12 layers, 768 dim, rank pooling",
         bert("bge-reranker-base", Arch::RERANK, {12, 768, 3072, 12, 12, 0, 512}, Pooling::CLS)},
        {"whisper-tiny", "Whisper tiny: 4+4 layers, 384 dim, 6 heads, multilingual vocab",
         whisper("whisper-tiny", "tiny", {4, 384, 0, 6, 6, 0, 448})},
        {"whisper-base", "Whisper base: 6+6 layers, 512 dim, 8 heads, multilingual vocab",
         whisper("whisper-base", "base", {6, 512, 0, 8, 8, 0, 448})},
        // Real LLaVA-1.5 mmproj files hold 23 of ViT-L's 24 layers: the last one's output is never used.
        {"clip-vit-l-336-mlp",
         "LLaVA-1.5 projector: CLIP ViT-L/14 at 336 px (23 of 24 layers, as shipped), 1024 dim, 2-layer MLP; "
         "576 image tokens",
         projector("clip-vit-l-336-mlp", {23, 1024, 4096, 16, 16, 0, 0}, {Projector::MLP, 336, 14, 1, 0})},
        {"gemma3-siglip-896",
         "Gemma 3 projector: SigLIP at 896 px, 27 layers, 1152 dim, 4x4 average pooling; 256 image tokens",
         projector("gemma3-siglip-896", {27, 1152, 4304, 16, 16, 0, 0}, {Projector::GEMMA3, 896, 14, 4, 0})},
    };
}

// Test-size variants: the same architectures and tokenizers, small enough to generate and run in a second.
std::vector<Preset> test_size_presets() {
    return {
        {"tiny-llama", "test size llama: 2 layers, 64 dim, GQA 4/2, Llama 3 vocab and template",
         llama3("tiny-llama", {2, 64, 256, 4, 2, 0, 4096}, LLAMA32_TEMPLATE, true)},
        {"tiny-qwen2", "test size qwen2: 2 layers, 64 dim, GQA 4/2, Qwen2.5 vocab and template",
         qwen("tiny-qwen2", Arch::QWEN2, {2, 64, 256, 4, 2, 0, 4096}, QWEN25_TEMPLATE)},
        {"tiny-qwen3", "test size qwen3: 2 layers, 64 dim, 4/2 heads of 32, Qwen3 vocab and template",
         qwen("tiny-qwen3", Arch::QWEN3, {2, 64, 256, 4, 2, 32, 4096}, QWEN3_TEMPLATE)},
        // A 16-token window and a pattern of 2 (layer 0 local, layer 1 global): a prompt of a few dozen tokens
        // already runs both kinds of layer and the sliding-window mask.
        {"tiny-gemma3",
         "test size gemma3: 2 layers (local + global, window 16), 64 dim, 4/1 heads of 32, Gemma 4 vocab renamed "
         "to Gemma 3's control tokens, Gemma 2 template",
         gemma3("tiny-gemma3", {2, 64, 256, 4, 1, 32, 4096}, {16, 2, 10000.0F})},
        // QwQ's template opens the answer with "<think>\n": whatever a random model says is reasoning.
        {"tiny-qwq", "test size qwen2: 2 layers, 64 dim, GQA 4/2, Qwen2.5 vocab, QwQ template (thinks first)",
         qwen("tiny-qwq", Arch::QWEN2, {2, 64, 256, 4, 2, 0, 4096}, QWQ_TEMPLATE)},
        {"tiny-mistral",
         "test size llama: 2 layers, 64 dim, GQA 4/2, Mistral v1 (Llama 2) vocab, Mistral Nemo template",
         mistral("tiny-mistral", {2, 64, 256, 4, 2, 0, 4096}, MISTRAL_NEMO_TEMPLATE)},
        {"tiny-bert", "test size BERT embedder: 2 layers, 64 dim, CLS pooling, bge vocab",
         bert("tiny-bert", Arch::BERT, {2, 64, 256, 4, 4, 0, 512}, Pooling::CLS)},
        {"tiny-rerank", "test size BERT reranker: 2 layers, 64 dim, rank pooling, bge vocab",
         bert("tiny-rerank", Arch::RERANK, {2, 64, 256, 4, 4, 0, 512}, Pooling::CLS)},
        {"tiny-clip-mlp", "test size LLaVA-style projector: 84 px, patch 14, 2 layers, 64 dim; 36 image tokens",
         projector("tiny-clip-mlp", {2, 64, 256, 4, 4, 0, 0}, {Projector::MLP, 84, 14, 1, 0})},
        {"tiny-gemma3-vision",
         "test size Gemma 3 projector: 112 px, patch 14, 2 layers, 64 dim, 2x2 pooling; 16 image tokens",
         projector("tiny-gemma3-vision", {2, 64, 256, 4, 4, 0, 0}, {Projector::GEMMA3, 112, 14, 2, 0})},
        {"tiny-outetts", "test size OuteTTS 0.2: qwen2, 2 layers, 64 dim, GQA 4/2, Qwen2.5 vocab + OuteTTS tokens",
         untied(outetts("tiny-outetts", {2, 64, 256, 4, 2, 0, 4096}, OuteTts::V0_2))},
        {"tiny-outetts-0.3", "test size OuteTTS 0.3: as tiny-outetts with 0.3's tokens and version marker",
         untied(outetts("tiny-outetts-0.3", {2, 64, 256, 4, 2, 0, 4096}, OuteTts::V0_3))},
        // The real codebook and frame width, so that code ids and the inverse STFT apply unchanged.
        {"tiny-wavtokenizer",
         "test size WavTokenizer decoder: 4096 codes of 32, PosNet 64 x 6, ConvNeXt 64 x 2, ff 128, 1282-wide frames",
         wavtokenizer("tiny-wavtokenizer", {2, 64, 128, 1, 1, 0, 8192}, {32, 4096, 1282, 32})},
        // A 64-token text context caps each segment at a few dozen tokens: random weights never emit the
        // end token, so with Whisper's 448 a transcription would decode garbage for many seconds.
        {"tiny-whisper", "test size Whisper: 2+2 layers, 64 dim, 2 heads, 64 text ctx, multilingual tiny vocab",
         whisper("tiny-whisper", "tiny", {2, 64, 0, 2, 2, 0, 64})},
    };
}

std::vector<Preset> build_presets() {
    std::vector<Preset> presets = real_size_presets();
    std::vector<Preset> tiny = test_size_presets();
    presets.insert(presets.end(), std::make_move_iterator(tiny.begin()), std::make_move_iterator(tiny.end()));
    return presets;
}

}  // namespace

const std::vector<Preset>& all_presets() {
    static const std::vector<Preset> PRESETS = build_presets();
    return PRESETS;
}

std::optional<ModelConfig> find_preset(const std::string& name) {
    for (const Preset& preset : all_presets()) {
        if (preset.name == name) {
            return preset.config;
        }
    }
    return std::nullopt;
}

}  // namespace hearth::mkmodel
