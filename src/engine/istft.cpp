#include "engine/istft.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <numbers>
#include <string>

namespace hearth::engine {

namespace {

constexpr int N_FFT = WAVTOKENIZER_N_FFT;
constexpr int HOP = WAVTOKENIZER_HOP;
constexpr int N_BINS = N_FFT / 2 + 1;
// The vocoder's magnitudes are clipped here, as in Vocos (exp of a large log-magnitude is noise, not signal).
constexpr double MAX_MAGNITUDE = 100.0;
// 1280 = 5 * 256: the inverse FFT runs as 5 radix-2 transforms of 256 bins each (bins k = 5m + r), combined
// with one twiddle pass. A plain DFT would cost 1280 * 641 products a frame, 20 times more.
constexpr int RADIX = 5;
constexpr int N_SUB = N_FFT / RADIX;
static_assert(N_SUB * RADIX == N_FFT && (N_SUB & (N_SUB - 1)) == 0);

using Row = std::array<double, N_FFT>;
using SubRow = std::array<double, N_SUB>;

struct Tables {
    Row cos_table;  // cos(2 pi j / N_FFT)
    Row sin_table;  // sin(2 pi j / N_FFT)
    Row window;     // periodic Hann: 0.5 - 0.5 cos(2 pi j / N_FFT)
    std::array<int, N_SUB> bit_reversed{};
};

Tables make_tables() {
    Tables t{};
    for (int j = 0; j < N_FFT; ++j) {
        const double angle = 2.0 * std::numbers::pi * j / N_FFT;
        t.cos_table[j] = std::cos(angle);
        t.sin_table[j] = std::sin(angle);
        t.window[j] = 0.5 - 0.5 * t.cos_table[j];
    }
    int bits = 0;
    while ((1 << bits) < N_SUB) {
        ++bits;
    }
    for (int m = 0; m < N_SUB; ++m) {
        int reversed = 0;
        for (int b = 0; b < bits; ++b) {
            reversed |= ((m >> b) & 1) << (bits - 1 - b);
        }
        t.bit_reversed[m] = reversed;
    }
    return t;
}

const Tables& tables() {
    static const Tables TABLES = make_tables();
    return TABLES;
}

// One frame's work space: the 5 sub-spectra, transformed in place.
struct Work {
    std::array<SubRow, RADIX> re{};
    std::array<SubRow, RADIX> im{};
};

// Spreads the full spectrum of a row over the sub-spectra in bit-reversed order: bins 0..640 from the row,
// bins 641..1279 as the conjugates of their mirrors (the spectrum of a real signal).
void load_spectrum(const float* row, const Tables& t, Work& w) {
    const float* log_mag = row;
    const float* phase = row + N_BINS;
    for (int k = 0; k < N_BINS; ++k) {
        const double mag = std::min(std::exp(static_cast<double>(log_mag[k])), MAX_MAGNITUDE);
        const double phi = phase[k];
        const double re = mag * std::cos(phi);
        const double im = mag * std::sin(phi);
        w.re[k % RADIX][t.bit_reversed[k / RADIX]] = re;
        w.im[k % RADIX][t.bit_reversed[k / RADIX]] = im;
        const int mirror = N_FFT - k;
        if (k > 0 && mirror > k) {
            w.re[mirror % RADIX][t.bit_reversed[mirror / RADIX]] = re;
            w.im[mirror % RADIX][t.bit_reversed[mirror / RADIX]] = -im;
        }
    }
}

// In-place radix-2 transform with the positive exponent, unnormalized; the input is in bit-reversed order.
void inverse_fft_sub(SubRow& re, SubRow& im, const Tables& t) {
    for (int len = 2; len <= N_SUB; len *= 2) {
        const int half = len / 2;
        const int step = N_FFT / len;
        for (int start = 0; start < N_SUB; start += len) {
            for (int j = 0; j < half; ++j) {
                const double wr = t.cos_table[j * step];
                const double wi = t.sin_table[j * step];
                const int a = start + j;
                const int b = a + half;
                const double xr = re[b] * wr - im[b] * wi;
                const double xi = re[b] * wi + im[b] * wr;
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
    }
}

// x[n] = Re sum_r e^{2 pi i r n / N} Y_r[n mod N_SUB] / N (the real part is irfft's: the imaginary parts of
// the DC and Nyquist bins drop out), windowed and added into `sum` (the frame's first sample).
void add_frame(const Work& w, const Tables& t, double* sum) {
    constexpr double SCALE = 1.0 / N_FFT;
    for (int n = 0; n < N_FFT; ++n) {
        const int m = n % N_SUB;
        double x = w.re[0][m];
        for (int r = 1; r < RADIX; ++r) {
            const int idx = (r * n) % N_FFT;
            x += t.cos_table[idx] * w.re[r][m] - t.sin_table[idx] * w.im[r][m];
        }
        sum[n] += x * SCALE * t.window[n];
    }
}

Result<void> check_frames(std::span<const float> frames, int n_frames, int n_embd) {
    if (n_embd != WAVTOKENIZER_N_EMBD) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "vocoder frames have " + std::to_string(n_embd) +
                                                           " values, expected " + std::to_string(WAVTOKENIZER_N_EMBD));
    }
    if (n_frames < 0 || frames.size() != static_cast<size_t>(n_frames) * static_cast<size_t>(n_embd)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "vocoder output holds " + std::to_string(frames.size()) +
                                                           " values, not " + std::to_string(n_frames) + " frames of " +
                                                           std::to_string(n_embd));
    }
    if (!std::all_of(frames.begin(), frames.end(), [](float v) { return std::isfinite(v); })) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "vocoder output holds a value that is not finite");
    }
    return {};
}

}  // namespace

Result<std::vector<float>> wavtokenizer_audio(std::span<const float> frames, int n_frames, int n_embd) {
    if (Result<void> ok = check_frames(frames, n_frames, n_embd); !ok) {
        return ok.error();
    }
    if (n_frames == 0) {
        return std::vector<float>{};
    }
    const Tables& t = tables();
    const size_t n_out = static_cast<size_t>(n_frames - 1) * HOP + N_FFT;
    std::vector<double> sum(n_out, 0.0);
    std::vector<double> envelope(n_out, 0.0);
    Work work;
    for (int l = 0; l < n_frames; ++l) {
        load_spectrum(frames.data() + static_cast<size_t>(l) * n_embd, t, work);
        for (int r = 0; r < RADIX; ++r) {
            inverse_fft_sub(work.re[r], work.im[r], t);
        }
        const size_t offset = static_cast<size_t>(l) * HOP;
        add_frame(work, t, sum.data() + offset);
        for (int n = 0; n < N_FFT; ++n) {
            envelope[offset + n] += t.window[n] * t.window[n];
        }
    }
    // Within the trimmed range every sample has at least 0.73 of envelope (the first and last frames' window
    // at 480 of 1280), so the division needs no guard.
    constexpr size_t PAD = (N_FFT - HOP) / 2;
    std::vector<float> audio(n_out - 2 * PAD);
    for (size_t i = 0; i < audio.size(); ++i) {
        audio[i] = static_cast<float>(sum[i + PAD] / envelope[i + PAD]);
    }
    return audio;
}

}  // namespace hearth::engine
