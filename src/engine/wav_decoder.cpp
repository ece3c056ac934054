#include "engine/wav_decoder.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>

namespace hearth::engine {

namespace {

constexpr int OUT_RATE = 16000;
constexpr uint16_t FORMAT_PCM = 1;
constexpr uint16_t FORMAT_FLOAT = 3;
constexpr uint16_t FORMAT_EXTENSIBLE = 0xFFFE;

uint32_t le32(std::string_view b, size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) {
        v = (v << 8) | static_cast<uint8_t>(b[at + static_cast<size_t>(i)]);
    }
    return v;
}

uint16_t le16(std::string_view b, size_t at) {
    return static_cast<uint16_t>(static_cast<uint8_t>(b[at]) | (static_cast<uint8_t>(b[at + 1]) << 8));
}

Error not_wav(const std::string& why) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "the file is not WAVE audio this build can decode: " + why, "file");
}

struct Format {
    uint16_t tag = 0;  // FORMAT_PCM or FORMAT_FLOAT (an extensible file's subformat)
    int channels = 0;
    int rate = 0;
    int bits = 0;
    int block = 0;  // bytes per frame: every channel's sample
};

Result<Format> read_format(std::string_view chunk) {
    if (chunk.size() < 16) {
        return not_wav("the fmt chunk is too short");
    }
    Format f;
    f.tag = le16(chunk, 0);
    f.channels = le16(chunk, 2);
    f.rate = static_cast<int>(std::min<uint32_t>(le32(chunk, 4), 1u << 30));
    f.block = le16(chunk, 12);
    f.bits = le16(chunk, 14);
    if (f.tag == FORMAT_EXTENSIBLE) {
        if (chunk.size() < 26) {
            return not_wav("the extensible fmt chunk is too short");
        }
        f.tag = le16(chunk, 24);  // the subformat GUID starts with the format tag
    }
    const bool pcm = f.tag == FORMAT_PCM && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32);
    const bool flt = f.tag == FORMAT_FLOAT && (f.bits == 32 || f.bits == 64);
    if (!pcm && !flt) {
        return not_wav("format " + std::to_string(f.tag) + " with " + std::to_string(f.bits) +
                       "-bit samples (integer PCM 8/16/24/32 and float 32/64 are read)");
    }
    if (f.channels < 1 || f.channels > 64 || f.rate < 1000 || f.rate > 768000 || f.block != f.channels * f.bits / 8) {
        return not_wav("inconsistent channels, rate or block size");
    }
    return f;
}

// One sample at p as a float in [-1, 1].
float sample_at(const Format& f, const char* p) {
    const auto* u = reinterpret_cast<const uint8_t*>(p);
    if (f.tag == FORMAT_FLOAT) {
        double v = 0;
        if (f.bits == 32) {
            float x = 0;
            std::memcpy(&x, p, 4);
            v = x;
        } else {
            std::memcpy(&v, p, 8);
        }
        return std::isnan(v) ? 0.0f : static_cast<float>(std::clamp(v, -1.0, 1.0));
    }
    switch (f.bits) {
        case 8: return (static_cast<float>(u[0]) - 128.0f) / 128.0f;
        case 16: return static_cast<float>(static_cast<int16_t>(u[0] | (u[1] << 8))) / 32768.0f;
        case 24: {
            const auto v = static_cast<int32_t>(static_cast<uint32_t>(u[0] | (u[1] << 8) | (u[2] << 16)) << 8) >> 8;
            return static_cast<float>(v) / 8388608.0f;
        }
        default: {
            int32_t v = 0;
            std::memcpy(&v, p, 4);
            return static_cast<float>(static_cast<double>(v) / 2147483648.0);
        }
    }
}

std::vector<float> mix_down(const Format& f, std::string_view data) {
    const size_t frames = data.size() / static_cast<size_t>(f.block);
    std::vector<float> mono(frames);
    const size_t width = static_cast<size_t>(f.bits) / 8;
    for (size_t i = 0; i < frames; ++i) {
        const char* frame = data.data() + i * static_cast<size_t>(f.block);
        float sum = 0;
        for (size_t c = 0; c < static_cast<size_t>(f.channels); ++c) {
            sum += sample_at(f, frame + c * width);
        }
        mono[i] = sum / static_cast<float>(f.channels);
    }
    return mono;
}

std::vector<float> to_16k(const std::vector<float>& in, int rate) {
    if (rate == OUT_RATE || in.empty()) {
        return in;
    }
    const double step = static_cast<double>(rate) / OUT_RATE;
    const auto n = static_cast<size_t>(std::floor(static_cast<double>(in.size() - 1) / step)) + 1;
    std::vector<float> out(n);
    for (size_t i = 0; i < n; ++i) {
        const double at = static_cast<double>(i) * step;
        const auto j = static_cast<size_t>(at);
        const auto t = static_cast<float>(at - static_cast<double>(j));
        out[i] = j + 1 < in.size() ? in[j] * (1 - t) + in[j + 1] * t : in[j];
    }
    return out;
}

// Whether the bytes start like a RIFF WAVE file.
bool looks_like_wav(std::string_view bytes) {
    return bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WAVE";
}

}  // namespace

Result<DecodedAudio> decode_wav(std::string_view bytes, double max_seconds) {
    if (bytes.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the file is empty", "file");
    }
    if (!looks_like_wav(bytes)) {
        return not_wav("no RIFF WAVE header (this build has no FFmpeg: WAVE files only)");
    }
    std::optional<Format> format;
    std::string_view data;
    for (size_t at = 12; at + 8 <= bytes.size();) {
        const std::string_view id = bytes.substr(at, 4);
        // A streamed file may declare more than it holds: take what is there.
        const size_t size = std::min<size_t>(le32(bytes, at + 4), bytes.size() - at - 8);
        const std::string_view body = bytes.substr(at + 8, size);
        if (id == "fmt ") {
            auto f = read_format(body);
            if (!f) {
                return f.error();
            }
            format = *f;
        } else if (id == "data" && format) {
            data = body;
            break;
        }
        at += 8 + size + (size & 1);  // chunks are padded to an even size
    }
    if (!format) {
        return not_wav("no fmt chunk before the data");
    }
    const double seconds = static_cast<double>(data.size() / static_cast<size_t>(format->block)) / format->rate;
    if (seconds > std::max(0.0, max_seconds)) {
        return make_error(ErrorCode::PAYLOAD_TOO_LARGE,
                          "the audio is longer than the server's limit of " +
                              std::to_string(static_cast<int>(max_seconds)) + " seconds",
                          "file");
    }
    DecodedAudio audio;
    audio.source_rate = format->rate;
    audio.source_channels = format->channels;
    audio.samples = to_16k(mix_down(*format, data), format->rate);
    if (audio.samples.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the audio holds no samples", "file");
    }
    return audio;
}

}  // namespace hearth::engine
