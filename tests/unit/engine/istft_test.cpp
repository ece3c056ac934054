// wavtokenizer_audio against numpy (istft_reference.py, the same math written with np.fft.irfft) on random
// frames, against closed forms for pure tones, its input checks and its speed.

#include "engine/istft.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <numbers>
#include <random>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace hearth::engine {
namespace {

constexpr int N_FFT = WAVTOKENIZER_N_FFT;
constexpr int N_EMBD = WAVTOKENIZER_N_EMBD;
constexpr int N_BINS = N_FFT / 2 + 1;

// Log-magnitudes in the range a trained vocoder emits (exp(5) is past the clip at 100), phases in [-pi, pi].
std::vector<float> random_frames(int n_frames, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> log_mag(-6.0f, 5.0f);
    std::uniform_real_distribution<float> phase(-std::numbers::pi_v<float>, std::numbers::pi_v<float>);
    std::vector<float> frames(static_cast<size_t>(n_frames) * N_EMBD);
    for (int l = 0; l < n_frames; ++l) {
        for (int k = 0; k < N_BINS; ++k) {
            frames[static_cast<size_t>(l) * N_EMBD + k] = log_mag(rng);
            frames[static_cast<size_t>(l) * N_EMBD + N_BINS + k] = phase(rng);
        }
    }
    return frames;
}

// The interpreter that runs the reference: $HEARTH_PYTHON3, python3 on PATH, then Debian's own (scripts/deps.sh
// installs python3-numpy for it; a python3 from pyenv or a venv earlier on PATH may lack numpy).
std::string numpy_python() {
    std::vector<std::string> candidates;
    if (const char* env = std::getenv("HEARTH_PYTHON3"); env != nullptr && *env != '\0') {
        candidates.emplace_back(env);
    }
    candidates.emplace_back("python3");
    candidates.emplace_back("/usr/bin/python3");
    for (const std::string& python : candidates) {
        if (std::system((python + " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0) {
            return python;
        }
    }
    return {};
}

std::vector<double> read_doubles(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::vector<double> values(bytes.size() / sizeof(double));
    std::copy(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(values.size() * sizeof(double)),
              reinterpret_cast<char*>(values.data()));
    return values;
}

TEST(IstftTest, MatchesNumpyOnRandomFrames) {
    const std::string python = numpy_python();
    ASSERT_FALSE(python.empty()) << "this test needs python3 with numpy (scripts/deps.sh installs python3-numpy)";
    const testing::TempDir dir;
    for (const int n_frames : {1, 7, 300}) {
        SCOPED_TRACE("frames: " + std::to_string(n_frames));
        const std::vector<float> frames = random_frames(n_frames, 17 + static_cast<uint32_t>(n_frames));
        const std::string in = dir.write(
            "frames.f32", std::string(reinterpret_cast<const char*>(frames.data()), frames.size() * sizeof(float)));
        const std::string out = (dir.path() / "audio.f64").string();
        const std::string command =
            python + " '" + HEARTH_ISTFT_REFERENCE + "' '" + in + "' " + std::to_string(n_frames) + " '" + out + "'";
        ASSERT_EQ(std::system(command.c_str()), 0) << command;
        const std::vector<double> expected = read_doubles(out);

        const Result<std::vector<float>> audio = wavtokenizer_audio(frames, n_frames, N_EMBD);
        ASSERT_TRUE(audio) << audio.error().message;
        ASSERT_EQ(audio->size(), expected.size());
        ASSERT_EQ(audio->size(), static_cast<size_t>(n_frames) * WAVTOKENIZER_HOP);
        double max_error = 0;
        double max_value = 0;
        for (size_t i = 0; i < expected.size(); ++i) {
            max_error = std::max(max_error, std::abs((*audio)[i] - expected[i]));
            max_value = std::max(max_value, std::abs(expected[i]));
        }
        std::cout << n_frames << " frames: max abs error vs numpy " << max_error << "\n";
        EXPECT_LE(max_error, 1e-4);
        EXPECT_GT(max_value, 0.1) << "the frames should make a signal, not silence";
    }
}

// One bin of magnitude `mag` and phase `phi` in every frame, the rest silent. For bins whose phase advances by
// whole turns per hop (k a multiple of 4), every frame holds the same stretch of the tone x(t), and in the
// interior, where four frames overlap, the output is x(t) * sum(w) / sum(w^2) = x(t) * 2 / 1.5.
std::vector<float> tone_frames(int n_frames, int bin, float mag, float phi) {
    std::vector<float> frames(static_cast<size_t>(n_frames) * N_EMBD, 0.0f);
    for (int l = 0; l < n_frames; ++l) {
        for (int k = 0; k < N_BINS; ++k) {
            frames[static_cast<size_t>(l) * N_EMBD + k] = k == bin ? std::log(mag) : -100.0f;
            frames[static_cast<size_t>(l) * N_EMBD + N_BINS + k] = k == bin ? phi : 0.0f;
        }
    }
    return frames;
}

void expect_tone(int bin, float mag, float phi) {
    SCOPED_TRACE("bin " + std::to_string(bin));
    constexpr int N_FRAMES = 20;
    const Result<std::vector<float>> audio = wavtokenizer_audio(tone_frames(N_FRAMES, bin, mag, phi), N_FRAMES, N_EMBD);
    ASSERT_TRUE(audio);
    // irfft: the DC and Nyquist bins count once and only their real part, the others twice (with the mirror).
    const bool edge = bin == 0 || bin == N_FFT / 2;
    const double amplitude = (edge ? 1.0 : 2.0) * mag / N_FFT * (2.0 / 1.5);
    // Untrimmed sample t is in four frames for t in [3 hops, n_frames hops); output sample i is t - pad.
    const int pad = (N_FFT - WAVTOKENIZER_HOP) / 2;
    double max_error = 0;
    for (int i = 3 * WAVTOKENIZER_HOP - pad; i < N_FRAMES * WAVTOKENIZER_HOP - pad; ++i) {
        const double t = i + pad;
        const double expected = edge ? amplitude * std::cos(phi) * std::cos(2 * std::numbers::pi * bin * t / N_FFT)
                                     : amplitude * std::cos(2 * std::numbers::pi * bin * t / N_FFT + phi);
        max_error = std::max(max_error, std::abs((*audio)[static_cast<size_t>(i)] - expected));
    }
    EXPECT_LT(max_error, 1e-5);
}

TEST(IstftTest, PureTonesHaveTheirClosedForm) {
    expect_tone(0, 40.0f, 0.0f);
    expect_tone(8, 50.0f, 0.3f);
    expect_tone(100, 7.0f, -2.0f);
    expect_tone(N_FFT / 2, 30.0f, 0.7f);
}

TEST(IstftTest, MagnitudesAreClippedAt100) {
    constexpr int N_FRAMES = 20;
    const Result<std::vector<float>> loud = wavtokenizer_audio(tone_frames(N_FRAMES, 8, 1e6f, 0.0f), N_FRAMES, N_EMBD);
    const Result<std::vector<float>> clip =
        wavtokenizer_audio(tone_frames(N_FRAMES, 8, 100.0f, 0.0f), N_FRAMES, N_EMBD);
    ASSERT_TRUE(loud && clip);
    EXPECT_EQ(*loud, *clip);
}

TEST(IstftTest, ZeroFramesGiveNoAudio) {
    const Result<std::vector<float>> audio = wavtokenizer_audio({}, 0, N_EMBD);
    ASSERT_TRUE(audio);
    EXPECT_TRUE(audio->empty());
}

TEST(IstftTest, RejectsMalformedFrames) {
    const std::vector<float> frames = random_frames(3, 5);
    const auto expect_invalid = [](const Result<std::vector<float>>& r, const std::string& needle) {
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_NE(r.error().message.find(needle), std::string::npos) << r.error().message;
    };
    expect_invalid(wavtokenizer_audio(frames, 3, N_EMBD - 2), "1280 values, expected 1282");
    expect_invalid(wavtokenizer_audio(std::span(frames).first(frames.size() - 1), 3, N_EMBD), "not 3 frames");
    expect_invalid(wavtokenizer_audio(frames, 4, N_EMBD), "not 4 frames");
    expect_invalid(wavtokenizer_audio(frames, -1, N_EMBD), "not -1 frames");
    std::vector<float> nan = frames;
    nan[N_EMBD + 700] = std::numeric_limits<float>::quiet_NaN();
    expect_invalid(wavtokenizer_audio(nan, 3, N_EMBD), "not finite");
    std::vector<float> inf = frames;
    inf[5] = std::numeric_limits<float>::infinity();
    expect_invalid(wavtokenizer_audio(inf, 3, N_EMBD), "not finite");
}

// Ten seconds of audio (750 frames) must take a small part of the real-time budget on one core; best of three
// so that a busy machine does not fail the test.
TEST(IstftTest, TenSecondsTakeUnder100Milliseconds) {
    constexpr int N_FRAMES = 750;
    const std::vector<float> frames = random_frames(N_FRAMES, 99);
    double best_ms = std::numeric_limits<double>::infinity();
    for (int run = 0; run < 3; ++run) {
        const auto start = std::chrono::steady_clock::now();
        const Result<std::vector<float>> audio = wavtokenizer_audio(frames, N_FRAMES, N_EMBD);
        const std::chrono::duration<double, std::milli> elapsed = std::chrono::steady_clock::now() - start;
        ASSERT_TRUE(audio);
        best_ms = std::min(best_ms, elapsed.count());
    }
    std::cout << "750 frames: " << best_ms << " ms\n";
    EXPECT_LT(best_ms, 100.0);
}

}  // namespace
}  // namespace hearth::engine
