#include "registry/speech_model.h"

#include <algorithm>
#include <thread>

#include "engine/audio_decoder.h"

namespace hearth::registry {

Result<std::shared_ptr<SpeechModel>> SpeechModel::load(const std::string& path, const SpeechModelOptions& options) {
    engine::WhisperEngineOptions engine_options;
    engine_options.path = path;
    engine_options.n_threads = options.n_threads;
    engine_options.vad_model_path = options.vad_model_path;
    auto engine = engine::WhisperEngine::load(engine_options);
    if (!engine) {
        return engine.error();
    }
    auto model = std::make_shared<SpeechModel>(Passkey{});
    model->engine_ = std::move(*engine);
    model->pool_ = std::make_unique<sched::SpeechPool>(*model->engine_,
                                                       sched::SpeechPoolConfig{options.sessions, options.max_waiting});
    return model;
}

Result<core::Transcript> SpeechModel::transcribe(std::string_view audio, const core::TranscriptionOptions& options,
                                                 double max_seconds, const std::atomic<bool>* stop) {
    auto decoded = engine::decode_audio(audio, max_seconds);
    if (!decoded) {
        return decoded.error();
    }
    return pool_->run(decoded->samples, options, stop);
}

SpeechModel::~SpeechModel() {
    if (pool_) {
        pool_->stop();  // every transcription returns before the weights go
    }
}

}  // namespace hearth::registry
