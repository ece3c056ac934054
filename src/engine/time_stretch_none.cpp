// Time-stretching for a build without FFmpeg (HEARTH_FFMPEG=OFF): only speed 1 (time_stretch.cpp); any
// other is refused in words.

#include "engine/time_stretch.h"

namespace hearth::engine {

Result<std::unique_ptr<TimeStretch>> create_atempo_stretch(int sample_rate, double speed) {
    (void)sample_rate;
    (void)speed;
    return make_error(ErrorCode::UNSUPPORTED, "this build cannot change the speed (built without FFmpeg)", "speed");
}

}  // namespace hearth::engine
