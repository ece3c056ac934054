#include "engine/audio_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
#include <libswresample/swresample.h>
}

#include <algorithm>
#include <cstring>

#include "engine/c_handles.h"

namespace hearth::engine {

void AvFormatDeleter::operator()(AVFormatContext* ctx) const {
    avformat_close_input(&ctx);
}
void AvIoDeleter::operator()(AVIOContext* io) const {
    if (io != nullptr) {
        av_freep(&io->buffer);
    }
    avio_context_free(&io);
}
void AvCodecDeleter::operator()(AVCodecContext* ctx) const {
    avcodec_free_context(&ctx);
}
void AvFrameDeleter::operator()(AVFrame* frame) const {
    av_frame_free(&frame);
}
void AvPacketDeleter::operator()(AVPacket* packet) const {
    av_packet_free(&packet);
}
void SwrDeleter::operator()(SwrContext* swr) const {
    swr_free(&swr);
}

namespace {

constexpr int OUT_RATE = 16000;
constexpr int IO_BUFFER = 1 << 16;

Error not_audio(const std::string& why) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "the file is not audio FFmpeg can decode: " + why, "file");
}

// The upload as FFmpeg's input: reads and seeks within the bytes.
struct MemoryInput {
    std::string_view bytes;
    int64_t position = 0;

    static int read(void* opaque, uint8_t* buffer, int size) {
        auto* in = static_cast<MemoryInput*>(opaque);
        const int64_t left = static_cast<int64_t>(in->bytes.size()) - in->position;
        if (left <= 0) {
            return AVERROR_EOF;
        }
        const auto n = static_cast<int>(std::min<int64_t>(left, size));
        std::memcpy(buffer, in->bytes.data() + in->position, static_cast<size_t>(n));
        in->position += n;
        return n;
    }
    static int64_t seek(void* opaque, int64_t offset, int whence) {
        auto* in = static_cast<MemoryInput*>(opaque);
        const auto size = static_cast<int64_t>(in->bytes.size());
        if ((whence & AVSEEK_SIZE) != 0) {
            return size;
        }
        const int64_t base = (whence & 0xff) == SEEK_CUR ? in->position : (whence & 0xff) == SEEK_END ? size : 0;
        const int64_t target = base + offset;
        if (target < 0 || target > size) {
            return -1;
        }
        in->position = target;
        return target;
    }
};

struct Decoder {
    MemoryInput input;
    av_io_ptr io;
    av_format_ptr format;
    av_codec_ptr codec;
    swr_ptr swr;
    int stream = -1;
};

Result<void> open_input(Decoder& d) {
    auto* buffer = static_cast<uint8_t*>(av_malloc(IO_BUFFER));
    d.io.reset(avio_alloc_context(buffer, IO_BUFFER, 0, &d.input, &MemoryInput::read, nullptr, &MemoryInput::seek));
    if (!d.io) {
        av_free(buffer);
        return make_error(ErrorCode::OUT_OF_MEMORY, "cannot allocate the decoder");
    }
    AVFormatContext* raw = avformat_alloc_context();
    if (raw == nullptr) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "cannot allocate the decoder");
    }
    raw->pb = d.io.get();
    raw->flags |= AVFMT_FLAG_CUSTOM_IO;
    if (avformat_open_input(&raw, nullptr, nullptr, nullptr) < 0) {  // frees raw on failure
        return not_audio("unknown container");
    }
    d.format.reset(raw);
    if (avformat_find_stream_info(d.format.get(), nullptr) < 0) {
        return not_audio("unreadable stream information");
    }
    const AVCodec* codec = nullptr;
    d.stream = av_find_best_stream(d.format.get(), AVMEDIA_TYPE_AUDIO, -1, -1, &codec, 0);
    if (d.stream < 0 || codec == nullptr) {
        return not_audio("no audio stream");
    }
    d.codec.reset(avcodec_alloc_context3(codec));
    if (!d.codec || avcodec_parameters_to_context(d.codec.get(), d.format->streams[d.stream]->codecpar) < 0 ||
        avcodec_open2(d.codec.get(), codec, nullptr) < 0) {
        return not_audio("the audio codec cannot be opened");
    }
    return {};
}

