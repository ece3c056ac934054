// VoiceModel's OuteTTS half: the prompt of a sentence, its audio codes generated on the language model's text
// scheduler (batched with every other stream of that model), then the vocoder and the inverse STFT on the
// model's worker.

#include <chrono>

#include "engine/istft.h"
#include "registry/voice_model.h"

namespace hearth::registry {

namespace {

// OuteTTS's recommended sampling (its model cards: temperature 0.4, repetition penalty 1.1 over the last 64
// tokens, top-k 40, top-p 0.9, min-p 0.05).
core::SamplingParams outetts_sampling(const core::SpeechRequest& request) {
    core::SamplingParams params;
    params.temperature = request.temperature.value_or(0.4F);
    params.top_k = 40;
    params.top_p = 0.9F;
    params.min_p = 0.05F;
    params.repeat_penalty = 1.1F;
    params.penalty_last_n = 64;
    params.seed = request.seed;
    return params;
}

// A word takes some 20-40 codes (75 per second); the bound leaves room for slow speech and stops a model
// that never ends its audio.
constexpr int32_t CODES_PER_WORD_BOUND = 100;

}  // namespace

// The ids of the markers and of every code token <|0|>..<|N-1|>, looked up in the vocabulary (never assumed).
Result<void> VoiceModel::index_vocabulary() {
    const auto& engine = language_->engine();
    const auto single = [&](const std::string& text) -> int32_t {
        auto tokens = engine.tokenize(text, false, true);
        return tokens && tokens->size() == 1 ? tokens->front() : -1;
    };
    for (int32_t code = 0; code < vocoder_->n_codebook(); ++code) {
        if (const int32_t id = single("<|" + std::to_string(code) + "|>"); id >= 0) {
            code_of_token_.emplace(id, code);
        }
    }
    audio_end_ = single("<|audio_end|>");
    if (code_of_token_.empty() || audio_end_ < 0 || single("<|audio_start|>") < 0) {
        return make_error(
            ErrorCode::INVALID_ARGUMENT,
            "not an OuteTTS model: its vocabulary lacks the audio code tokens or <|audio_start|>/<|audio_end|>");
    }
    // 0.3 separates words with <|space|>, a token 0.2 does not have (both have <|text_sep|>).
    version_ = single("<|space|>") >= 0 ? engine::OuteTtsVersion::V0_3 : engine::OuteTtsVersion::V0_2;
    return {};
}

Result<SentenceAudio> VoiceModel::synthesize_outetts(std::string_view sentence, const std::string& voice,
                                                     const core::SpeechRequest& request,
                                                     const std::atomic<bool>* stop) {
    static const core::SpeakerProfile NO_SPEAKER;
    const auto speaker = speakers_.find(voice);
    const std::vector<std::string> words = engine::outetts_words(sentence);
    const std::string prompt =
        engine::outetts_prompt(words, speaker == speakers_.end() ? NO_SPEAKER : speaker->second, version_);
    auto tokens = language_->engine().tokenize(prompt, true, true);
    if (!tokens) {
        return tokens.error();
    }
    SentenceAudio audio;
    audio.input_tokens = static_cast<int32_t>(tokens->size());
    auto codes = generate_codes(*tokens, words.size(), request, stop, audio.output_tokens);
    if (!codes) {
        return codes.error();
    }
    if (codes->empty()) {
        return audio;  // the model ended the audio at once: silence
    }
    return on_worker(
        std::move(audio),
        [&]() -> Result<std::vector<float>> {
            auto frames = vocoder_->frames(*codes, stop);
            if (!frames) {
                return frames.error();
            }
            return engine::wavtokenizer_audio(*frames, static_cast<int>(codes->size()), vocoder_->n_embd());
        },
        stop);
}

// Runs the prompt on the language model's scheduler and keeps the code tokens of what it generates, up to
// <|audio_end|> (or the model's end of generation).
Result<std::vector<int32_t>> VoiceModel::generate_codes(const std::vector<int32_t>& prompt, size_t n_words,
                                                        const core::SpeechRequest& request,
                                                        const std::atomic<bool>* stop, int32_t& generated) {
    auto& scheduler = language_->scheduler();
    const int32_t room = language_->engine().n_ctx_per_slot() - static_cast<int32_t>(prompt.size());
    const auto bound = static_cast<int32_t>(
        std::min<size_t>(n_words * CODES_PER_WORD_BOUND + 16, static_cast<size_t>(options_.max_codes)));
    if (room <= 0) {
        return make_error(ErrorCode::CONTEXT_LENGTH_EXCEEDED,
                          "the sentence and speaker profile take " + std::to_string(prompt.size()) +
                              " tokens; the model's context is " + std::to_string(language_->engine().n_ctx_per_slot()),
                          "input");
    }
    core::GenerationRequest gen;
    gen.prompt_tokens = prompt;
    gen.max_tokens = std::min(room, bound);
    gen.sampling = outetts_sampling(request);
    gen.events = std::make_shared<core::EventChannel>(static_cast<size_t>(gen.max_tokens) + 8);
    const CancelToken cancel = gen.cancel;
    const auto events = gen.events;
    if (auto queued = scheduler.submit(std::move(gen)); !queued) {
        return queued.error();
    }
    std::vector<int32_t> codes;
    while (true) {
        if (stop != nullptr && stop->load()) {
            cancel.cancel();  // a request still queued ends without an event: nothing more to wait for
            return make_error(ErrorCode::CANCELLED, "cancelled");
        }
        std::optional<core::GenerationEvent> event;
        const PopStatus status = events->pop(event, std::chrono::milliseconds(100));
        if (status == PopStatus::CLOSED) {
            return make_error(ErrorCode::MODEL_NOT_READY, "the model stopped");
        }
        if (status == PopStatus::TIMEOUT) {
            continue;
        }
        if (const auto* token = std::get_if<core::TokenEvent>(&*event)) {
            for (const int32_t id : token->tokens) {
                ++generated;
                if (id == audio_end_) {
                    cancel.cancel();  // the rest would be the model closing its turn
                    return codes;
                }
                if (const auto it = code_of_token_.find(id); it != code_of_token_.end()) {
                    codes.push_back(it->second);
                }
            }
        } else if (const auto* error = std::get_if<core::ErrorEvent>(&*event)) {
            return error->error;
        } else if (const auto* finish = std::get_if<core::FinishEvent>(&*event)) {
            if (finish->reason == core::FinishReason::CANCELLED) {
                return make_error(ErrorCode::CANCELLED, "cancelled");
            }
            return codes;
        }
    }
}

}  // namespace hearth::registry
