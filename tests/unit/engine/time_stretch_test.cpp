// TimeStretch: every speed shortens or lengthens a 440 Hz sine by its factor and keeps its pitch; the result
// equals the ffmpeg tool's atempo on the same samples; speed 1 is untouched; the range and the call order
// are enforced.

#include "engine/time_stretch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <iostream>
#include <limits>
#include <string>
#include <vector>

#include "engine/audio_test_signal.h"
#include "temp_dir.h"

namespace hearth::engine {
namespace {

constexpr int RATE = 24000;
constexpr double TONE = 440;
constexpr size_t LENGTH = 2 * RATE;
constexpr std::array<size_t, 7> CHUNKS{1, 333, 0, 4096, 2500, 17, 9000};

struct Stretched {
    std::vector<float> samples;
    size_t before_finish = 0;  // how many came out of process() calls
};

Stretched stretch(double speed, std::span<const float> input, bool chunked = true) {
    Stretched out;
    auto stretcher = TimeStretch::create(RATE, speed);
    if (!stretcher) {
        ADD_FAILURE() << "create: " << stretcher.error().message;
        return out;
    }
    for (size_t pos = 0, i = 0; pos < input.size(); ++i) {
        const size_t n = chunked ? std::min(CHUNKS[i % CHUNKS.size()], input.size() - pos) : input.size();
        auto part = (*stretcher)->process(input.subspan(pos, n));
        if (!part) {
            ADD_FAILURE() << "process: " << part.error().message;
            return out;
        }
        out.samples.insert(out.samples.end(), part->begin(), part->end());
        pos += n;
    }
    out.before_finish = out.samples.size();
    auto rest = (*stretcher)->finish();
    if (!rest) {
        ADD_FAILURE() << "finish: " << rest.error().message;
        return out;
    }
    out.samples.insert(out.samples.end(), rest->begin(), rest->end());
    return out;
}

struct LocalFit {
    double min_amplitude = 1e9;
    double max_amplitude = 0;
    double min_explained = 1;
};

// The 440 Hz fit of every 50 ms window: the worst of them.
LocalFit worst_local_fit(std::span<const float> x) {
    constexpr size_t WINDOW = RATE / 20;
    LocalFit worst;
    for (size_t pos = 0; pos + WINDOW <= x.size(); pos += WINDOW) {
        const auto fit = testing::fit_sine(x.subspan(pos, WINDOW), TONE, RATE);
        worst.min_amplitude = std::min(worst.min_amplitude, fit.amplitude);
        worst.max_amplitude = std::max(worst.max_amplitude, fit.amplitude);
        worst.min_explained = std::min(worst.min_explained, fit.explained);
    }
    return worst;
}

TEST(TimeStretchTest, ChangesDurationKeepsPitch) {
    const auto sine = testing::make_sine(TONE, 0.5, RATE, LENGTH);
    for (const double speed : {2.0, 0.5, 0.25, 4.0, 1.25, 0.3, 0.75, 3.3}) {
        SCOPED_TRACE("speed " + std::to_string(speed));
        const Stretched out = stretch(speed, sine);
        const double expected = static_cast<double>(LENGTH) / speed;
        EXPECT_NEAR(static_cast<double>(out.samples.size()), expected, 0.02 * expected);
        // Streaming: most of the audio leaves before the end (atempo holds back about one window).
        EXPECT_GT(static_cast<double>(out.before_finish), 0.8 * expected);
        // Pitch: the middle half still rings at 440 Hz, and every 50 ms of it is that sine at its amplitude.
        // (Not one fit over the whole: atempo joins its segments where they match best, so the phase drifts
        // from one to the next; slowed down, a single 440 Hz fit over a second explains as little as 16%.)
        const auto middle = std::span<const float>(out.samples).subspan(out.samples.size() / 4, out.samples.size() / 2);
        EXPECT_NEAR(testing::dominant_frequency(middle, RATE), TONE, 3.0);
        const LocalFit fit = worst_local_fit(middle);
        std::cout << "  speed " << speed << ": " << out.samples.size() << " samples (expected " << expected
                  << "), amplitude " << fit.min_amplitude << ".." << fit.max_amplitude
                  << ", explained >= " << fit.min_explained << "\n";
        EXPECT_GE(fit.min_amplitude, 0.5 * 0.95);
        EXPECT_LE(fit.max_amplitude, 0.5 * 1.05);
        EXPECT_GE(fit.min_explained, 0.99);
    }
}

// The same filter as the ffmpeg tool's `-af atempo=...` (two stages below 0.5), fed in other pieces.
TEST(TimeStretchTest, EqualsFfmpegsAtempo) {
    const std::string ffmpeg = testing::find_program("ffmpeg");
    if (ffmpeg.empty()) {
        GTEST_SKIP() << "ffmpeg is not on PATH (Debian's ffmpeg package)";
    }
    // Speech-like: a tone with a slow vibrato and an envelope, so that matching is not trivial.
    std::vector<float> x(RATE + 777);
    for (size_t i = 0; i < x.size(); ++i) {
        const double t = static_cast<double>(i) / RATE;
        x[i] = static_cast<float>(0.4 * std::sin(2 * M_PI * (220 * t + 3 * std::sin(2 * M_PI * 5 * t))) *
                                  (0.6 + 0.4 * std::sin(2 * M_PI * 1.5 * t)));
    }
    const testing::TempDir dir;
    const std::string in = dir.write("in.f32", std::string(reinterpret_cast<const char*>(x.data()), x.size() * 4));
    for (const auto& [speed, filter] :
         {std::pair{2.0, "atempo=2"}, std::pair{0.7, "atempo=0.7"}, std::pair{0.25, "atempo=0.5,atempo=0.5"}}) {
        SCOPED_TRACE(filter);
        const auto want = testing::as_floats(testing::run_capture(
            ffmpeg + " -nostdin -v error -f f32le -ar 24000 -ac 1 -i " + in + " -af " + filter + " -f f32le -"));
        const Stretched got = stretch(speed, x);
        ASSERT_EQ(got.samples.size(), want.size());
        float max_error = 0;
        for (size_t i = 0; i < want.size(); ++i) {
            max_error = std::max(max_error, std::abs(got.samples[i] - want[i]));
        }
        EXPECT_LE(max_error, 1e-6F);
        EXPECT_EQ(got.samples, stretch(speed, x, false).samples);  // the pieces do not matter
    }
}

TEST(TimeStretchTest, SpeedOneIsUntouched) {
    std::vector<float> x = testing::make_sine(TONE, 0.5, RATE, 12345);
    x[7] = 3.0F;  // not even clipped
    const Stretched out = stretch(1.0, x);
    EXPECT_EQ(out.samples, x);
    EXPECT_EQ(out.before_finish, x.size());
}

TEST(TimeStretchTest, NoInputGivesNoOutput) {
    for (const double speed : {1.0, 2.0, 0.25}) {
        const Stretched out = stretch(speed, {});
        EXPECT_TRUE(out.samples.empty()) << speed;
    }
}

TEST(TimeStretchTest, RejectsSpeedsOutOfRangeAndBadRates) {
    for (const double speed : {0.0, -1.0, 0.2499, 4.0001, 100.0, std::numeric_limits<double>::quiet_NaN(),
                               std::numeric_limits<double>::infinity()}) {
        auto stretcher = TimeStretch::create(RATE, speed);
        ASSERT_FALSE(stretcher) << speed;
        EXPECT_EQ(stretcher.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_EQ(stretcher.error().param, "speed");
        EXPECT_NE(stretcher.error().message.find("0.25"), std::string::npos);
    }
    for (const double speed : {MIN_SPEECH_SPEED, MAX_SPEECH_SPEED}) {
        EXPECT_TRUE(TimeStretch::create(RATE, speed)) << speed;
    }
    for (const int rate : {0, -1}) {
        auto stretcher = TimeStretch::create(rate, 2.0);
        ASSERT_FALSE(stretcher);
        EXPECT_EQ(stretcher.error().code, ErrorCode::INVALID_ARGUMENT);
    }
}

TEST(TimeStretchTest, NothingAfterFinish) {
    const std::vector<float> x(1000, 0.1F);
    for (const double speed : {1.0, 2.0, 0.25}) {
        SCOPED_TRACE("speed " + std::to_string(speed));
        auto stretcher = TimeStretch::create(RATE, speed);
        ASSERT_TRUE(stretcher);
        ASSERT_TRUE((*stretcher)->process(x));
        ASSERT_TRUE((*stretcher)->finish());
        auto again = (*stretcher)->finish();
        ASSERT_FALSE(again);
        EXPECT_EQ(again.error().code, ErrorCode::INTERNAL);
        auto late = (*stretcher)->process(x);
        ASSERT_FALSE(late);
        EXPECT_EQ(late.error().code, ErrorCode::INTERNAL);
    }
}

}  // namespace
}  // namespace hearth::engine
