#include "engine/wavtokenizer_vocoder.h"

#include <gguf.h>
#include <llama.h>

#include <algorithm>
#include <exception>
#include <filesystem>
#include <string_view>
#include <utility>

#include "engine/llama_guarded.h"
#include "util/log.h"

namespace hearth::engine {

namespace {

constexpr std::string_view ARCH = "wavtokenizer-dec";

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

// The architecture from the GGUF header alone, so that a wrong file (a language model, say) is refused before
// llama.cpp reads gigabytes of it.
Result<void> check_architecture(const std::string& path) {
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error)) {
        return make_error(ErrorCode::NOT_FOUND, "vocoder file not found: " + path);
    }
    const gguf_init_params params{true, nullptr};
    const gguf_context_ptr ctx(gguf_init_from_file(path.c_str(), params));
    if (!ctx) {
        return invalid(path + " is not a GGUF file");
    }
    const int64_t key = gguf_find_key(ctx.get(), "general.architecture");
    const std::string arch =
        key >= 0 && gguf_get_kv_type(ctx.get(), key) == GGUF_TYPE_STRING ? gguf_get_val_str(ctx.get(), key) : "";
    if (arch != ARCH) {
        return invalid(path + " is " + (arch.empty() ? "a GGUF file without an architecture" : "a " + arch + " model") +
                       ", not a WavTokenizer vocoder (" + std::string(ARCH) + ")");
    }
    return {};
}

// llama.cpp calls this between graph nodes with the address of the vocoder's stop_ pointer.
bool stop_requested(void* data) {
    const std::atomic<bool>* stop = *static_cast<const std::atomic<bool>* const*>(data);
    return stop != nullptr && stop->load();
}

}  // namespace

Result<std::unique_ptr<WavTokenizerVocoder>> WavTokenizerVocoder::load(const std::string& path, int32_t n_threads,
                                                                       int32_t max_codes) {
    if (max_codes < 1 || max_codes > MAX_CODES_LIMIT) {
        return invalid("max_codes must be in [1, " + std::to_string(MAX_CODES_LIMIT) + "], got " +
                       std::to_string(max_codes));
    }
    if (n_threads < 0) {
        return invalid("n_threads must not be negative, got " + std::to_string(n_threads));
    }
    if (auto arch = check_architecture(path); !arch) {
        return arch.error();
    }
    auto vocoder = std::make_unique<WavTokenizerVocoder>(Passkey{});
    vocoder->model_ = load_model_guarded(path, llama_model_default_params());
    if (!vocoder->model_) {
        return invalid("llama.cpp cannot load the vocoder " + path + " (the engine log has its reason)");
    }
    vocoder->n_embd_ = llama_model_n_embd_out(vocoder->model_.get());
    vocoder->n_codebook_ = llama_vocab_n_tokens(llama_model_get_vocab(vocoder->model_.get()));
    // Magnitudes and phases of one STFT frame: an even width, and at least one code to look up.
    if (vocoder->n_embd_ < 2 || vocoder->n_embd_ % 2 != 0 || vocoder->n_codebook_ < 1) {
        return invalid(path + ": a vocoder with " + std::to_string(vocoder->n_codebook_) + " codes and frames of " +
                       std::to_string(vocoder->n_embd_) + " is not a WavTokenizer decoder");
    }
    vocoder->max_codes_ = max_codes;
    if (auto context = vocoder->create_context(path, n_threads); !context) {
        return context.error();
    }
    log::info("loaded vocoder {}: {} codes, {}-wide frames, up to {} codes per pass", path, vocoder->n_codebook_,
              vocoder->n_embd_, max_codes);
    return vocoder;
}

Result<void> WavTokenizerVocoder::create_context(const std::string& path, int32_t n_threads) {
    llama_context_params params = llama_context_default_params();
    params.embeddings = true;
    params.pooling_type = LLAMA_POOLING_TYPE_NONE;  // a frame per code
    // The encoder takes a whole request in one compute pass: every size at max_codes.
    params.n_ctx = static_cast<uint32_t>(max_codes_);
    params.n_batch = static_cast<uint32_t>(max_codes_);
    params.n_ubatch = static_cast<uint32_t>(max_codes_);
    params.n_seq_max = 1;
    if (n_threads > 0) {
        params.n_threads = n_threads;
        params.n_threads_batch = n_threads;
    }
    params.no_perf = true;
    params.abort_callback = stop_requested;
    params.abort_callback_data = &stop_;
    ctx_ = init_context_guarded(model_.get(), params);
    if (!ctx_) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "llama.cpp cannot create a vocoder context of " +
                                                        std::to_string(max_codes_) + " codes for " + path +
                                                        " (the engine log has details)");
    }
    // llama.cpp asserts (aborts) when an encoder pass exceeds the micro-batch: it must hold max_codes.
    if (std::min(llama_n_batch(ctx_.get()), llama_n_ubatch(ctx_.get())) < static_cast<uint32_t>(max_codes_)) {
        return make_error(ErrorCode::INTERNAL,
                          "llama.cpp sized the vocoder's batch below " + std::to_string(max_codes_) + " codes");
    }
    tokens_.reserve(static_cast<size_t>(max_codes_));
    return {};
}

Result<void> WavTokenizerVocoder::check_codes(std::span<const int32_t> codes) const {
    if (codes.empty()) {
        return invalid("no audio codes to vocode");
    }
    if (codes.size() > static_cast<size_t>(max_codes_)) {
        return invalid(std::to_string(codes.size()) + " audio codes exceed the vocoder's limit of " +
                       std::to_string(max_codes_) + " per pass");
    }
    for (const int32_t code : codes) {
        if (code < 0 || code >= n_codebook_) {
            return invalid("audio code " + std::to_string(code) + " is outside the codebook [0, " +
                           std::to_string(n_codebook_) + ")");
        }
    }
    return {};
}

Result<std::vector<float>> WavTokenizerVocoder::frames(std::span<const int32_t> codes, const std::atomic<bool>* stop) {
    if (auto valid = check_codes(codes); !valid) {
        return valid.error();
    }
    if (stop != nullptr && stop->load()) {
        return make_error(ErrorCode::CANCELLED, "cancelled");
    }
    tokens_.assign(codes.begin(), codes.end());
    // ggml checks the flag between graph nodes, so a pass over thousands of codes stops early too.
    stop_ = stop;
    int32_t rc = 0;
    try {
        // No memory (an encoder): positions start at 0 and every code gives an output.
        rc = llama_encode(ctx_.get(), llama_batch_get_one(tokens_.data(), static_cast<int32_t>(tokens_.size())));
    } catch (const std::exception& e) {
        stop_ = nullptr;
        return make_error(ErrorCode::INTERNAL, std::string("llama_encode threw: ") + e.what());
    }
    stop_ = nullptr;
    if (stop != nullptr && stop->load()) {
        return make_error(ErrorCode::CANCELLED, "cancelled");
    }
    if (rc != 0) {
        return make_error(ErrorCode::INTERNAL, "the vocoder's pass failed with code " + std::to_string(rc));
    }
    const float* out = llama_get_embeddings(ctx_.get());
    if (out == nullptr) {
        return make_error(ErrorCode::INTERNAL, "llama.cpp returned no vocoder frames");
    }
    return std::vector<float>(out, out + codes.size() * static_cast<size_t>(n_embd_));
}

}  // namespace hearth::engine
