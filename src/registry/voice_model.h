#pragma once
// A loaded text-to-speech model: the built-in flite voices, or an OuteTTS language model (on its own text
// scheduler, so that speech requests batch like chat streams) with its WavTokenizer vocoder and speaker
// profiles. Either way one sentence at a time becomes 24 kHz mono samples; the server encodes and streams
// them. Shared by the registry and every request using it (shared_ptr).
// Thread-safe: every method may be called from any thread.

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/speech_synthesis.h"
#include "engine/flite_voice.h"
#include "engine/outetts_text.h"
#include "engine/wavtokenizer_vocoder.h"
#include "registry/model_catalog.h"
#include "registry/text_model.h"
#include "sched/work_pool.h"
#include "util/result.h"

namespace hearth::registry {

struct VoiceModelOptions {
    size_t max_waiting = 32;   // sentences waiting for the synthesis worker; beyond, 429
    int32_t n_threads = 0;     // vocoder threads; 0: one per core
    int32_t max_codes = 3000;  // audio codes of one sentence at most (40 s at 75 codes per second)
};

// One sentence's audio and what it cost.
struct SentenceAudio {
    std::vector<float> samples;  // core::SPEECH_SAMPLE_RATE, mono, [-1, 1]
    int32_t input_tokens = 0;    // prompt tokens (OuteTTS), characters (flite)
    int32_t output_tokens = 0;   // tokens generated (OuteTTS)
};

class VoiceModel {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    static Result<std::shared_ptr<VoiceModel>> load_builtin(const VoiceModelOptions& options);
    // entry: an OuteTTS model with its vocoder (and speakers folder, optional). progress as TextModel::load.
    static Result<std::shared_ptr<VoiceModel>> load_outetts(const CatalogEntry& entry, const TextModelOptions& text,
                                                            const VoiceModelOptions& options,
                                                            std::function<void(float)> progress = {});
    explicit VoiceModel(Passkey /*only the loaders construct*/) {}
    ~VoiceModel();
    VoiceModel(const VoiceModel&) = delete;
    VoiceModel& operator=(const VoiceModel&) = delete;

    // The voices, the default first.
    const std::vector<std::string>& voices() const { return voices_; }
    // The voice `requested` names: one of voices(), or one of OpenAI's names (alloy, echo, ...) mapped onto
    // them (see voice_model.cpp); empty: the default. INVALID_ARGUMENT naming "voice" otherwise.
    Result<std::string> resolve_voice(std::string_view requested) const;
    // The input cut into sentences, each with something to say. INVALID_ARGUMENT naming "input" when
    // nothing is left (only punctuation, say, which OuteTTS's normalizer drops).
    Result<std::vector<std::string>> sentences(std::string_view input) const;
    // One sentence in `voice` (as resolve_voice returned it). `stop` (may be null) ends it with CANCELLED.
    // Errors: OVERLOADED, CANCELLED, MODEL_NOT_READY (unloading), INVALID_ARGUMENT, INTERNAL.
    Result<SentenceAudio> synthesize(std::string_view sentence, const std::string& voice,
                                     const core::SpeechRequest& request, const std::atomic<bool>* stop);

    bool builtin() const { return flite_ != nullptr; }
    sched::WorkStats stats() const { return pool_->stats(); }
    // The OuteTTS language model's scheduler; nullptr for the built-in voices.
    TextModel* language_model() const { return language_.get(); }
    // Ends running and queued work (their requests end with an error). Idempotent.
    void stop();

private:
    // Runs `make` (the sentence's samples) on the voice's worker; the samples go into `audio`.
    Result<SentenceAudio> on_worker(SentenceAudio audio, const std::function<Result<std::vector<float>>()>& make,
                                    const std::atomic<bool>* stop);
    Result<SentenceAudio> synthesize_flite(std::string_view sentence, const std::string& voice,
                                           const std::atomic<bool>* stop);
    Result<SentenceAudio> synthesize_outetts(std::string_view sentence, const std::string& voice,
                                             const core::SpeechRequest& request, const std::atomic<bool>* stop);
    Result<std::vector<int32_t>> generate_codes(const std::vector<int32_t>& prompt, size_t n_words,
                                                const core::SpeechRequest& request, const std::atomic<bool>* stop,
                                                int32_t& generated);
    Result<void> index_vocabulary();
    Result<void> read_speakers(const std::string& dir);

    std::unique_ptr<engine::FliteSynthesizer> flite_;
    std::shared_ptr<TextModel> language_;
    std::unique_ptr<engine::WavTokenizerVocoder> vocoder_;
    std::map<std::string, core::SpeakerProfile, std::less<>> speakers_;
    engine::OuteTtsVersion version_ = engine::OuteTtsVersion::V0_2;
    std::unordered_map<int32_t, int32_t> code_of_token_;  // vocabulary id of <|N|> -> code N
    int32_t audio_end_ = -1;
    VoiceModelOptions options_;
    std::vector<std::string> voices_;
    std::unique_ptr<sched::WorkPool> pool_;  // last: its workers run the engines above
};

}  // namespace hearth::registry
