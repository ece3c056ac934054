#include "engine/whisper_engine.h"

#include <algorithm>
#include <exception>
#include <thread>

#include "engine/model_probe.h"
#include "util/log.h"

namespace hearth::engine {

namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

bool abort_requested(void* flag) {
    return flag != nullptr && static_cast<const std::atomic<bool>*>(flag)->load();
}

int32_t thread_count(int32_t wanted) {
    return wanted > 0 ? wanted : static_cast<int32_t>(std::max(1u, std::thread::hardware_concurrency()));
}

// whisper.cpp's own defaults for a greedy decode with temperature fallback, as whisper-cli runs it with
// `-bs 1 -bo 1`; the request sets language, prompt, temperature, translation, timestamps and VAD.
whisper_full_params full_params(const core::TranscriptionOptions& o, int32_t threads, const std::string& vad_path) {
    whisper_full_params p = whisper_full_default_params(WHISPER_SAMPLING_GREEDY);
    p.n_threads = threads;
    p.print_progress = false;
    p.print_realtime = false;
    p.print_timestamps = false;
    p.print_special = false;
    p.translate = o.translate;
    p.language = o.language.empty() ? "auto" : o.language.c_str();
    p.detect_language = false;
    p.initial_prompt = o.prompt.empty() ? nullptr : o.prompt.c_str();
    p.temperature = o.temperature;
    p.greedy.best_of = 1;
    p.token_timestamps = o.word_timestamps;
    p.vad = o.vad;
    p.vad_model_path = o.vad ? vad_path.c_str() : nullptr;
    return p;
}

// One decoding state over the shared weights.
class WhisperSession final : public SpeechSession {
public:
    WhisperSession(const WhisperEngine& engine, whisper_state_ptr state) : engine_(engine), state_(std::move(state)) {}
    Result<core::Transcript> transcribe(const std::vector<float>& samples, const core::TranscriptionOptions& options,
                                        const std::atomic<bool>* stop) override {
        return engine_.transcribe(state_.get(), samples, options, stop);
    }

private:
    const WhisperEngine& engine_;
    whisper_state_ptr state_;
};

}  // namespace

Result<std::unique_ptr<SpeechSession>> WhisperEngine::make_session() {
    auto state = make_state();
    if (!state) {
        return state.error();
    }
    return std::unique_ptr<SpeechSession>(std::make_unique<WhisperSession>(*this, std::move(*state)));
}

Result<std::unique_ptr<WhisperEngine>> WhisperEngine::load(const WhisperEngineOptions& options) {
    auto info = probe_model_file(options.path);
    if (!info) {
        return info.error();
    }
    if (info->kind != core::ModelKind::WHISPER) {
        return invalid(options.path + " is a " + std::string(core::to_string(info->kind)) + " model, not whisper");
    }
    whisper_context_params params = whisper_context_default_params();
    params.use_gpu = options.use_gpu;
    params.flash_attn = true;  // as whisper-cli runs it by default
    auto engine = std::make_unique<WhisperEngine>(Passkey{});
    engine->options_ = options;
    engine->options_.n_threads = thread_count(options.n_threads);
    try {
        engine->ctx_.reset(whisper_init_from_file_with_params_no_state(options.path.c_str(), params));
    } catch (const std::exception& e) {
        log::error("whisper.cpp threw while loading {}: {}", options.path, e.what());
    }
    if (!engine->ctx_) {
        return invalid("whisper.cpp cannot load " + options.path + " (the engine log has its reason)");
    }
    log::info("loaded whisper model {} ({})", options.path, engine->multilingual() ? "multilingual" : "English");
    return engine;
}

bool WhisperEngine::multilingual() const {
    return whisper_is_multilingual(ctx_.get()) != 0;
}

Result<whisper_state_ptr> WhisperEngine::make_state() {
    whisper_state_ptr state;
    try {
        state.reset(whisper_init_state(ctx_.get()));
    } catch (const std::exception& e) {
        log::error("whisper_init_state threw: {}", e.what());
    }
    if (!state) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "whisper.cpp cannot allocate a decoding state");
    }
    return state;
}

