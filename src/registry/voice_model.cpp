// VoiceModel: loading, voices and sentences; the flite voices. OuteTTS synthesis is in outetts_voice.cpp.

#include "registry/voice_model.h"

#include <algorithm>
#include <array>
#include <filesystem>
#include <utility>

#include "util/file_io.h"
#include "util/log.h"

namespace hearth::registry {

namespace {

// A sentence longer than this is cut at a space: each piece must fit one pass of the language model.
constexpr size_t MAX_SENTENCE_CHARS = 400;

// OpenAI's voices onto flite's: its female US voice (slt) for the voices OpenAI describes as female or
// neutral, its male voices (rms, awb, kal16) for the others.
constexpr std::array<std::pair<std::string_view, std::string_view>, 13> OPENAI_TO_FLITE = {{
    {"alloy", "slt"},
    {"ash", "rms"},
    {"ballad", "awb"},
    {"coral", "slt"},
    {"echo", "rms"},
    {"fable", "awb"},
    {"nova", "slt"},
    {"onyx", "kal16"},
    {"sage", "slt"},
    {"shimmer", "slt"},
    {"verse", "kal16"},
    {"marin", "slt"},
    {"cedar", "rms"},
}};

constexpr std::string_view OUTETTS_DEFAULT_VOICE = "default";

bool is_openai_voice(std::string_view name) {
    return std::any_of(OPENAI_TO_FLITE.begin(), OPENAI_TO_FLITE.end(),
                       [&](const auto& pair) { return pair.first == name; });
}

}  // namespace

VoiceModel::~VoiceModel() {
    stop();
}

void VoiceModel::stop() {
    if (pool_) {
        pool_->stop();
    }
    if (language_) {
        language_->scheduler().stop();
    }
}

Result<std::shared_ptr<VoiceModel>> VoiceModel::load_builtin(const VoiceModelOptions& options) {
    auto flite = engine::FliteSynthesizer::create();
    if (!flite) {
        return flite.error();
    }
    auto model = std::make_shared<VoiceModel>(Passkey{});
    model->flite_ = std::move(*flite);
    model->options_ = options;
    model->voices_ = model->flite_->voices();
    // flite serializes its calls: one worker is all it can use.
    model->pool_ = std::make_unique<sched::WorkPool>("the flite voices", sched::WorkPoolConfig{1, options.max_waiting});
    return model;
}

Result<std::shared_ptr<VoiceModel>> VoiceModel::load_outetts(const CatalogEntry& entry, const TextModelOptions& text,
                                                             const VoiceModelOptions& options,
                                                             std::function<void(float)> progress) {
    if (entry.vocoder.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "an OuteTTS model needs its WavTokenizer vocoder (vocoder)");
    }
    auto model = std::make_shared<VoiceModel>(Passkey{});
    model->options_ = options;
    auto vocoder = engine::WavTokenizerVocoder::load(entry.vocoder, options.n_threads, options.max_codes);
    if (!vocoder) {
        return make_error(vocoder.error().code, "vocoder " + entry.vocoder + ": " + vocoder.error().message);
    }
    model->vocoder_ = std::move(*vocoder);
    auto language = TextModel::load(entry.info.path, text, std::move(progress));
    if (!language) {
        return language.error();
    }
    model->language_ = std::move(*language);
    if (auto indexed = model->index_vocabulary(); !indexed) {
        return indexed.error();
    }
    model->voices_.emplace_back(OUTETTS_DEFAULT_VOICE);
    if (!entry.speakers.empty()) {
        if (auto read = model->read_speakers(entry.speakers); !read) {
            return read.error();
        }
    }
    // One vocoder pass at a time: it has no per-sequence masking, and one pass already uses every thread.
    model->pool_ = std::make_unique<sched::WorkPool>("the vocoder", sched::WorkPoolConfig{1, options.max_waiting});
    return model;
}

