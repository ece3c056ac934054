#pragma once
// What kind of image a client sent and how large it is, from the first bytes of the file: no pixel is
// decoded. Used to refuse what is not an image, or too many pixels, before anything reaches a model.
// Safe on any input (it is fuzzed): every read is bounds-checked.

#include <cstdint>
#include <string_view>

#include "util/result.h"

namespace hearth {

enum class ImageFormat { PNG, JPEG, GIF, BMP, WEBP };

struct ImageInfo {
    ImageFormat format = ImageFormat::PNG;
    uint32_t width = 0;
    uint32_t height = 0;
};

std::string_view to_string(ImageFormat format);

// INVALID_ARGUMENT "not a PNG, JPEG, WebP, GIF or BMP image" when no known signature matches; INVALID_ARGUMENT
// naming the format when its header is truncated, corrupt or declares a zero width or height.
Result<ImageInfo> probe_image_header(std::string_view bytes);

}  // namespace hearth
