#pragma once
// Text-to-speech as the engines and the scheduler see it: what to say and how, and the audio that comes
// back. The api layer fills the request; engines return 24 kHz mono float samples, which the server encodes.
// No JSON, no engine types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hearth::core {

// Every synthesized sample leaves the engines at this rate (OpenAI's pcm format is 24 kHz too).
inline constexpr int SPEECH_SAMPLE_RATE = 24000;

enum class AudioFormat { MP3, OPUS, AAC, FLAC, WAV, PCM };

std::string_view to_string(AudioFormat format);
std::optional<AudioFormat> parse_audio_format(std::string_view name);
// The Content-Type of a response in this format ("audio/mpeg", ...).
std::string_view content_type(AudioFormat format);

// One word of an OuteTTS speaker profile: the word as the normalizer writes it, how long it was spoken and
// the audio codes (WavTokenizer codebook indices) it was spoken with.
struct SpeakerWord {
    std::string word;
    double duration = 0;
    std::vector<int32_t> codes;
};

// An OuteTTS speaker: a recorded reference whose words and codes prefix the prompt, so that the language
// model continues in that voice. Empty words: no reference (the model's own default voice).
struct SpeakerProfile {
    std::string name;
    std::string text;
    std::vector<SpeakerWord> words;
};

struct SpeechRequest {
    std::string model;
    std::string input;         // UTF-8, 1..4096 characters
    std::string voice;         // a voice of the model (OpenAI's names map onto them)
    std::string instructions;  // accepted; no engine here can follow them yet
    AudioFormat format = AudioFormat::MP3;
    double speed = 1.0;  // 0.25..4.0, by time-stretching (pitch kept)
    bool sse = false;    // stream_format "sse": speech.audio.delta events; else the encoded bytes, chunked
    // hearth's extensions, for models that sample (OuteTTS): 0 is greedy; unset: the model's recommended
    // sampling, with a fresh seed per request.
    std::optional<float> temperature;
    std::optional<uint32_t> seed;
};

struct SpeechUsage {
    int32_t input_tokens = 0;   // prompt tokens (OuteTTS) or characters (flite)
    int32_t output_tokens = 0;  // audio code tokens generated (OuteTTS); 0 for flite
    double audio_seconds = 0;
};

}  // namespace hearth::core
