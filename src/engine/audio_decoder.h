#pragma once
// Any audio a user would upload (wav, mp3, flac, ogg/opus, m4a/aac, webm, ...) from memory to 16 kHz mono
// float samples, through the FFmpeg libraries: the container is probed from the bytes (never the file
// name), the first audio stream decoded, channels mixed down and the rate converted.
// Thread-safe: each call has its own FFmpeg contexts.

#include <string_view>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

struct DecodedAudio {
    std::vector<float> samples;  // 16 kHz mono, [-1, 1]
    int source_rate = 0;
    int source_channels = 0;
    double seconds() const { return static_cast<double>(samples.size()) / 16000.0; }
};

// Errors: INVALID_ARGUMENT for bytes that are not audio (no container, no audio stream, undecodable) or
// empty audio; PAYLOAD_TOO_LARGE when the audio runs longer than max_seconds (decoding stops there).
Result<DecodedAudio> decode_audio(std::string_view bytes, double max_seconds);

}  // namespace hearth::engine
