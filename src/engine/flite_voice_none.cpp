// FliteSynthesizer for a build without flite or FFmpeg (HEARTH_FLITE=OFF or HEARTH_FFMPEG=OFF): the built-in
// voice is refused in words.

#include "engine/flite_voice.h"

namespace hearth::engine {

bool FliteSynthesizer::available() {
    return false;
}

Result<std::unique_ptr<FliteSynthesizer>> FliteSynthesizer::create() {
    return make_error(ErrorCode::UNSUPPORTED, "this build has no built-in voice (built without flite or FFmpeg)");
}

FliteSynthesizer::FliteSynthesizer(Passkey /*passkey*/) {}

FliteSynthesizer::~FliteSynthesizer() = default;

const std::vector<std::string>& FliteSynthesizer::voices() const {
    return names_;
}

Result<std::vector<float>> FliteSynthesizer::synthesize(std::string_view text, std::string_view voice,
                                                        const std::atomic<bool>* stop) {
    (void)text;
    (void)voice;
    (void)stop;
    return make_error(ErrorCode::UNSUPPORTED, "this build has no built-in voice (built without flite or FFmpeg)");
}

}  // namespace hearth::engine
