#!/usr/bin/env python3
"""Independent numpy reference for src/engine/istft.cpp (WavTokenizer's inverse STFT).

usage: istft_reference.py FRAMES N_FRAMES OUT
FRAMES: N_FRAMES rows of 1282 little-endian float32 (641 log-magnitudes, then 641 phases).
OUT: the audio as little-endian float64, N_FRAMES * 320 samples.
Written from the math (Vocos' head: torch.istft, center=True, periodic Hann), not from the C++ code.
"""

import sys

import numpy as np

N_FFT = 1280
HOP = 320


def istft(frames):
    n_frames = frames.shape[0]
    n_bins = N_FFT // 2 + 1
    magnitude = np.minimum(np.exp(frames[:, :n_bins]), 100.0)
    spectrum = magnitude * np.exp(1j * frames[:, n_bins:])
    window = np.hanning(N_FFT + 1)[:-1]  # periodic Hann
    chunks = np.fft.irfft(spectrum, n=N_FFT, axis=1) * window
    n_out = (n_frames - 1) * HOP + N_FFT
    audio = np.zeros(n_out)
    envelope = np.zeros(n_out)
    for i in range(n_frames):
        audio[i * HOP:i * HOP + N_FFT] += chunks[i]
        envelope[i * HOP:i * HOP + N_FFT] += window * window
    pad = (N_FFT - HOP) // 2
    return audio[pad:n_out - pad] / envelope[pad:n_out - pad]


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    n_frames = int(sys.argv[2])
    frames = np.fromfile(sys.argv[1], dtype="<f4").astype(np.float64).reshape(n_frames, N_FFT + 2)
    istft(frames).astype("<f8").tofile(sys.argv[3])


if __name__ == "__main__":
    main()
