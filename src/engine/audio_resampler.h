#pragma once
// One-shot sample-rate conversion of mono audio through libswresample with its default settings, so that
// the result equals what the ffmpeg command line gives with `-ar RATE` (it inserts an aresample filter with
// default swr options): s16 in, s16 out resamples in 16-bit as that filter does; float in, float out in
// float. The resampler's delayed tail is flushed, so the output runs the full length of the input.
// Thread-safe: each call has its own SwrContext.

#include <cstdint>
#include <span>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

// Equal rates give the input back unchanged (ffmpeg inserts no resampler then). Empty input gives empty
// output. Errors: INVALID_ARGUMENT (a rate <= 0), UNSUPPORTED (a build without FFmpeg, when the rates
// differ), INTERNAL (libswresample failed).
Result<std::vector<int16_t>> resample_s16(std::span<const int16_t> in, int from_rate, int to_rate);
Result<std::vector<float>> resample_float(std::span<const float> in, int from_rate, int to_rate);

}  // namespace hearth::engine
