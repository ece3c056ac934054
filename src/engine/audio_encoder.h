#pragma once
// Synthesized speech (mono float samples) to the bytes of a response_format, as they are produced:
// mp3 (libmp3lame), opus (libopus in Ogg), aac (FFmpeg's own encoder, ADTS), flac, wav (16-bit PCM RIFF) and
// pcm (raw signed 16-bit little-endian, no header). The compressed formats go through the FFmpeg libraries
// (audio_encoder_ffmpeg.cpp); wav and pcm are written here in both builds, so a build without FFmpeg
// (audio_encoder_wav_only.cpp) still has them. Samples are clipped to [-1, 1]; 16-bit samples are rounded
// to nearest as libswresample rounds (so wav equals `ffmpeg -c:a pcm_s16le` on the same finite floats).
// Not thread-safe: one encoder per response.

#include <memory>
#include <span>
#include <string>

#include "core/speech_synthesis.h"
#include "util/result.h"

namespace hearth::engine {

class AudioEncoder {
public:
    // streamed: bytes leave as they are produced; a WAV header then declares an unknown length (0xFFFFFFFF
    // sizes, as streaming servers do) and the muxers cannot go back to fill in totals. Not streamed: write()
    // returns nothing and finish() the whole file, with exact WAV sizes, FLAC's sample count and MD5 and an
    // MP3 Xing/LAME header (gapless: decoders trim the encoder's delay and padding).
    // sample_rate is the input's; a codec that cannot take it (opus at 44.1 kHz) gets the samples resampled
    // to the nearest rate it takes. Errors: INVALID_ARGUMENT (sample_rate <= 0), UNSUPPORTED when this
    // FFmpeg build lacks the encoder or muxer (the message names it) or the build has no FFmpeg, INTERNAL
    // when FFmpeg fails to set it up.
    static Result<std::unique_ptr<AudioEncoder>> create(core::AudioFormat format, int sample_rate, bool streamed);

    virtual ~AudioEncoder() = default;
    AudioEncoder(const AudioEncoder&) = delete;
    AudioEncoder& operator=(const AudioEncoder&) = delete;

    // The encoded bytes ready so far (often empty: codecs hold back a frame's worth or more).
    // Errors: INTERNAL (an FFmpeg failure; the encoder is unusable after it, as after finish()).
    virtual Result<std::string> write(std::span<const float> samples) = 0;
    // Flushes the codec and writes the trailer: the rest of the file. Once; then write() and finish() fail.
    virtual Result<std::string> finish() = 0;

protected:
    AudioEncoder() = default;
};

// A sample as every format takes it: clipped to [-1, 1], NaN as silence.
inline float clip_sample(float x) {
    if (!(x == x)) {  // NaN
        return 0.0F;
    }
    return x > 1.0F ? 1.0F : (x < -1.0F ? -1.0F : x);
}

// For create() only: the compressed formats, defined by the build's implementation
// (audio_encoder_ffmpeg.cpp or audio_encoder_wav_only.cpp).
Result<std::unique_ptr<AudioEncoder>> create_codec_encoder(core::AudioFormat format, int sample_rate, bool streamed);

}  // namespace hearth::engine
