#include "core/speech_synthesis.h"

#include <array>

namespace hearth::core {

namespace {

struct FormatNames {
    AudioFormat format;
    std::string_view name;          // OpenAI's response_format value
    std::string_view content_type;  // what a browser or the SDK expects for it
};

// Opus travels in Ogg, so its type is Ogg's; pcm is headerless 16-bit, for which there is no registered type
// (OpenAI answers audio/pcm too).
constexpr std::array<FormatNames, 6> FORMATS{{
    {AudioFormat::MP3, "mp3", "audio/mpeg"},
    {AudioFormat::OPUS, "opus", "audio/ogg"},
    {AudioFormat::AAC, "aac", "audio/aac"},
    {AudioFormat::FLAC, "flac", "audio/flac"},
    {AudioFormat::WAV, "wav", "audio/wav"},
    {AudioFormat::PCM, "pcm", "audio/pcm"},
}};

const FormatNames& names_of(AudioFormat format) {
    for (const auto& entry : FORMATS) {
        if (entry.format == format) {
            return entry;
        }
    }
    return FORMATS[0];  // unreachable for a valid enum value
}

}  // namespace

std::string_view to_string(AudioFormat format) {
    return names_of(format).name;
}

std::optional<AudioFormat> parse_audio_format(std::string_view name) {
    for (const auto& entry : FORMATS) {
        if (entry.name == name) {
            return entry.format;
        }
    }
    return std::nullopt;
}

std::string_view content_type(AudioFormat format) {
    return names_of(format).content_type;
}

}  // namespace hearth::core
