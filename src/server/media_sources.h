#pragma once
// The images of a chat request, from what the client sent to verified bytes. The api layer has parsed each
// image part (api::MediaPart: inline bytes, or an http(s) or file:// URL); here each one is fetched or read
// under the server's rules, then its header is probed (util/image_header.h) so that nothing that is not a
// PNG, JPEG, WebP, GIF or BMP image, or that declares too many pixels, reaches a model.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "api/completions_request.h"
#include "http/media_fetch.h"
#include "util/result.h"

namespace hearth::server {

// 32 Mi pixels (e.g. 8192 x 4096): 128 MiB once decoded to RGBA, and more than any camera's default output.
inline constexpr uint64_t DEFAULT_MAX_IMAGE_PIXELS = uint64_t{1} << 25;

struct MediaConfig {
    bool allow_remote = false;  // http(s) image URLs are fetched (hearth serve --allow-remote-media)
    std::string media_dir;      // file:// image URLs are read from inside it (--media-dir); empty: refused
    size_t max_image_bytes = api::DEFAULT_MAX_IMAGE_BYTES;  // per image, however it came
    uint32_t max_images = api::DEFAULT_MAX_IMAGES;          // per request
    uint64_t max_image_pixels = DEFAULT_MAX_IMAGE_PIXELS;   // width x height, from the header
    // All the remote images of one request together: a request holds a handler thread while it fetches.
    std::chrono::milliseconds fetch_timeout{10000};
    http::AddressPolicy allow_address;  // for tests; empty: public addresses only (http::is_public_address)
};

// The api layer's limits for chat bodies under this config: its image count and inline image size (413 and 400
// before anything is fetched); the other limits keep their defaults.
api::RequestLimits chat_request_limits(const MediaConfig& config);

// Every image's bytes, in message order and, within a message, in content order. Each error names the
// image's field in `param` ("messages[0].content[1].image_url.url"):
//   more than max_images                                  INVALID_ARGUMENT (400)
//   an http(s) URL while allow_remote is off              UNSUPPORTED (400), "... --allow-remote-media"
//   a file:// URL without a media_dir                     UNSUPPORTED (400), "... --media-dir"
//   fetch or read failures (http/media_fetch.h, util/media_file.h), the fetch deadline passed
//                                                         INVALID_ARGUMENT (400)
//   more than max_image_bytes, however the image came     PAYLOAD_TOO_LARGE (413)
//   not a known image format, or a corrupt header         INVALID_ARGUMENT (400)
//   width x height over max_image_pixels                  PAYLOAD_TOO_LARGE (413)
Result<std::vector<std::string>> resolve_media(const std::vector<api::ChatMessage>& messages,
                                               const MediaConfig& config);

}  // namespace hearth::server
