// decode_webp for a build without FFmpeg (HEARTH_FFMPEG=OFF): WebP is refused in words.

#include "engine/webp_decoder.h"

namespace hearth::engine {

Result<RgbImage> decode_webp(std::string_view bytes) {
    (void)bytes;
    return make_error(ErrorCode::UNSUPPORTED,
                      "this build has no WebP decoder (built without FFmpeg): send PNG or JPEG");
}

}  // namespace hearth::engine