Result<core::Transcript> WhisperEngine::transcribe(whisper_state* state, const std::vector<float>& samples,
                                                   const core::TranscriptionOptions& options,
                                                   const std::atomic<bool>* stop) const {
    if (samples.empty()) {
        return invalid("the audio holds no samples");
    }
    if (!options.language.empty() && whisper_lang_id(options.language.c_str()) < 0) {
        return invalid("unknown language '" + options.language + "' (ISO 639-1, e.g. en, de, ja)");
    }
    if (!options.language.empty() && options.language != "en" && !multilingual()) {
        return invalid("this model is English-only: language must be en");
    }
    if (options.vad && !has_vad()) {
        return invalid("voice activity detection needs a VAD model (hearth serve --vad-model)");
    }
    const int32_t threads = options.n_threads > 0 ? options.n_threads : options_.n_threads;
    whisper_full_params params = full_params(options, threads, options_.vad_model_path);
    params.abort_callback = abort_requested;
    params.abort_callback_user_data = const_cast<std::atomic<bool>*>(stop);
    int rc = -1;
    try {
        rc = whisper_full_with_state(ctx_.get(), state, params, samples.data(), static_cast<int>(samples.size()));
    } catch (const std::exception& e) {
        log::error("whisper_full threw: {}", e.what());
    }
    if (stop != nullptr && stop->load()) {
        return make_error(ErrorCode::CANCELLED, "transcription cancelled");
    }
    if (rc != 0) {
        return make_error(ErrorCode::INTERNAL, "whisper.cpp failed to transcribe (code " + std::to_string(rc) + ")");
    }
    core::Transcript transcript = collect(state, samples, options.word_timestamps);
    for (auto& segment : transcript.segments) {
        segment.temperature = options.temperature;
    }
    return transcript;
}

core::Transcript WhisperEngine::collect(whisper_state* state, const std::vector<float>& samples, bool words) const {
    core::Transcript out;
    out.duration = static_cast<double>(samples.size()) / SAMPLE_RATE;
    out.language = whisper_lang_str_full(whisper_full_lang_id_from_state(state));  // "english", as OpenAI
    const whisper_token eot = whisper_token_eot(ctx_.get());
    const int n = whisper_full_n_segments_from_state(state);
    for (int i = 0; i < n; ++i) {
        core::TranscriptSegment segment;
        segment.id = i;
        segment.start = static_cast<double>(whisper_full_get_segment_t0_from_state(state, i)) / 100.0;
        segment.end = static_cast<double>(whisper_full_get_segment_t1_from_state(state, i)) / 100.0;
        segment.text = whisper_full_get_segment_text_from_state(state, i);
        segment.no_speech_prob = whisper_full_get_segment_no_speech_prob_from_state(state, i);
        double logprob_sum = 0;
        int text_tokens = 0;
        for (int j = 0; j < whisper_full_n_tokens_from_state(state, i); ++j) {
            const whisper_token_data data = whisper_full_get_token_data_from_state(state, i, j);
            segment.tokens.push_back(data.id);
            if (data.id >= eot) {
                continue;  // special and timestamp tokens
            }
            logprob_sum += data.plog;
            ++text_tokens;
            if (!words) {
                continue;
            }
            const std::string piece = whisper_full_get_token_text_from_state(ctx_.get(), state, i, j);
            // A token that starts with a space starts a word; the others continue the last one.
            if (out.words.empty() || piece.empty() || piece.front() == ' ') {
                out.words.push_back({piece, data.t0 / 100.0, data.t1 / 100.0});
            } else {
                out.words.back().word += piece;
                out.words.back().end = data.t1 / 100.0;
            }
        }
        segment.avg_logprob = text_tokens > 0 ? logprob_sum / text_tokens : 0.0;
        out.segments.push_back(std::move(segment));
    }
    for (auto& word : out.words) {
        word.word.erase(0, word.word.find_first_not_of(' '));
    }
    return out;
}

Result<std::vector<SpeechSpan>> detect_speech(const std::string& vad_model_path, const std::vector<float>& samples,
                                              int32_t n_threads) {
    whisper_vad_context_params params = whisper_vad_default_context_params();
    params.n_threads = thread_count(n_threads);
    params.use_gpu = false;
    whisper_vad_ptr vad(whisper_vad_init_from_file_with_params(vad_model_path.c_str(), params));
    if (!vad) {
        return invalid("cannot load the VAD model " + vad_model_path);
    }
    whisper_vad_segments_ptr segments(whisper_vad_segments_from_samples(
        vad.get(), whisper_vad_default_params(), samples.data(), static_cast<int>(samples.size())));
    if (!segments) {
        return make_error(ErrorCode::INTERNAL, "voice activity detection failed");
    }
    std::vector<SpeechSpan> spans;
    for (int i = 0; i < whisper_vad_segments_n_segments(segments.get()); ++i) {
        // whisper.cpp reports VAD times in centiseconds.
        spans.push_back({whisper_vad_segments_get_segment_t0(segments.get(), i) / 100.0,
                         whisper_vad_segments_get_segment_t1(segments.get(), i) / 100.0});
    }
    return spans;
}

}  // namespace hearth::engine
