#pragma once
// OuteTTS's vocoder: a WavTokenizer decoder GGUF (llama.cpp's wavtokenizer-dec architecture) run through
// libllama. Audio codes (codebook indices) in, one spectrogram frame per code out: n_embd() floats, the first
// half log-magnitudes and the second half phases of an n_fft = n_embd() - 2 STFT frame.
//
// One request per pass: the model's PosNet attends over every code of the batch with no per-sequence mask, so
// two requests in one batch would hear each other; and it cannot be cut into chunks for the same reason (its
// attention and convolutions span the whole input), so one pass takes all of a request's codes. The context is
// sized for max_codes codes at load.
//
// Threads: load() from any thread (BackendGuard must exist first and outlive the vocoder); the sizes are
// thread-safe; frames() has one caller at a time.

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/c_handles.h"
#include "util/result.h"

namespace hearth::engine {

class WavTokenizerVocoder {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    // Most codes one pass may take (3.6 minutes of audio at 75 codes per second): the PosNet's attention
    // holds a max_codes x max_codes matrix.
    static constexpr int32_t MAX_CODES_LIMIT = 16384;

    // n_threads: 0 for llama.cpp's default. max_codes: 1..MAX_CODES_LIMIT, the most codes frames() takes.
    // Errors: NOT_FOUND (no file), INVALID_ARGUMENT (bad options, not a GGUF file, not a wavtokenizer-dec model,
    // llama.cpp cannot load it), OUT_OF_MEMORY (the context cannot be created).
    static Result<std::unique_ptr<WavTokenizerVocoder>> load(const std::string& path, int32_t n_threads,
                                                             int32_t max_codes);

    explicit WavTokenizerVocoder(Passkey /*only load() constructs*/) {}
    WavTokenizerVocoder(const WavTokenizerVocoder&) = delete;
    WavTokenizerVocoder& operator=(const WavTokenizerVocoder&) = delete;
    ~WavTokenizerVocoder() = default;

    // n_codes x n_embd() floats, frame after frame. Errors: INVALID_ARGUMENT (no codes, a code outside
    // [0, n_codebook()), more than max_codes() codes), CANCELLED (stop was set, before or during the pass),
    // INTERNAL (llama.cpp failed).
    Result<std::vector<float>> frames(std::span<const int32_t> codes, const std::atomic<bool>* stop);

    // --- thread-safe ---
    int32_t n_embd() const { return n_embd_; }          // frame width (1282 for WavTokenizer-Large-75)
    int32_t n_codebook() const { return n_codebook_; }  // codes are 0..n_codebook()-1 (4096)
    int32_t max_codes() const { return max_codes_; }

private:
    Result<void> create_context(const std::string& path, int32_t n_threads);
    Result<void> check_codes(std::span<const int32_t> codes) const;

    // Declared model-first so that the context is destroyed before the model it was made from.
    llama_model_ptr model_;
    llama_context_ptr ctx_;
    int32_t n_embd_ = 0;
    int32_t n_codebook_ = 0;
    int32_t max_codes_ = 0;
    std::vector<llama_token> tokens_;          // the codes of the pass in flight
    const std::atomic<bool>* stop_ = nullptr;  // the caller's stop flag during a pass, read by llama.cpp
};

}  // namespace hearth::engine
