// hearth-mkmodel: writes test models with deterministic random weights for real architectures.
// Every failure the caller can cause ends in one "hearth-mkmodel: error: ..." line and exit code 2.

#include <CLI/CLI.hpp>
#include <ggml.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "bert_writer.h"
#include "clip_writer.h"
#include "llm_writer.h"
#include "model_config.h"
#include "output_file.h"
#include "presets.h"
#include "wavtokenizer_writer.h"
#include "whisper_writer.h"

namespace hearth::mkmodel {
namespace {

constexpr int EXIT_USAGE = 2;
constexpr int MAX_SHAPE = 1 << 24;
constexpr int MAX_SPLITS = 99;

constexpr const char* USAGE_FOOTER = R"(
Examples:
  hearth-mkmodel --preset tiny-qwen3 --type q8_0 --seed 42 -o tiny.gguf
  hearth-mkmodel --preset tiny-qwen3 --split-count 3 -o tiny.gguf   (tiny-00001-of-00003.gguf ... -00003-of-00003)
  hearth-mkmodel --arch llama --layers 2 --embd 128 --ff 256 --heads 4 --kv-heads 2 --type q4_k -o m.gguf
  hearth-mkmodel --arch whisper --vocab base --type f16 -o ggml-base.bin
  hearth-mkmodel --preset tiny-clip-mlp --mmproj-for tiny.gguf -o mmproj-tiny.gguf
  hearth-mkmodel --preset tiny-outetts -o tts.gguf && hearth-mkmodel --preset tiny-wavtokenizer -o vocoder.gguf
  hearth-mkmodel --arch gemma3 --layers 4 --head-dim 32 --sliding-window 32 --swa-pattern 2 -o g3.gguf
  hearth-mkmodel --list-presets
Environment: HEARTH_LLAMA_MODELS_DIR and HEARTH_WHISPER_VOCAB_DIR replace the built-in vocab directories.
Exit codes: 0 written, 2 bad arguments or inputs (nothing written), 1 other failures.)";

int default_threads() {
    const unsigned cores = std::thread::hardware_concurrency();
    return cores == 0 ? 1 : static_cast<int>(cores);
}

struct ShapeOption {
    CLI::Option* option = nullptr;
    int value = 0;
};

struct CliOptions {
    std::string preset;
    std::string arch;
    std::string vocab;
    std::string chat_template;
    std::string pooling;
    std::string type = "f16";
    std::string output;
    std::string vocab_dir;
    std::string whisper_vocab_dir;
    std::string mmproj_for;
    uint64_t seed = 42;
    int threads = default_threads();
    int split_count = 1;
    bool untied = false;
    bool list_presets = false;
    bool block_pool = false;
    int inert_from = -1;
    float inert_scale = 0.0F;
    ShapeOption layers, embd, ff, heads, kv_heads, head_dim, ctx, image_size, proj_embd, sliding_window, swa_pattern;
};

void add_shape_option(CLI::App& app, const char* flag, ShapeOption& shape, const char* help) {
    // 0 is allowed so that Whisper can mean "as in the vocab file"; validation rejects it elsewhere.
    shape.option = app.add_option(flag, shape.value, help)->check(CLI::Range(0, MAX_SHAPE));
}

void define_options(CLI::App& app, CliOptions& opts) {
    auto* preset = app.add_option("--preset", opts.preset, "named model shape (see --list-presets)");
    auto* arch = app.add_option("--arch", opts.arch,
                                "llama, qwen2, qwen3, gemma3, bert, rerank, whisper, clip (a LLaVA-style projector) "
                                "or wavtokenizer (a WavTokenizer decoder, OuteTTS's vocoder)");
    preset->excludes(arch);
    add_shape_option(app, "--layers", opts.layers, "transformer blocks (Whisper: per encoder and decoder)");
    add_shape_option(app, "--embd", opts.embd, "hidden size");
    add_shape_option(app, "--ff", opts.ff, "feed-forward size");
    add_shape_option(app, "--heads", opts.heads, "attention heads");
    add_shape_option(app, "--kv-heads", opts.kv_heads, "key/value heads (default: --heads)");
    add_shape_option(app, "--head-dim", opts.head_dim, "attention head width (default: embd / heads)");
    add_shape_option(app, "--ctx", opts.ctx, "training context length (Whisper: text context)");
    add_shape_option(app, "--image-size", opts.image_size, "projector: the square images are resized to, in pixels");
    add_shape_option(app, "--proj-embd", opts.proj_embd, "projector: output width, the text model's embedding length");
    add_shape_option(app, "--sliding-window", opts.sliding_window,
                     "gemma3: tokens a local layer attends to (0: every layer global)");
    add_shape_option(app, "--swa-pattern", opts.swa_pattern, "gemma3: every Nth layer is global, the others local");
    auto* mmproj_for = app.add_option("--mmproj-for", opts.mmproj_for,
                                      "projector: size the output for this text model GGUF (its embedding length)");
    mmproj_for->excludes(opts.proj_embd.option);
    app.add_option("--vocab", opts.vocab, "vocabulary: ggml-vocab-NAME.gguf (Whisper: for-tests-ggml-NAME.bin)");
    app.add_option("--template", opts.chat_template, "chat template templates/NAME.jinja, or none");
    app.add_option("--pooling", opts.pooling,
                   "embedding pooling: mean or cls (bert), last (llama, qwen2, qwen3: an embedding model)");
    app.add_flag("--untied", opts.untied, "write a separate output.weight instead of reusing token_embd");
    app.add_option("--type", opts.type, "weight type: f32, f16, q8_0, q4_0 or q4_k")->capture_default_str();
    app.add_option("--seed", opts.seed, "random seed")->capture_default_str();
    app.add_option("--threads", opts.threads, "generation threads (output does not depend on it)")
        ->check(CLI::Range(1, 256))
        ->capture_default_str();
    app.add_option("-o,--output", opts.output, "output model file");
    app.add_option("--split-count", opts.split_count,
                   "write N files as llama-gguf-split --split does, OUT-00001-of-0000N.gguf ... (OUT: -o less "
                   ".gguf); llama.cpp loads the first")
        ->check(CLI::Range(1, MAX_SPLITS))
        ->capture_default_str();
    app.add_option("--vocab-dir", opts.vocab_dir, "directory of ggml-vocab-*.gguf and templates/");
    app.add_option("--whisper-vocab-dir", opts.whisper_vocab_dir, "directory of for-tests-ggml-*.bin");
    app.add_flag("--block-pool", opts.block_pool,
                 "quantized matrices from a pool of 65,536 quantized blocks, each drawn on its own: ~50x faster "
                 "for multi-GB models (rows stay distinct; blocks repeat)");
    app.add_option("--inert-from", opts.inert_from,
                   "decoders: layers from K on leave the residual stream alone (zero output projections), so the "
                   "model says what its first K layers say: --layers K of the same seed is its perfect draft")
        ->check(CLI::Range(0, MAX_SHAPE));
    app.add_option("--inert-scale", opts.inert_scale,
                   "with --inert-from: those projections drawn this much smaller instead of zero (0 < S < 1): a "
                   "draft that agrees only partly")
        ->check(CLI::Range(0.0, 1.0));
    app.add_flag("--list-presets", opts.list_presets, "print the presets and exit");
}

std::string env_or(const char* name, const std::string& fallback) {
    const char* value = std::getenv(name);
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

SourceDirs resolve_dirs(const CliOptions& opts) {
    SourceDirs dirs;
    dirs.vocab_dir =
        !opts.vocab_dir.empty() ? opts.vocab_dir : env_or("HEARTH_LLAMA_MODELS_DIR", HEARTH_MKMODEL_VOCAB_DIR);
    dirs.whisper_vocab_dir = !opts.whisper_vocab_dir.empty()
                                 ? opts.whisper_vocab_dir
                                 : env_or("HEARTH_WHISPER_VOCAB_DIR", HEARTH_MKMODEL_WHISPER_VOCAB_DIR);
    return dirs;
}

ModelConfig base_config(const CliOptions& opts) {
    if (!opts.preset.empty()) {
        const auto preset = find_preset(opts.preset);
        if (!preset) {
            throw UsageError("unknown preset '" + opts.preset + "' (see --list-presets)");
        }
        return *preset;
    }
    if (opts.arch.empty()) {
        throw UsageError("give --preset NAME or --arch NAME (see --help and --list-presets)");
    }
    ModelConfig config;
    config.arch = arch_from_string(opts.arch);
    apply_arch_defaults(config);
    if (config.arch == Arch::WHISPER) {
        // Zero means "take it from the Whisper vocab file's own hyperparameters".
        config.layers = config.embd = config.heads = config.ctx = 0;
    }
    return config;
}

void override_shape(int& field, const ShapeOption& shape) {
    if (shape.option->count() > 0) {
        field = shape.value;
    }
}

void apply_vision_options(ModelConfig& config, const CliOptions& opts) {
    const bool given =
        opts.image_size.option->count() > 0 || opts.proj_embd.option->count() > 0 || !opts.mmproj_for.empty();
    if (config.arch != Arch::CLIP) {
        if (given) {
            throw UsageError(
                "--image-size, --proj-embd and --mmproj-for apply to projectors only (see --list-presets)");
        }
        return;
    }
    override_shape(config.vision.image_size, opts.image_size);
    override_shape(config.vision.proj_embd, opts.proj_embd);
    if (!opts.mmproj_for.empty()) {
        config.vision.proj_embd = text_embedding_length(opts.mmproj_for);
    }
}

void apply_swa_options(ModelConfig& config, const CliOptions& opts) {
    const bool given = opts.sliding_window.option->count() > 0 || opts.swa_pattern.option->count() > 0;
    if (config.arch != Arch::GEMMA3) {
        if (given) {
            throw UsageError("--sliding-window and --swa-pattern apply to gemma3 only");
        }
        return;
    }
    override_shape(config.swa.window, opts.sliding_window);
    override_shape(config.swa.pattern, opts.swa_pattern);
}

// Inert layers exist in decoders only, and only among the model's layers.
void check_inert_options(const ModelConfig& config) {
    if (config.inert_from < 0) {
        if (config.inert_scale != 0.0F) {
            throw UsageError("--inert-scale needs --inert-from");
        }
        return;
    }
    const bool decoder = config.arch == Arch::LLAMA || config.arch == Arch::QWEN2 || config.arch == Arch::QWEN3 ||
                         config.arch == Arch::GEMMA3;
    if (!decoder) {
        throw UsageError("--inert-from applies to decoders (llama, qwen2, qwen3, gemma3), not to " +
                         arch_to_string(config.arch));
    }
    if (config.inert_from >= config.layers) {
        throw UsageError("--inert-from " + std::to_string(config.inert_from) + " is not below the model's " +
                         std::to_string(config.layers) + " layers");
    }
}

ModelConfig build_config(const CliOptions& opts) {
    ModelConfig config = base_config(opts);
    const bool kv_given = opts.kv_heads.option->count() > 0;
    override_shape(config.layers, opts.layers);
    override_shape(config.embd, opts.embd);
    override_shape(config.ff, opts.ff);
    override_shape(config.heads, opts.heads);
    override_shape(config.kv_heads, opts.kv_heads);
    override_shape(config.head_dim, opts.head_dim);
    override_shape(config.ctx, opts.ctx);
    if (opts.preset.empty() && !kv_given) {
        config.kv_heads = config.heads;
    }
    if (!opts.vocab.empty() && opts.vocab != config.vocab) {
        // A preset's end-of-turn token id belongs to its own vocabulary.
        config.vocab = opts.vocab;
        config.eos_token_id = -1;
    }
    if (!opts.chat_template.empty()) {
        config.chat_template = opts.chat_template == "none" ? "" : opts.chat_template;
    }
    if (!opts.pooling.empty()) {
        config.pooling = pooling_from_string(opts.pooling);
    }
    apply_vision_options(config, opts);
    apply_swa_options(config, opts);
    config.tied_embeddings = config.tied_embeddings && !opts.untied;
    config.type = weight_type_from_string(opts.type);
    config.seed = opts.seed;
    config.threads = opts.threads;
    config.block_pool = opts.block_pool;
    config.inert_from = opts.inert_from;
    config.inert_scale = opts.inert_scale;
    check_inert_options(config);
    return config;
}

void write_model(const ModelConfig& config, const SourceDirs& dirs, OutputFiles& out) {
    switch (config.arch) {
        case Arch::LLAMA:
        case Arch::QWEN2:
        case Arch::QWEN3:
        case Arch::GEMMA3: write_decoder_model(config, dirs, out); break;
        case Arch::BERT:
        case Arch::RERANK: write_bert_model(config, dirs, out); break;
        case Arch::WHISPER: write_whisper_model(config, dirs, out.file(0)); break;
        case Arch::CLIP: write_clip_model(config, out); break;
        case Arch::WAVTOKENIZER: write_wavtokenizer_model(config, out); break;
    }
    out.commit();
}

void print_presets() {
    for (const Preset& preset : all_presets()) {
        std::cout << preset.name << std::string(preset.name.size() < 20 ? 20 - preset.name.size() : 1, ' ')
                  << arch_to_string(preset.config.arch) << "\t" << preset.summary << "\n";
    }
}

// whisper.cpp reads one ggml file and libmtmd one projector GGUF; only libllama's loader follows splits.
void check_split_count(const ModelConfig& config, int split_count) {
    if (split_count > 1 && (config.arch == Arch::WHISPER || config.arch == Arch::CLIP)) {
        throw UsageError("--split-count applies to models llama.cpp's libllama loads, not to " +
                         arch_to_string(config.arch) + " models");
    }
}

// One "wrote" line per file; a split model's lines also say which split each file is.
void print_written(const ModelConfig& config, const OutputFiles& out) {
    std::string extra;
    if (config.arch == Arch::CLIP) {
        extra = projector_to_string(config.vision.projector) + " projector, " +
                std::to_string(image_tokens_of(config.vision)) + " image tokens of " +
                std::to_string(config.vision.proj_embd) + ", ";
    }
    for (size_t i = 0; i < out.count(); ++i) {
        const std::string split =
            out.count() > 1 ? "split " + std::to_string(i + 1) + " of " + std::to_string(out.count()) + ", " : "";
        std::cout << "wrote " << out.path(i) << " (" << config.name << ", " << arch_to_string(config.arch) << ", "
                  << extra << weight_type_to_string(config.type) << ", seed " << config.seed << ", " << split
                  << std::filesystem::file_size(out.path(i)) << " bytes)\n";
    }
}

int run(const CliOptions& opts) {
    if (opts.list_presets) {
        print_presets();
        return 0;
    }
    ModelConfig config = build_config(opts);
    const SourceDirs dirs = resolve_dirs(opts);
    if (config.arch == Arch::WHISPER) {
        resolve_whisper_shape(config, dirs);
    }
    validate_config(config);
    check_split_count(config, opts.split_count);
    if (opts.output.empty()) {
        throw UsageError("no output file given (-o FILE)");
    }
    OutputFiles out(opts.output, opts.split_count);
    write_model(config, dirs, out);
    print_written(config, out);
    return 0;
}

void quiet_ggml_log(ggml_log_level /*level*/, const char* /*text*/, void* /*user_data*/) {
    // ggml's own messages would add lines to the one-line error contract; failures are reported by us.
}

}  // namespace
}  // namespace hearth::mkmodel

int main(int argc, char** argv) {
    using namespace hearth::mkmodel;
    ggml_log_set(quiet_ggml_log, nullptr);
    CLI::App app{"hearth-mkmodel: generate test models with deterministic random weights", "hearth-mkmodel"};
    app.footer(USAGE_FOOTER);
    CliOptions opts;
    define_options(app, opts);
    try {
        app.parse(argc, argv);
        return run(opts);
    } catch (const CLI::CallForHelp& help) {
        return app.exit(help);
    } catch (const CLI::ParseError& error) {
        std::cerr << "hearth-mkmodel: error: " << error.what() << "\n";
        return EXIT_USAGE;
    } catch (const UsageError& error) {
        std::cerr << "hearth-mkmodel: error: " << error.what() << "\n";
        return EXIT_USAGE;
    } catch (const std::exception& error) {
        std::cerr << "hearth-mkmodel: error: " << error.what() << "\n";
        return 1;
    }
}
