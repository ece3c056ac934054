#pragma once
// WebP images to RGB pixels. libmtmd decodes PNG, JPEG, GIF and BMP itself (stb_image) but WebP only through an
// ffmpeg binary of a video build; hearth decodes it with FFmpeg's libavcodec, already linked for audio. A build
// without FFmpeg (HEARTH_FFMPEG=OFF) refuses WebP. Thread-safe: no shared state.

#include <cstdint>
#include <string_view>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

struct RgbImage {
    uint32_t width = 0;
    uint32_t height = 0;
    std::vector<unsigned char> rgb;  // width x height x 3, rows top to bottom
};

inline bool looks_like_webp(std::string_view bytes) {
    return bytes.size() >= 12 && bytes.substr(0, 4) == "RIFF" && bytes.substr(8, 4) == "WEBP";
}

// Errors: INVALID_ARGUMENT (not a WebP image the decoder accepts), UNSUPPORTED (a build without FFmpeg).
Result<RgbImage> decode_webp(std::string_view bytes);

}  // namespace hearth::engine
