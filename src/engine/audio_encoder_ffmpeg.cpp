// The compressed response formats through the FFmpeg libraries: libswresample brings the float samples to
// the encoder's sample format (and rate, where the codec cannot take the input's), the samples are cut
// into frames of the encoder's frame_size, and libavformat's muxer writes into memory through a custom
// AVIOContext. Streamed, that output cannot seek, as a socket cannot; whole, it can, so that the muxers
// fill in their totals (FLAC STREAMINFO, the MP3 Xing/LAME header) in the trailer.

#include "engine/audio_encoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/error.h>
#include <libavutil/samplefmt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "engine/c_handles.h"

namespace hearth::engine {

void AvOutputDeleter::operator()(AVFormatContext* ctx) const {
    avformat_free_context(ctx);
}

namespace {

constexpr int IO_BUFFER = 1 << 15;
// The flush of a resampler never takes more than a few calls; the cap only guards against one that never
// reports empty.
constexpr int MAX_FLUSH_CALLS = 64;
constexpr int FLUSH_CAPACITY = 4096;

struct CodecChoice {
    const char* encoder;
    const char* muxer;
    int64_t bit_rate;  // 0: the encoder's own choice (lossless)
};

// Speech at 24 kHz mono: these rates are transparent enough for a voice and far below what music needs.
CodecChoice choice_for(core::AudioFormat format) {
    switch (format) {
        case core::AudioFormat::MP3: return {"libmp3lame", "mp3", 64000};
        case core::AudioFormat::OPUS: return {"libopus", "ogg", 32000};
        case core::AudioFormat::AAC: return {"aac", "adts", 64000};
        default: return {"flac", "flac", 0};
    }
}

Error ffmpeg_error(const char* what, int rc) {
    std::string message = std::string("audio encoding failed: ") + what;
    if (rc < 0) {
        char text[AV_ERROR_MAX_STRING_SIZE] = {};
        av_strerror(rc, text, sizeof(text));
        message += std::string(": ") + text;
    }
    return make_error(ErrorCode::INTERNAL, message);
}

// The file in memory. Streamed, the encoder takes the bytes away after every call; whole, FFmpeg may seek
// back and overwrite a header.
struct MemoryOutput {
    std::string bytes;
    size_t position = 0;

    static int write(void* opaque, uint8_t* buffer, int size) {
        auto* out = static_cast<MemoryOutput*>(opaque);
        const auto n = static_cast<size_t>(size);
        if (out->position + n > out->bytes.size()) {
            out->bytes.resize(out->position + n);
        }
        std::memcpy(out->bytes.data() + out->position, buffer, n);
        out->position += n;
        return size;
    }
    static int64_t seek(void* opaque, int64_t offset, int whence) {
        auto* out = static_cast<MemoryOutput*>(opaque);
        const auto size = static_cast<int64_t>(out->bytes.size());
        if ((whence & AVSEEK_SIZE) != 0) {
            return size;
        }
        const int64_t base = (whence & 0xff) == SEEK_CUR   ? static_cast<int64_t>(out->position)
                             : (whence & 0xff) == SEEK_END ? size
                                                           : 0;
        const int64_t target = base + offset;
        if (target < 0) {
            return -1;
        }
        out->position = static_cast<size_t>(target);
        return target;
    }
};

// Float where the encoder takes it (no second rounding), else 16-bit, else whatever it takes first.
AVSampleFormat pick_sample_format(const AVCodec* codec) {
    if (codec->sample_fmts == nullptr) {
        return AV_SAMPLE_FMT_FLT;
    }
    for (AVSampleFormat wanted : {AV_SAMPLE_FMT_FLT, AV_SAMPLE_FMT_FLTP, AV_SAMPLE_FMT_S16, AV_SAMPLE_FMT_S16P}) {
        for (const AVSampleFormat* f = codec->sample_fmts; *f != AV_SAMPLE_FMT_NONE; ++f) {
            if (*f == wanted) {
                return wanted;
            }
        }
    }
    return codec->sample_fmts[0];
}

// The input's rate when the encoder takes it, else the lowest it takes above it (no band lost), else its
// highest.
int pick_sample_rate(const AVCodec* codec, int rate) {
    if (codec->supported_samplerates == nullptr) {
        return rate;
    }
    int above = 0;
    int highest = 0;
    for (const int* r = codec->supported_samplerates; *r != 0; ++r) {
        if (*r == rate) {
            return rate;
        }
        if (*r > rate && (above == 0 || *r < above)) {
            above = *r;
        }
        highest = std::max(highest, *r);
    }
    return above != 0 ? above : highest;
}

class FfmpegEncoder final : public AudioEncoder {
public:
    Result<void> open(const CodecChoice& choice, int sample_rate, bool streamed);
    Result<std::string> write(std::span<const float> samples) override;
    Result<std::string> finish() override;

private:
    Result<void> open_codec(const AVCodec* codec, int64_t bit_rate, int sample_rate);
    Result<void> open_muxer(const char* muxer, bool streamed);
    Result<void> convert(const float* samples, int count);
    Result<void> encode_frames(bool last);
    Result<void> send_frame(const uint8_t* data, int samples);
    Result<void> drain_packets();
    Result<void> flush_output();
    Result<std::string> fail(Error error);

