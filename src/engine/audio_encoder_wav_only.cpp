// The compressed formats for a build without FFmpeg (HEARTH_FFMPEG=OFF): refused in words; wav and pcm
// (audio_encoder.cpp) remain.

#include "engine/audio_encoder.h"

namespace hearth::engine {

Result<std::unique_ptr<AudioEncoder>> create_codec_encoder(core::AudioFormat format, int sample_rate, bool streamed) {
    (void)sample_rate;
    (void)streamed;
    return make_error(ErrorCode::UNSUPPORTED,
                      "this build cannot encode " + std::string(core::to_string(format)) +
                          " (built without FFmpeg): only wav and pcm",
                      "response_format");
}

}  // namespace hearth::engine