// Every *.json of the folder is a speaker profile named by its file stem; a bad one fails the load, as a
// voice that silently vanished would surprise more.
Result<void> VoiceModel::read_speakers(const std::string& dir) {
    namespace fs = std::filesystem;
    std::error_code ec;
    std::vector<fs::path> files;
    for (const auto& item : fs::directory_iterator(dir, ec)) {
        if (item.path().extension() == ".json") {
            files.push_back(item.path());
        }
    }
    if (ec) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "speakers folder " + dir + ": " + ec.message());
    }
    std::sort(files.begin(), files.end());
    for (const fs::path& file : files) {
        auto text = read_text_file(file.string());
        if (!text) {
            return text.error();
        }
        const std::string name = file.stem().string();
        auto profile = engine::parse_speaker_profile(*text, name);
        if (!profile) {
            return make_error(ErrorCode::INVALID_ARGUMENT,
                              "speaker profile " + file.string() + ": " + profile.error().message);
        }
        if (name != OUTETTS_DEFAULT_VOICE) {
            speakers_.emplace(name, std::move(*profile));
            voices_.push_back(name);
        }
    }
    return {};
}

Result<std::string> VoiceModel::resolve_voice(std::string_view requested) const {
    if (requested.empty()) {
        return voices_.front();
    }
    if (std::find(voices_.begin(), voices_.end(), requested) != voices_.end()) {
        return std::string(requested);
    }
    if (is_openai_voice(requested)) {
        if (flite_) {
            const auto* it = std::find_if(OPENAI_TO_FLITE.begin(), OPENAI_TO_FLITE.end(),
                                          [&](const auto& pair) { return pair.first == requested; });
            return std::string(it->second);
        }
        return std::string(OUTETTS_DEFAULT_VOICE);  // a profile of that name was matched above
    }
    std::string known;
    for (const auto& voice : voices_) {
        known += (known.empty() ? "" : ", ") + voice;
    }
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "Unknown voice '" + std::string(requested) + "'; this model's voices are " + known +
                          " (OpenAI's voice names map onto them)",
                      "voice");
}

Result<std::vector<std::string>> VoiceModel::sentences(std::string_view input) const {
    std::vector<std::string> out;
    for (std::string& sentence : engine::split_sentences(input, MAX_SENTENCE_CHARS)) {
        // OuteTTS speaks only what its normalizer keeps; flite reads whatever has a letter or digit.
        const bool speakable =
            flite_ ? std::any_of(sentence.begin(), sentence.end(), [](unsigned char c) { return std::isalnum(c); })
                   : !engine::outetts_words(sentence).empty();
        if (speakable) {
            out.push_back(std::move(sentence));
        }
    }
    if (out.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          std::string("The input has nothing to say: ") +
                              (flite_ ? "no letters or digits"
                                      : "nothing is left once it is normalized (English letters and numbers)"),
                          "input");
    }
    return out;
}

Result<SentenceAudio> VoiceModel::synthesize(std::string_view sentence, const std::string& voice,
                                             const core::SpeechRequest& request, const std::atomic<bool>* stop) {
    return flite_ ? synthesize_flite(sentence, voice, stop) : synthesize_outetts(sentence, voice, request, stop);
}

Result<SentenceAudio> VoiceModel::synthesize_flite(std::string_view sentence, const std::string& voice,
                                                   const std::atomic<bool>* stop) {
    SentenceAudio audio;
    audio.input_tokens = static_cast<int32_t>(sentence.size());
    return on_worker(
        std::move(audio), [&] { return flite_->synthesize(sentence, voice, stop); }, stop);
}

Result<SentenceAudio> VoiceModel::on_worker(SentenceAudio audio,
                                            const std::function<Result<std::vector<float>>()>& make,
                                            const std::atomic<bool>* stop) {
    auto ran = pool_->run(
        [&]() -> Result<void> {
            auto samples = make();
            if (!samples) {
                return samples.error();
            }
            audio.samples = std::move(*samples);
            return {};
        },
        stop);
    if (!ran) {
        return ran.error();
    }
    return audio;
}

}  // namespace hearth::registry