    bool streamed_ = false;
    bool done_ = false;
    MemoryOutput out_;
    av_io_ptr io_;
    av_output_ptr format_;
    av_codec_ptr codec_;
    swr_ptr swr_;
    av_frame_ptr frame_;
    av_packet_ptr packet_;
    AVStream* stream_ = nullptr;  // owned by format_
    int frame_size_ = 0;          // samples per frame the encoder takes
    bool small_last_frame_ = false;
    int bytes_per_sample_ = 0;
    std::vector<uint8_t> pending_;  // converted samples not yet a whole frame
    std::vector<float> clipped_;
    int64_t next_pts_ = 0;
};

Result<void> FfmpegEncoder::open(const CodecChoice& choice, int sample_rate, bool streamed) {
    streamed_ = streamed;
    const AVCodec* codec = avcodec_find_encoder_by_name(choice.encoder);
    if (codec == nullptr) {
        return make_error(ErrorCode::UNSUPPORTED,
                          std::string("this FFmpeg build has no ") + choice.encoder + " encoder", "response_format");
    }
    if (av_guess_format(choice.muxer, nullptr, nullptr) == nullptr) {
        return make_error(ErrorCode::UNSUPPORTED, std::string("this FFmpeg build has no ") + choice.muxer + " muxer",
                          "response_format");
    }
    frame_.reset(av_frame_alloc());
    packet_.reset(av_packet_alloc());
    if (!frame_ || !packet_) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "cannot allocate the audio encoder");
    }
    if (auto opened = open_muxer(choice.muxer, streamed); !opened) {
        return opened;
    }
    if (auto opened = open_codec(codec, choice.bit_rate, sample_rate); !opened) {
        return opened;
    }
    stream_ = avformat_new_stream(format_.get(), nullptr);
    if (stream_ == nullptr || avcodec_parameters_from_context(stream_->codecpar, codec_.get()) < 0) {
        return ffmpeg_error("cannot add the audio stream", 0);
    }
    stream_->time_base = codec_->time_base;
    if (const int rc = avformat_write_header(format_.get(), nullptr); rc < 0) {
        return ffmpeg_error("cannot write the header", rc);
    }
    return {};
}

Result<void> FfmpegEncoder::open_muxer(const char* muxer, bool streamed) {
    auto* buffer = static_cast<uint8_t*>(av_malloc(IO_BUFFER));
    io_.reset(avio_alloc_context(buffer, IO_BUFFER, 1, &out_, nullptr, &MemoryOutput::write,
                                 streamed ? nullptr : &MemoryOutput::seek));
    if (!io_) {
        av_free(buffer);
        return make_error(ErrorCode::OUT_OF_MEMORY, "cannot allocate the audio encoder");
    }
    AVFormatContext* raw = nullptr;
    const int rc = avformat_alloc_output_context2(&raw, nullptr, muxer, nullptr);
    format_.reset(raw);
    if (rc < 0 || !format_) {
        return ffmpeg_error("cannot set up the muxer", rc);
    }
    format_->pb = io_.get();
    format_->flags |= AVFMT_FLAG_CUSTOM_IO;
    return {};
}