Result<void> open_resampler(Decoder& d) {
    AVChannelLayout mono = AV_CHANNEL_LAYOUT_MONO;
    AVChannelLayout in_layout;
    if (d.codec->ch_layout.order == AV_CHANNEL_ORDER_UNSPEC || d.codec->ch_layout.nb_channels <= 0) {
        av_channel_layout_default(&in_layout, std::max(1, d.codec->ch_layout.nb_channels));
    } else if (av_channel_layout_copy(&in_layout, &d.codec->ch_layout) < 0) {
        return not_audio("bad channel layout");
    }
    SwrContext* raw = nullptr;
    const int rc = swr_alloc_set_opts2(&raw, &mono, AV_SAMPLE_FMT_FLT, OUT_RATE, &in_layout, d.codec->sample_fmt,
                                       d.codec->sample_rate, 0, nullptr);
    av_channel_layout_uninit(&in_layout);
    d.swr.reset(raw);
    if (rc < 0 || d.codec->sample_rate <= 0 || swr_init(d.swr.get()) < 0) {
        return not_audio("unsupported sample format or rate");
    }
    return {};
}

// Converts one decoded frame (or flushes the resampler when frame is null) and appends the samples.
Result<void> convert(Decoder& d, const AVFrame* frame, std::vector<float>& out, size_t max_samples) {
    const int in_count = frame != nullptr ? frame->nb_samples : 0;
    const int capacity = swr_get_out_samples(d.swr.get(), in_count);
    if (capacity <= 0) {
        return {};
    }
    const size_t start = out.size();
    out.resize(start + static_cast<size_t>(capacity));
    auto* dst = reinterpret_cast<uint8_t*>(out.data() + start);
    const int n = swr_convert(d.swr.get(), &dst, capacity,
                              frame != nullptr ? const_cast<const uint8_t**>(frame->extended_data) : nullptr, in_count);
    out.resize(start + static_cast<size_t>(std::max(n, 0)));
    if (n < 0) {
        return not_audio("resampling failed");
    }
    if (out.size() > max_samples) {
        return make_error(
            ErrorCode::PAYLOAD_TOO_LARGE,
            "the audio is longer than the server's limit of " + std::to_string(max_samples / OUT_RATE) + " seconds",
            "file");
    }
    return {};
}

// Sends one packet (null: flush) and converts every frame it yields.
Result<void> decode_packet(Decoder& d, const AVPacket* packet, AVFrame* frame, std::vector<float>& out,
                           size_t max_samples) {
    if (avcodec_send_packet(d.codec.get(), packet) < 0 && packet != nullptr) {
        return {};  // a damaged packet: skip it, as players do
    }
    while (avcodec_receive_frame(d.codec.get(), frame) >= 0) {
        auto converted = convert(d, frame, out, max_samples);
        av_frame_unref(frame);
        if (!converted) {
            return converted;
        }
    }
    return {};
}

}  // namespace

Result<DecodedAudio> decode_audio(std::string_view bytes, double max_seconds) {
    if (bytes.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the file is empty", "file");
    }
    Decoder d;
    d.input.bytes = bytes;
    for (auto step : {&open_input, &open_resampler}) {
        if (auto opened = step(d); !opened) {
            return opened.error();
        }
    }
    const auto max_samples = static_cast<size_t>(std::max(0.0, max_seconds) * OUT_RATE);
    DecodedAudio audio;
    audio.source_rate = d.codec->sample_rate;
    audio.source_channels = d.codec->ch_layout.nb_channels;
    av_packet_ptr packet(av_packet_alloc());
    av_frame_ptr frame(av_frame_alloc());
    if (!packet || !frame) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "cannot allocate the decoder");
    }
    while (av_read_frame(d.format.get(), packet.get()) >= 0) {
        Result<void> decoded;
        if (packet->stream_index == d.stream) {
            decoded = decode_packet(d, packet.get(), frame.get(), audio.samples, max_samples);
        }
        av_packet_unref(packet.get());
        if (!decoded) {
            return decoded.error();
        }
    }
    for (auto flushed : {decode_packet(d, nullptr, frame.get(), audio.samples, max_samples),
                         convert(d, nullptr, audio.samples, max_samples)}) {
        if (!flushed) {
            return flushed.error();
        }
    }
    if (audio.samples.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "the audio holds no samples", "file");
    }
    return audio;
}

}  // namespace hearth::engine
