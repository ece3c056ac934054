#pragma once
// A loaded speech-to-text model: the whisper.cpp weights and the pool of decoding sessions that requests
// check out. Shared by the registry and every request using it (shared_ptr).

#include <memory>
#include <string>
#include <string_view>

#include "engine/whisper_engine.h"
#include "sched/speech_pool.h"
#include "util/result.h"

namespace hearth::registry {

struct SpeechModelOptions {
    size_t sessions = 4;         // transcriptions at once per model
    size_t max_waiting = 32;     // beyond, 429
    int32_t n_threads = 0;       // per transcription; 0: one per core
    std::string vad_model_path;  // Silero VAD for requests that ask for it; empty: refused
};

class SpeechModel {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    static Result<std::shared_ptr<SpeechModel>> load(const std::string& path, const SpeechModelOptions& options);
    explicit SpeechModel(Passkey /*only load() constructs*/) {}
    ~SpeechModel();
    SpeechModel(const SpeechModel&) = delete;
    SpeechModel& operator=(const SpeechModel&) = delete;

    // Decodes the upload (any container FFmpeg knows) and transcribes it on a pooled session. Errors: those
    // of engine::decode_audio (INVALID_ARGUMENT, PAYLOAD_TOO_LARGE past max_seconds) and SpeechPool::run.
    Result<core::Transcript> transcribe(std::string_view audio, const core::TranscriptionOptions& options,
                                        double max_seconds, const std::atomic<bool>* stop);

    engine::WhisperEngine& engine() { return *engine_; }
    sched::SpeechPool& pool() { return *pool_; }

private:
    std::unique_ptr<engine::WhisperEngine> engine_;  // first: outlives the pool that borrows it
    std::unique_ptr<sched::SpeechPool> pool_;
};

}  // namespace hearth::registry