Result<void> FfmpegEncoder::open_codec(const AVCodec* codec, int64_t bit_rate, int sample_rate) {
    codec_.reset(avcodec_alloc_context3(codec));
    if (!codec_) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "cannot allocate the audio encoder");
    }
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    codec_->sample_fmt = pick_sample_format(codec);
    codec_->sample_rate = pick_sample_rate(codec, sample_rate);
    codec_->time_base = AVRational{1, codec_->sample_rate};
    codec_->bit_rate = bit_rate;
    if (av_channel_layout_copy(&codec_->ch_layout, &mono) < 0) {
        return ffmpeg_error("cannot set the channel layout", 0);
    }
    if ((format_->oformat->flags & AVFMT_GLOBALHEADER) != 0) {
        codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
    }
    if (const int rc = avcodec_open2(codec_.get(), codec, nullptr); rc < 0) {
        return ffmpeg_error("cannot open the encoder", rc);
    }
    const bool variable = (codec->capabilities & AV_CODEC_CAP_VARIABLE_FRAME_SIZE) != 0;
    frame_size_ = variable || codec_->frame_size <= 0 ? 1024 : codec_->frame_size;
    small_last_frame_ = variable || (codec->capabilities & AV_CODEC_CAP_SMALL_LAST_FRAME) != 0;
    bytes_per_sample_ = av_get_bytes_per_sample(codec_->sample_fmt);
    SwrContext* raw = nullptr;
    const int rc = swr_alloc_set_opts2(&raw, &mono, codec_->sample_fmt, codec_->sample_rate, &mono, AV_SAMPLE_FMT_FLT,
                                       sample_rate, 0, nullptr);
    swr_.reset(raw);
    if (rc < 0 || !swr_ || swr_init(swr_.get()) < 0) {
        return ffmpeg_error("cannot set up libswresample", rc);
    }
    return {};
}

// Brings count samples (null: the resampler's delayed tail) into the encoder's format, after pending_.
Result<void> FfmpegEncoder::convert(const float* samples, int count) {
    for (int call = 0; call < MAX_FLUSH_CALLS; ++call) {
        int capacity = swr_get_out_samples(swr_.get(), count);
        if (capacity < 0) {
            return ffmpeg_error("no resampler output size", capacity);
        }
        capacity = samples == nullptr ? std::max(capacity, FLUSH_CAPACITY) : capacity;
        const size_t start = pending_.size();
        pending_.resize(start + static_cast<size_t>(capacity) * static_cast<size_t>(bytes_per_sample_));
        uint8_t* dst = pending_.data() + start;
        const auto* src = reinterpret_cast<const uint8_t*>(samples);
        const int n = swr_convert(swr_.get(), &dst, capacity, samples != nullptr ? &src : nullptr, count);
        pending_.resize(start + static_cast<size_t>(std::max(n, 0)) * static_cast<size_t>(bytes_per_sample_));
        if (n < 0) {
            return ffmpeg_error("resampling", n);
        }
        if (samples != nullptr || n == 0) {
            return {};
        }
    }
    return ffmpeg_error("the resampler does not drain", 0);
}

// Sends every whole frame in pending_; last: also the rest, short where the codec allows, else padded with
// silence.
Result<void> FfmpegEncoder::encode_frames(bool last) {
    const size_t frame_bytes = static_cast<size_t>(frame_size_) * static_cast<size_t>(bytes_per_sample_);
    size_t offset = 0;
    for (; pending_.size() - offset >= frame_bytes; offset += frame_bytes) {
        if (auto sent = send_frame(pending_.data() + offset, frame_size_); !sent) {
            return sent;
        }
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(offset));
    if (!last || pending_.empty()) {
        return {};
    }
    const auto rest = static_cast<int>(pending_.size() / static_cast<size_t>(bytes_per_sample_));
    if (!small_last_frame_) {
        pending_.resize(frame_bytes, 0);  // zero is silence in every signed and float sample format
    }
    auto sent = send_frame(pending_.data(), small_last_frame_ ? rest : frame_size_);
    pending_.clear();
    return sent;
}

