#pragma once
// Speech-to-text over whisper.cpp: the weights are loaded once (whisper_context without a state); every
// transcription runs on a whisper_state of its own, so several run at once over the shared weights
// without a lock. States are made by make_state() and owned by the caller (the speech pool).
// Thread contract: load() from any thread; make_state() and transcribe() from any thread, each state used
// by one thread at a time.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "core/transcription.h"
#include "engine/c_handles.h"
#include "engine/speech_engine.h"
#include "util/result.h"

namespace hearth::engine {

struct WhisperEngineOptions {
    std::string path;
    std::string vad_model_path;  // Silero VAD (ggml); empty: requests asking for VAD are refused
    int32_t n_threads = 0;       // per transcription; 0: one per core
    bool use_gpu = true;
};

struct SpeechSpan {
    double start = 0;  // seconds
    double end = 0;
};

// The speech segments Silero VAD finds in 16 kHz mono samples, with whisper.cpp's default VAD parameters
// (the ones transcriptions with VAD use). Errors: INVALID_ARGUMENT (the VAD model cannot be loaded),
// INTERNAL (detection failed).
Result<std::vector<SpeechSpan>> detect_speech(const std::string& vad_model_path, const std::vector<float>& samples,
                                              int32_t n_threads);

class WhisperEngine final : public SpeechEngine {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    static constexpr int SAMPLE_RATE = 16000;

    // Errors: NOT_FOUND, INVALID_ARGUMENT (not a whisper model, or whisper.cpp cannot load it).
    static Result<std::unique_ptr<WhisperEngine>> load(const WhisperEngineOptions& options);
    explicit WhisperEngine(Passkey /*only load() constructs*/) {}

    // OUT_OF_MEMORY when whisper.cpp cannot allocate one.
    Result<whisper_state_ptr> make_state();
    // A session over a new state (see make_state).
    Result<std::unique_ptr<SpeechSession>> make_session() override;
    // 16 kHz mono samples in [-1, 1]. `stop` (optional) is polled between decoder steps: set, the run ends
    // with CANCELLED. Errors: INVALID_ARGUMENT (unknown language, VAD asked without a VAD model, empty
    // audio), CANCELLED, INTERNAL (whisper.cpp failed).
    Result<core::Transcript> transcribe(whisper_state* state, const std::vector<float>& samples,
                                        const core::TranscriptionOptions& options,
                                        const std::atomic<bool>* stop = nullptr) const;

    bool multilingual() const;
    bool has_vad() const { return !options_.vad_model_path.empty(); }

private:
    core::Transcript collect(whisper_state* state, const std::vector<float>& samples, bool words) const;

    WhisperEngineOptions options_;
    whisper_context_ptr ctx_;
};

}  // namespace hearth::engine
