#pragma once
// RIFF WAVE without FFmpeg: integer PCM (8, 16, 24, 32 bits) and IEEE float (32, 64 bits), plain or
// WAVE_FORMAT_EXTENSIBLE, any channel count mixed down, any rate brought to 16 kHz by linear interpolation.
// A build without FFmpeg (HEARTH_FFMPEG=OFF: a machine without Debian's FFmpeg libraries, such as the lent
// GPU machine) decodes uploads with it alone. Thread-safe: no state.

#include <string_view>

#include "engine/audio_decoder.h"
#include "util/result.h"

namespace hearth::engine {

// Errors as decode_audio: INVALID_ARGUMENT for bytes that are not a WAVE file this reads (the message says
// which part), or that hold no samples; PAYLOAD_TOO_LARGE when the audio runs longer than max_seconds.
Result<DecodedAudio> decode_wav(std::string_view bytes, double max_seconds);

}  // namespace hearth::engine