Result<void> FfmpegEncoder::send_frame(const uint8_t* data, int samples) {
    av_frame_unref(frame_.get());
    frame_->nb_samples = samples;
    frame_->format = codec_->sample_fmt;
    frame_->sample_rate = codec_->sample_rate;
    if (const int rc = av_channel_layout_copy(&frame_->ch_layout, &codec_->ch_layout); rc < 0) {
        return ffmpeg_error("cannot set the channel layout", rc);
    }
    if (const int rc = av_frame_get_buffer(frame_.get(), 0); rc < 0) {
        return ffmpeg_error("cannot allocate a frame", rc);
    }
    // Mono: planar and packed formats alike hold every sample in plane 0.
    std::memcpy(frame_->data[0], data, static_cast<size_t>(samples) * static_cast<size_t>(bytes_per_sample_));
    frame_->pts = next_pts_;
    next_pts_ += samples;
    if (const int rc = avcodec_send_frame(codec_.get(), frame_.get()); rc < 0) {
        return ffmpeg_error("cannot encode a frame", rc);
    }
    return drain_packets();
}

Result<void> FfmpegEncoder::drain_packets() {
    while (true) {
        const int rc = avcodec_receive_packet(codec_.get(), packet_.get());
        if (rc == AVERROR(EAGAIN) || rc == AVERROR_EOF) {
            return {};
        }
        if (rc < 0) {
            return ffmpeg_error("cannot encode", rc);
        }
        packet_->stream_index = stream_->index;
        av_packet_rescale_ts(packet_.get(), codec_->time_base, stream_->time_base);
        const int written = av_write_frame(format_.get(), packet_.get());
        av_packet_unref(packet_.get());
        if (written < 0) {
            return ffmpeg_error("cannot write a packet", written);
        }
    }
}

// Streamed: pushes what the muxer holds (an Ogg page in the making) and the AVIO buffer into out_.
Result<void> FfmpegEncoder::flush_output() {
    if (const int rc = av_write_frame(format_.get(), nullptr); rc < 0) {
        return ffmpeg_error("cannot flush the muxer", rc);
    }
    avio_flush(format_->pb);
    return {};
}

Result<std::string> FfmpegEncoder::fail(Error error) {
    done_ = true;  // FFmpeg's state is unknown after a failure: nothing more is encoded
    return error;
}

Result<std::string> FfmpegEncoder::write(std::span<const float> samples) {
    if (done_) {
        return make_error(ErrorCode::INTERNAL, "the audio encoder has already finished");
    }
    clipped_.resize(samples.size());
    std::transform(samples.begin(), samples.end(), clipped_.begin(), clip_sample);
    // In pieces, so that every count fits libswresample's ints whatever the length.
    constexpr size_t CHUNK = size_t{1} << 16;
    for (size_t pos = 0; pos < clipped_.size(); pos += CHUNK) {
        const auto count = static_cast<int>(std::min(CHUNK, clipped_.size() - pos));
        if (auto converted = convert(clipped_.data() + pos, count); !converted) {
            return fail(converted.error());
        }
        if (auto encoded = encode_frames(false); !encoded) {
            return fail(encoded.error());
        }
    }
    if (!streamed_) {
        return std::string();
    }
    if (auto flushed = flush_output(); !flushed) {
        return fail(flushed.error());
    }
    out_.position = 0;
    return std::exchange(out_.bytes, std::string());
}

Result<std::string> FfmpegEncoder::finish() {
    if (done_) {
        return make_error(ErrorCode::INTERNAL, "the audio encoder has already finished");
    }
    done_ = true;
    if (auto converted = convert(nullptr, 0); !converted) {
        return converted.error();
    }
    if (auto encoded = encode_frames(true); !encoded) {
        return encoded.error();
    }
    if (const int rc = avcodec_send_frame(codec_.get(), nullptr); rc < 0) {
        return ffmpeg_error("cannot flush the encoder", rc);
    }
    if (auto drained = drain_packets(); !drained) {
        return drained.error();
    }
    if (const int rc = av_write_trailer(format_.get()); rc < 0) {
        return ffmpeg_error("cannot write the trailer", rc);
    }
    avio_flush(format_->pb);
    out_.position = 0;
    return std::exchange(out_.bytes, std::string());
}

}  // namespace

Result<std::unique_ptr<AudioEncoder>> create_codec_encoder(core::AudioFormat format, int sample_rate, bool streamed) {
    auto encoder = std::make_unique<FfmpegEncoder>();
    if (auto opened = encoder->open(choice_for(format), sample_rate, streamed); !opened) {
        return opened.error();
    }
    return std::unique_ptr<AudioEncoder>(std::move(encoder));
}

}  // namespace hearth::engine
