#pragma once
// The speech request's speed: mono float audio made faster or slower by time-stretching with the pitch
// kept (libavfilter's atempo, WSOLA-like), never by resampling. Streaming: samples go in as they are
// synthesized and come out as the filter releases them; finish() drains the rest. Speed 1 passes the
// samples through untouched, in both builds. Not thread-safe: one per response.

#include <memory>
#include <span>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

inline constexpr double MIN_SPEECH_SPEED = 0.25;
inline constexpr double MAX_SPEECH_SPEED = 4.0;

class TimeStretch {
public:
    // Errors: INVALID_ARGUMENT (sample_rate <= 0, speed outside 0.25..4.0 or not a number), UNSUPPORTED (a
    // speed other than 1 in a build without FFmpeg), INTERNAL (libavfilter failed to set up).
    static Result<std::unique_ptr<TimeStretch>> create(int sample_rate, double speed);

    virtual ~TimeStretch() = default;
    TimeStretch(const TimeStretch&) = delete;
    TimeStretch& operator=(const TimeStretch&) = delete;

    // The stretched samples ready so far (the filter holds back about a window's worth).
    // Errors: INTERNAL (a libavfilter failure, or a call after finish()).
    virtual Result<std::vector<float>> process(std::span<const float> samples) = 0;
    // The rest. Once; then process() and finish() fail.
    virtual Result<std::vector<float>> finish() = 0;

protected:
    TimeStretch() = default;
};

// For create() only: a speed other than 1 (already checked to be in range), defined by the build's
// implementation (time_stretch_atempo.cpp or time_stretch_none.cpp).
Result<std::unique_ptr<TimeStretch>> create_atempo_stretch(int sample_rate, double speed);

}  // namespace hearth::engine
