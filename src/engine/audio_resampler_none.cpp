// Resampling for a build without FFmpeg (HEARTH_FFMPEG=OFF): equal rates pass through, others are refused
// in words.

#include "engine/audio_resampler.h"

namespace hearth::engine {

namespace {

template <typename T>
Result<std::vector<T>> pass_through(std::span<const T> in, int from_rate, int to_rate) {
    if (from_rate <= 0 || to_rate <= 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "sample rates must be positive");
    }
    if (from_rate != to_rate && !in.empty()) {
        return make_error(ErrorCode::UNSUPPORTED, "this build has no resampler (built without FFmpeg)");
    }
    return std::vector<T>(in.begin(), in.end());
}

}  // namespace

Result<std::vector<int16_t>> resample_s16(std::span<const int16_t> in, int from_rate, int to_rate) {
    return pass_through(in, from_rate, to_rate);
}

Result<std::vector<float>> resample_float(std::span<const float> in, int from_rate, int to_rate) {
    return pass_through(in, from_rate, to_rate);
}

}  // namespace hearth::engine
