// AudioEncoder::create and the formats every build has: wav and pcm, 16-bit little-endian mono written here
// (FFmpeg's wav muxer cannot give exact sizes on an output it cannot seek, and adds a LIST chunk).

#include "engine/audio_encoder.h"

#include <cmath>
#include <cstdint>

namespace hearth::engine {

namespace {

constexpr uint32_t UNKNOWN_SIZE = 0xFFFFFFFFU;
constexpr size_t WAV_HEADER_BYTES = 44;

void put_u32(std::string& out, uint32_t value) {
    for (int shift = 0; shift < 32; shift += 8) {
        out.push_back(static_cast<char>((value >> shift) & 0xFFU));
    }
}

void put_u16(std::string& out, uint32_t value) {
    out.push_back(static_cast<char>(value & 0xFFU));
    out.push_back(static_cast<char>((value >> 8) & 0xFFU));
}

// The 44-byte header of a 16-bit mono PCM WAVE file; data_bytes UNKNOWN_SIZE when the length is not known
// (both sizes then read 0xFFFFFFFF, which players and FFmpeg take as "to the end of the stream").
std::string wav_header(int sample_rate, uint32_t data_bytes) {
    const auto rate = static_cast<uint32_t>(sample_rate);
    std::string out = "RIFF";
    put_u32(out, data_bytes == UNKNOWN_SIZE ? UNKNOWN_SIZE : data_bytes + WAV_HEADER_BYTES - 8);
    out += "WAVEfmt ";
    put_u32(out, 16);        // fmt chunk size
    put_u16(out, 1);         // WAVE_FORMAT_PCM
    put_u16(out, 1);         // channels
    put_u32(out, rate);      // samples per second
    put_u32(out, rate * 2);  // bytes per second
    put_u16(out, 2);         // block align
    put_u16(out, 16);        // bits per sample
    out += "data";
    put_u32(out, data_bytes);
    return out;
}

// Rounds to nearest (ties to even) after scaling by 2^15, then saturates: libswresample's float to s16.
void append_s16(std::string& out, std::span<const float> samples) {
    out.reserve(out.size() + samples.size() * 2);
    for (float sample : samples) {
        const long scaled = std::lrint(clip_sample(sample) * 32768.0F);
        const auto value = static_cast<int16_t>(scaled > INT16_MAX ? INT16_MAX : scaled);
        const auto bits = static_cast<uint16_t>(value);
        out.push_back(static_cast<char>(bits & 0xFFU));
        out.push_back(static_cast<char>(bits >> 8));
    }
}

Error finished_error() {
    return make_error(ErrorCode::INTERNAL, "the audio encoder has already finished");
}

class PcmEncoder final : public AudioEncoder {
public:
    PcmEncoder(bool wav, int sample_rate, bool streamed) : wav_(wav), sample_rate_(sample_rate), streamed_(streamed) {}

    Result<std::string> write(std::span<const float> samples) override {
        if (finished_) {
            return finished_error();
        }
        if (!streamed_) {
            append_s16(body_, samples);
            return std::string();
        }
        std::string out = pending_header();
        append_s16(out, samples);
        return out;
    }

    Result<std::string> finish() override {
        if (finished_) {
            return finished_error();
        }
        finished_ = true;
        if (streamed_) {
            return pending_header();
        }
        if (!wav_) {
            return std::move(body_);
        }
        // Past 4 GiB RIFF cannot say the size (about 24 hours at 24 kHz): declared unknown, as when streamed.
        const bool fits = body_.size() <= UNKNOWN_SIZE - WAV_HEADER_BYTES;
        return wav_header(sample_rate_, fits ? static_cast<uint32_t>(body_.size()) : UNKNOWN_SIZE) + body_;
    }

private:
    // The header the first streamed bytes carry (WAV only); afterwards nothing.
    std::string pending_header() {
        if (!wav_ || header_sent_) {
            return {};
        }
        header_sent_ = true;
        return wav_header(sample_rate_, UNKNOWN_SIZE);
    }

    bool wav_;
    int sample_rate_;
    bool streamed_;
    bool header_sent_ = false;
    bool finished_ = false;
    std::string body_;  // not streamed: the samples so far
};

}  // namespace

Result<std::unique_ptr<AudioEncoder>> AudioEncoder::create(core::AudioFormat format, int sample_rate, bool streamed) {
    if (sample_rate <= 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the sample rate must be positive");
    }
    if (format == core::AudioFormat::WAV || format == core::AudioFormat::PCM) {
        return std::unique_ptr<AudioEncoder>(
            std::make_unique<PcmEncoder>(format == core::AudioFormat::WAV, sample_rate, streamed));
    }
    return create_codec_encoder(format, sample_rate, streamed);
}

}  // namespace hearth::engine
