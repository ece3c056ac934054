#include "server/media_sources.h"

#include "util/image_header.h"
#include "util/media_file.h"

namespace hearth::server {

namespace {

using Clock = std::chrono::steady_clock;

// The error of one image, named by its field; the field also leads the message, since a request may carry
// several images.
Error for_part(Error error, const api::MediaPart& part) {
    error.message = "'" + part.param + "': " + error.message;
    error.param = part.param;
    return error;
}

Result<std::string> fetch_remote(const api::MediaPart& part, const MediaConfig& config, Clock::time_point deadline) {
    if (!config.allow_remote) {
        return make_error(ErrorCode::UNSUPPORTED,
                          "remote image URLs are off; start the server with --allow-remote-media, or send the "
                          "image inline as a data: URL");
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "fetching the request's images took longer than " +
                                                           std::to_string(config.fetch_timeout.count()) + " ms");
    }
    http::FetchOptions options;
    options.max_bytes = config.max_image_bytes;
    options.timeout = left;
    options.allow_address = config.allow_address;
    return http::fetch_media(part.data, options);
}

Result<std::string> image_bytes(const api::MediaPart& part, const MediaConfig& config, Clock::time_point deadline) {
    switch (part.source) {
        case api::MediaSource::DATA:
            if (part.data.size() > config.max_image_bytes) {
                return make_error(ErrorCode::PAYLOAD_TOO_LARGE, "the image is " + std::to_string(part.data.size()) +
                                                                    " bytes; the limit is " +
                                                                    std::to_string(config.max_image_bytes));
            }
            return part.data;
        case api::MediaSource::REMOTE: return fetch_remote(part, config, deadline);
        case api::MediaSource::FILE:
            if (config.media_dir.empty()) {
                return make_error(ErrorCode::UNSUPPORTED,
                                  "file:// URLs need --media-dir: the server reads images from that directory only");
            }
            return read_media_file(part.data, config.media_dir, config.max_image_bytes);
    }
    return make_error(ErrorCode::INTERNAL, "unknown media source");
}

// The bytes must be an image of a known format whose header declares at most max_image_pixels.
Result<void> check_image(const std::string& bytes, const MediaConfig& config) {
    Result<ImageInfo> info = probe_image_header(bytes);
    if (!info) {
        return info.error();
    }
    const uint64_t pixels = uint64_t{info->width} * info->height;
    if (pixels > config.max_image_pixels) {
        return make_error(ErrorCode::PAYLOAD_TOO_LARGE, "the " + std::string(to_string(info->format)) + " image is " +
                                                            std::to_string(info->width) + "x" +
                                                            std::to_string(info->height) + " pixels; the limit is " +
                                                            std::to_string(config.max_image_pixels) + " pixels");
    }
    return {};
}

}  // namespace

api::RequestLimits chat_request_limits(const MediaConfig& config) {
    api::RequestLimits limits;
    limits.max_image_bytes = config.max_image_bytes;
    limits.max_images = config.max_images;
    return limits;
}

Result<std::vector<std::string>> resolve_media(const std::vector<api::ChatMessage>& messages,
                                               const MediaConfig& config) {
    const Clock::time_point deadline = Clock::now() + config.fetch_timeout;
    std::vector<std::string> images;
    for (const api::ChatMessage& message : messages) {
        for (const api::MediaPart& part : message.media) {
            if (images.size() >= config.max_images) {
                return for_part(
                    make_error(ErrorCode::INVALID_ARGUMENT,
                               "too many images: at most " + std::to_string(config.max_images) + " per request"),
                    part);
            }
            Result<std::string> bytes = image_bytes(part, config, deadline);
            if (!bytes) {
                return for_part(bytes.error(), part);
            }
            if (Result<void> checked = check_image(*bytes, config); !checked) {
                return for_part(checked.error(), part);
            }
            images.push_back(std::move(*bytes));
        }
    }
    return images;
}

}  // namespace hearth::server
