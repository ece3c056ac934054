#pragma once
// Test signals and their measurement for the audio output tests (encoder, time stretch): a sine, its
// dominant frequency by a direct DFT scan, how much of a signal one sinusoid explains, and the ffmpeg and
// ffprobe command-line tools found on PATH at run time (the independent decoders).

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <unistd.h>
#include <vector>

namespace hearth::testing {

inline std::vector<float> make_sine(double frequency, double amplitude, int sample_rate, size_t count) {
    std::vector<float> out(count);
    for (size_t i = 0; i < count; ++i) {
        out[i] = static_cast<float>(
            amplitude * std::sin(2.0 * std::numbers::pi * frequency * static_cast<double>(i) / sample_rate));
    }
    return out;
}

// The least-squares fit of a*sin + b*cos at this frequency: its amplitude and the share of the signal's
// energy it explains (1: a pure tone at this frequency).
struct SineFit {
    double amplitude = 0;
    double explained = 0;
};

inline SineFit fit_sine(std::span<const float> x, double frequency, int sample_rate) {
    double ss = 0, sc = 0, cc = 0, xs = 0, xc = 0, xx = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        const double phase = 2.0 * std::numbers::pi * frequency * static_cast<double>(i) / sample_rate;
        const double s = std::sin(phase);
        const double c = std::cos(phase);
        ss += s * s;
        sc += s * c;
        cc += c * c;
        xs += x[i] * s;
        xc += x[i] * c;
        xx += static_cast<double>(x[i]) * x[i];
    }
    const double det = ss * cc - sc * sc;
    if (det <= 0 || xx <= 0) {
        return {};
    }
    const double a = (xs * cc - xc * sc) / det;
    const double b = (xc * ss - xs * sc) / det;
    return {std::hypot(a, b), (a * xs + b * xc) / xx};
}

inline double dft_power(std::span<const float> x, double frequency, int sample_rate) {
    // Goertzel's recurrence: one pass, no table.
    const double w = 2.0 * std::numbers::pi * frequency / sample_rate;
    const double coeff = 2.0 * std::cos(w);
    double s1 = 0, s2 = 0;
    for (float v : x) {
        const double s0 = v + coeff * s1 - s2;
        s2 = s1;
        s1 = s0;
    }
    return s1 * s1 + s2 * s2 - coeff * s1 * s2;
}

// The strongest frequency between 50 Hz and 4 kHz: a 10 Hz scan, then 0.25 Hz steps around its peak.
inline double dominant_frequency(std::span<const float> x, int sample_rate) {
    double best = 50;
    double best_power = -1;
    for (double f = 50; f <= 4000; f += 10) {
        if (const double p = dft_power(x, f, sample_rate); p > best_power) {
            best_power = p;
            best = f;
        }
    }
    const double coarse = best;
    for (double f = coarse - 10; f <= coarse + 10; f += 0.25) {
        if (const double p = dft_power(x, f, sample_rate); p > best_power) {
            best_power = p;
            best = f;
        }
    }
    return best;
}

// The full path of a program on PATH, or empty.
inline std::string find_program(std::string_view name) {
    const char* path = std::getenv("PATH");
    std::string_view dirs = path != nullptr ? path : "/usr/bin:/bin";
    while (!dirs.empty()) {
        const size_t colon = dirs.find(':');
        std::string candidate(dirs.substr(0, colon));
        candidate += "/";
        candidate += name;
        if (access(candidate.c_str(), X_OK) == 0) {
            return candidate;
        }
        dirs = colon == std::string_view::npos ? std::string_view() : dirs.substr(colon + 1);
    }
    return {};
}

// stdout of a shell command (stderr passes through to the test's log).
inline std::string run_capture(const std::string& command) {
    std::string out;
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), &pclose);
    if (!pipe) {
        return out;
    }
    char buffer[1 << 16];
    size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof(buffer), pipe.get())) > 0) {
        out.append(buffer, n);
    }
    return out;
}

inline std::vector<float> as_floats(const std::string& bytes) {
    std::vector<float> out(bytes.size() / sizeof(float));
    for (size_t i = 0; i < out.size(); ++i) {
        std::memcpy(&out[i], bytes.data() + i * sizeof(float), sizeof(float));
    }
    return out;
}

inline std::vector<int16_t> as_s16(std::string_view bytes) {
    std::vector<int16_t> out(bytes.size() / 2);
    for (size_t i = 0; i < out.size(); ++i) {
        const auto lo = static_cast<uint8_t>(bytes[2 * i]);
        const auto hi = static_cast<uint8_t>(bytes[2 * i + 1]);
        out[i] = static_cast<int16_t>(static_cast<uint16_t>(lo | (hi << 8)));
    }
    return out;
}

}  // namespace hearth::testing
