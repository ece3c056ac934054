// TimeStretch::create and speed 1, the same in every build.

#include "engine/time_stretch.h"

namespace hearth::engine {

namespace {

class PassThrough final : public TimeStretch {
public:
    Result<std::vector<float>> process(std::span<const float> samples) override {
        if (finished_) {
            return make_error(ErrorCode::INTERNAL, "the time stretch has already finished");
        }
        return std::vector<float>(samples.begin(), samples.end());
    }
    Result<std::vector<float>> finish() override {
        if (finished_) {
            return make_error(ErrorCode::INTERNAL, "the time stretch has already finished");
        }
        finished_ = true;
        return std::vector<float>();
    }

private:
    bool finished_ = false;
};

}  // namespace

Result<std::unique_ptr<TimeStretch>> TimeStretch::create(int sample_rate, double speed) {
    if (sample_rate <= 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the sample rate must be positive");
    }
    // Written so that NaN fails too.
    if (!(speed >= MIN_SPEECH_SPEED && speed <= MAX_SPEECH_SPEED)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "speed must be between 0.25 and 4.0", "speed");
    }
    if (speed == 1.0) {
        return std::unique_ptr<TimeStretch>(std::make_unique<PassThrough>());
    }
    return create_atempo_stretch(sample_rate, speed);
}

}  // namespace hearth::engine
