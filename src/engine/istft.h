#pragma once
// The last step of the WavTokenizer vocoder (its Vocos head), which the libllama graph leaves to the caller:
// each output frame of the `wavtokenizer-dec` model is a spectrum, and an inverse STFT (periodic Hann window,
// overlap-add) turns the frames into 24 kHz samples. The math of Vocos' ISTFT with padding="same" (it trims
// (n_fft - hop)/2 at both ends, where torch.istft's center=True would trim n_fft/2);
// tests/unit/engine/istft_reference.py writes it with numpy's irfft, and the unit test compares the two.
// Thread-safe: a pure function over read-only tables.

#include <span>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

inline constexpr int WAVTOKENIZER_N_FFT = 1280;
inline constexpr int WAVTOKENIZER_HOP = 320;  // samples per frame: 75 frames a second at 24 kHz
inline constexpr int WAVTOKENIZER_N_EMBD = WAVTOKENIZER_N_FFT + 2;

// `frames` holds n_frames rows of n_embd floats, one row per audio code: the first n_fft/2+1 values are
// log-magnitudes, the next n_fft/2+1 phases (radians). magnitude = min(exp(x), 100); each row goes through a
// real inverse FFT of length n_fft and the window, rows overlap-add at the hop and the sum is divided by the
// overlap-added squared window; (n_fft - hop)/2 samples are trimmed from both ends. The result has
// n_frames * WAVTOKENIZER_HOP samples (none for 0 frames).
// INVALID_ARGUMENT when n_embd != WAVTOKENIZER_N_EMBD, n_frames < 0, frames.size() != n_frames * n_embd or a
// value is not finite (a vocoder that produced NaN).
Result<std::vector<float>> wavtokenizer_audio(std::span<const float> frames, int n_frames, int n_embd);

}  // namespace hearth::engine
