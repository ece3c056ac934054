#include "engine/webp_decoder.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavutil/frame.h>
#include <libavutil/pixfmt.h>
}

#include <algorithm>

#include "engine/c_handles.h"

namespace hearth::engine {

namespace {

Error invalid(const std::string& why) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "the WebP image cannot be decoded: " + why);
}

unsigned char clamp_byte(int value) {
    return static_cast<unsigned char>(std::clamp(value, 0, 255));
}

// BT.601 limited range, as libwebp's own YUV -> RGB; fixed point, 16 fractional bits.
void yuv_to_rgb(int y, int u, int v, unsigned char* out) {
    const int c = (y - 16) * 76309;
    const int d = u - 128;
    const int e = v - 128;
    out[0] = clamp_byte((c + 104597 * e + 32768) >> 16);
    out[1] = clamp_byte((c - 25675 * d - 53279 * e + 32768) >> 16);
    out[2] = clamp_byte((c + 132201 * d + 32768) >> 16);
}

Result<RgbImage> to_rgb(const AVFrame& frame) {
    RgbImage out;
    out.width = static_cast<uint32_t>(frame.width);
    out.height = static_cast<uint32_t>(frame.height);
    out.rgb.resize(static_cast<size_t>(out.width) * out.height * 3);
    const auto format = static_cast<AVPixelFormat>(frame.format);
    const bool yuv = format == AV_PIX_FMT_YUV420P || format == AV_PIX_FMT_YUVA420P;
    if (!yuv && format != AV_PIX_FMT_ARGB) {
        return invalid("pixel format " + std::to_string(frame.format) + " is not handled");
    }
    for (int y = 0; y < frame.height; ++y) {
        unsigned char* row = out.rgb.data() + static_cast<size_t>(y) * out.width * 3;
        for (int x = 0; x < frame.width; ++x) {
            if (yuv) {
                const int luma = frame.data[0][y * frame.linesize[0] + x];
                const int u = frame.data[1][(y / 2) * frame.linesize[1] + x / 2];
                const int v = frame.data[2][(y / 2) * frame.linesize[2] + x / 2];
                yuv_to_rgb(luma, u, v, row + x * 3);
            } else {  // ARGB: alpha first, dropped as libmtmd drops it from PNGs
                std::copy_n(frame.data[0] + y * frame.linesize[0] + x * 4 + 1, 3, row + x * 3);
            }
        }
    }
    return out;
}

}  // namespace

Result<RgbImage> decode_webp(std::string_view bytes) {
    const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_WEBP);
    if (codec == nullptr) {
        return make_error(ErrorCode::UNSUPPORTED, "this FFmpeg has no WebP decoder");
    }
    av_codec_ptr ctx(avcodec_alloc_context3(codec));
    av_packet_ptr packet(av_packet_alloc());
    av_frame_ptr frame(av_frame_alloc());
    if (!ctx || !packet || !frame || avcodec_open2(ctx.get(), codec, nullptr) < 0) {
        return make_error(ErrorCode::INTERNAL, "the WebP decoder could not be set up");
    }
    // The decoder reads the whole RIFF file from one packet (as FFmpeg's webp_pipe demuxer hands it over).
    if (av_new_packet(packet.get(), static_cast<int>(bytes.size())) < 0) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "no memory for the WebP image");
    }
    std::copy(bytes.begin(), bytes.end(), reinterpret_cast<char*>(packet->data));
    if (avcodec_send_packet(ctx.get(), packet.get()) < 0 || avcodec_send_packet(ctx.get(), nullptr) < 0) {
        return invalid("corrupt or truncated data");
    }
    if (avcodec_receive_frame(ctx.get(), frame.get()) < 0 || frame->width <= 0 || frame->height <= 0) {
        return invalid("no picture in it");
    }
    return to_rgb(*frame);
}

}  // namespace hearth::engine
