#include "engine/flite_voice.h"

#include <array>
#include <csetjmp>
#include <cstdlib>
#include <flite/flite.h>
#include <mutex>

#include "core/speech_synthesis.h"
#include "engine/audio_resampler.h"
#include "engine/c_handles.h"

// The voices' own entry points (libflite_cmu_us_*), which no flite header declares.
extern "C" {
cst_voice* register_cmu_us_slt(const char* voxdir);
void unregister_cmu_us_slt(cst_voice* voice);
cst_voice* register_cmu_us_kal(const char* voxdir);
void unregister_cmu_us_kal(cst_voice* voice);
cst_voice* register_cmu_us_awb(const char* voxdir);
void unregister_cmu_us_awb(cst_voice* voice);
cst_voice* register_cmu_us_rms(const char* voxdir);
void unregister_cmu_us_rms(cst_voice* voice);
cst_voice* register_cmu_us_kal16(const char* voxdir);
void unregister_cmu_us_kal16(cst_voice* voice);
}

namespace hearth::engine {

void FliteVoiceDeleter::operator()(cst_voice_struct* voice) const {
    if (unregister != nullptr) {
        unregister(voice);
    }
}
void FliteUtteranceDeleter::operator()(cst_utterance_struct* utt) const {
    delete_utterance(utt);
}
void FliteStreamingInfoDeleter::operator()(cst_audio_streaming_info_struct* info) const {
    delete_audio_streaming_info(info);
}

namespace {

struct VoiceEntry {
    const char* name;
    cst_voice* (*register_voice)(const char*);
    void (*unregister_voice)(cst_voice*);
};

constexpr std::array<VoiceEntry, 5> VOICE_TABLE{{
    {"slt", &register_cmu_us_slt, &unregister_cmu_us_slt},
    {"kal", &register_cmu_us_kal, &unregister_cmu_us_kal},
    {"awb", &register_cmu_us_awb, &unregister_cmu_us_awb},
    {"rms", &register_cmu_us_rms, &unregister_cmu_us_rms},
    {"kal16", &register_cmu_us_kal16, &unregister_cmu_us_kal16},
}};

// flite's voices are process-wide (register_cmu_us_* hands back the one already registered), so they are
// counted here rather than owned by an instance: registered by the first FliteSynthesizer, unregistered
// with the last. Everything below runs under `mutex`, every flite call included.
struct FliteState {
    std::mutex mutex;
    int users = 0;
    bool initialized = false;
    std::vector<flite_voice_ptr> voices;      // VOICE_TABLE's order
    const std::atomic<bool>* stop = nullptr;  // the flag of the synthesis in progress
};

FliteState& flite_state() {
    static FliteState state;
    return state;
}

bool stopped(const std::atomic<bool>* stop) {
    return stop != nullptr && stop->load(std::memory_order_relaxed);
}

Error cancelled() {
    return make_error(ErrorCode::CANCELLED, "the speech request was cancelled");
}

// flite calls this every min_buffsize samples while it makes the waveform; STOP ends the synthesis
// (the utterance then holds an empty wave and the "Interrupted" feature).
int poll_stop(const cst_wave* /*wave*/, int /*start*/, int /*size*/, int /*last*/, cst_audio_streaming_info* info) {
    const auto* state = static_cast<const FliteState*>(info->userdata);
    return stopped(state->stop) ? CST_AUDIO_STREAM_STOP : CST_AUDIO_STREAM_CONT;
}

// Registers one voice and gives it the stop callback; the voice's features own the streaming info from
// then on (unregistering frees it). The callback only reads the samples, so the waveform is unchanged.
Result<flite_voice_ptr> register_voice(const VoiceEntry& entry, FliteState& state) {
    flite_voice_ptr voice(entry.register_voice(nullptr), FliteVoiceDeleter{entry.unregister_voice});
    flite_streaming_info_ptr info(new_audio_streaming_info());
    if (!voice || !info) {
        return make_error(ErrorCode::INTERNAL, std::string("flite cannot register the voice ") + entry.name);
    }
    info->asc = &poll_stop;
    info->userdata = &state;
    feat_set(voice->features, "streaming_info", audio_streaming_info_val(info.release()));
    return voice;
}

Result<void> acquire_voices() {
    auto& state = flite_state();
    std::lock_guard lock(state.mutex);
    if (state.users > 0) {
        ++state.users;
        return {};
    }
    if (!state.initialized) {
        flite_init();
        state.initialized = true;
    }
    std::vector<flite_voice_ptr> voices;
    for (const auto& entry : VOICE_TABLE) {
        auto voice = register_voice(entry, state);
        if (!voice) {
            return voice.error();
        }
        voices.push_back(std::move(*voice));
    }
    state.voices = std::move(voices);
    state.users = 1;
    return {};
}

void release_voices() {
    auto& state = flite_state();
    std::lock_guard lock(state.mutex);
    if (--state.users == 0) {
        state.voices.clear();
    }
}

// flite_synth_text with flite's fatal-error exit turned into a null result: flite calls exit() from
// cst_error() unless cst_errjmp is set. Only trivially destructible locals live here, so the longjmp skips
// nothing C++ must run; what flite had allocated for the failed utterance leaks (it never happens with the
// built-in voices; this keeps a flite bug from taking the server down).
cst_utterance* synth_guarded(const char* text, cst_voice* voice) {
    std::jmp_buf on_error;
    cst_errjmp = &on_error;
    if (setjmp(on_error) != 0) {  // NOLINT(cert-err52-cpp): flite's only recovery from a fatal error
        cst_errjmp = nullptr;
        return nullptr;
    }
    cst_utterance* utt = flite_synth_text(text, voice);
    cst_errjmp = nullptr;
    return utt;
}

// Whether flite found anything to say: a segment other than silence ("pau").
bool speaks(cst_utterance* utt) {
    if (utt_relation_present(utt, "Segment") == 0) {
        return false;
    }
    for (const cst_item* s = relation_head(utt_relation(utt, "Segment")); s != nullptr; s = item_next(s)) {
        if (!cst_streq(item_feat_string(s, "name"), "pau")) {
            return true;
        }
    }
    return false;
}

struct FliteWave {
    std::vector<int16_t> samples;
    int rate = 0;
};

Result<FliteWave> wave_of(cst_utterance* utt, const std::atomic<bool>* stop) {
    if (feat_present(utt->features, "Interrupted") != 0 || stopped(stop)) {
        return cancelled();
    }
    if (!speaks(utt)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the input holds nothing flite can speak", "input");
    }
    const cst_wave* wave = feat_present(utt->features, "wave") != 0 ? utt_wave(utt) : nullptr;
    if (wave == nullptr || wave->num_channels != 1 || wave->sample_rate <= 0 || wave->num_samples < 0) {
        return make_error(ErrorCode::INTERNAL, "flite returned no usable waveform");
    }
    FliteWave out;
    out.samples.assign(wave->samples, wave->samples + wave->num_samples);
    out.rate = wave->sample_rate;
    return out;
}

Result<FliteWave> run_flite(const std::string& text, size_t voice, const std::atomic<bool>* stop) {
    auto& state = flite_state();
    std::lock_guard lock(state.mutex);
    if (stopped(stop)) {
        return cancelled();
    }
    state.stop = stop;
    std::srand(1);  // the clustergen voices' noise: a fresh process's rand() state, as in ffmpeg
    flite_utterance_ptr utt(synth_guarded(text.c_str(), state.voices[voice].get()));
    state.stop = nullptr;
    if (!utt) {
        return make_error(ErrorCode::INTERNAL, "flite failed to synthesize the input");
    }
    return wave_of(utt.get(), stop);
}

}  // namespace

bool FliteSynthesizer::available() {
    return true;
}

Result<std::unique_ptr<FliteSynthesizer>> FliteSynthesizer::create() {
    if (auto acquired = acquire_voices(); !acquired) {
        return acquired.error();
    }
    return std::make_unique<FliteSynthesizer>(Passkey{});
}

FliteSynthesizer::FliteSynthesizer(Passkey /*passkey*/) {
    for (const auto& entry : VOICE_TABLE) {
        names_.emplace_back(entry.name);
    }
}

FliteSynthesizer::~FliteSynthesizer() {
    release_voices();
}

const std::vector<std::string>& FliteSynthesizer::voices() const {
    return names_;
}

Result<std::vector<float>> FliteSynthesizer::synthesize(std::string_view text, std::string_view voice,
                                                        const std::atomic<bool>* stop) {
    size_t index = 0;
    while (index < VOICE_TABLE.size() && voice != VOICE_TABLE[index].name) {
        ++index;
    }
    if (index == VOICE_TABLE.size()) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "unknown voice '" + std::string(voice) + "': flite has slt, kal, awb, rms and kal16",
                          "voice");
    }
    if (text.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the input is empty", "input");
    }
    auto wave = run_flite(flite_text(text), index, stop);
    if (!wave) {
        return wave.error();
    }
    // In 16 bits, as ffmpeg's aresample converts flite's s16 output.
    auto resampled = resample_s16(wave->samples, wave->rate, core::SPEECH_SAMPLE_RATE);
    if (!resampled) {
        return resampled.error();
    }
    std::vector<float> samples(resampled->size());
    for (size_t i = 0; i < samples.size(); ++i) {
        samples[i] = static_cast<float>((*resampled)[i]) / 32768.0F;
    }
    return samples;
}

}  // namespace hearth::engine
