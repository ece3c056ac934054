#include "api/content_parts.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

#include "util/base64.h"

namespace hearth::api {

using nlohmann::json;

namespace {

constexpr std::array<std::string_view, 6> IMAGE_TYPES = {"image/png",  "image/jpeg", "image/jpg",
                                                         "image/webp", "image/gif",  "image/bmp"};
constexpr size_t ECHO_LIMIT = 64;  // characters of a bad value quoted back in a message

Error invalid(std::string message, std::string param) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message), std::move(param));
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
    return out;
}

bool has_scheme(std::string_view url, std::string_view scheme) {
    return url.size() >= scheme.size() && lower(url.substr(0, scheme.size())) == scheme;
}

// A value quoted in an error message, cut short: a data: URL can be megabytes.
std::string echoed(std::string_view text) {
    return "'" + std::string(text.substr(0, ECHO_LIMIT)) + (text.size() > ECHO_LIMIT ? "...'" : "'");
}

// data:<image type>[;param=value...];base64,<data> → the decoded bytes.
Result<std::string> decode_data_url(std::string_view url, const std::string& param) {
    const size_t comma = url.find(',');
    if (comma == std::string_view::npos) {
        return invalid("malformed data: URL in '" + param + "': no ',' before the data", param);
    }
    const std::string_view header = url.substr(5, comma - 5);
    const std::string mime = lower(header.substr(0, header.find(';')));
    if (std::find(IMAGE_TYPES.begin(), IMAGE_TYPES.end(), mime) == IMAGE_TYPES.end()) {
        return invalid("invalid image type in '" + param + "': " + echoed(mime) +
                           "; expected image/png, image/jpeg, image/webp, image/gif or image/bmp",
                       param);
    }
    const size_t last = header.rfind(';');
    if (last == std::string_view::npos || lower(header.substr(last + 1)) != "base64") {
        return invalid("the data: URL in '" + param + "' must be base64-encoded (data:image/png;base64,...)", param);
    }
    std::optional<std::string> bytes = base64_decode(url.substr(comma + 1));
    if (!bytes) {
        return invalid("invalid base64 in the data: URL in '" + param + "'", param);
    }
    if (bytes->empty()) {
        return invalid("the data: URL in '" + param + "' holds no image bytes", param);
    }
    return std::move(*bytes);
}

// "image_url": {"url": ..., "detail": ...} or a bare URL string → the URL and the field it came from.
Result<std::pair<std::string, std::string>> image_url_field(FieldReader& part) {
    const json* image = part.find("image_url");
    if (image == nullptr) {
        return invalid("'" + part.param("image_url") + "' is required", part.param("image_url"));
    }
    if (image->is_string()) {
        return std::pair{image->get<std::string>(), part.param("image_url")};
    }
    if (!image->is_object()) {
        part.fail_type("image_url", "an object with a 'url'");
        return part.error();
    }
    FieldReader reader(*image, part.param("image_url"));
    const std::optional<std::string> url = reader.string("url");
    const std::optional<std::string> detail = reader.string("detail");
    if (!reader.ok()) {
        return reader.error();
    }
    if (!url) {
        return invalid("'" + reader.param("url") + "' is required", reader.param("url"));
    }
    if (detail && *detail != "auto" && *detail != "low" && *detail != "high") {
        return invalid(
            "invalid value for '" + reader.param("detail") + "': " + echoed(*detail) + "; expected auto, low or high",
            reader.param("detail"));
    }
    return std::pair{*url, reader.param("url")};
}

Result<void> read_image_part(FieldReader& part, const std::string& path, ChatMessage& message) {
    if (message.role != "user") {
        return invalid("image content parts are only allowed in user messages, not in '" + message.role + "' ones",
                       path);
    }
    Result<std::pair<std::string, std::string>> field = image_url_field(part);
    if (!field) {
        return field.error();
    }
    Result<MediaPart> media = parse_image_url(field->first, field->second);
    if (!media) {
        return media.error();
    }
    media->offset = message.content.size();
    message.media.push_back(std::move(*media));
    return {};
}

// One content part of a message: its text appended, its image placed, or why it cannot be used. Text parts
// are joined with a newline, except next to an image, as llama-server joins them (common's
// concat_content_parts): the same parts render the same prompt on both servers. after_media: the part before
// this one was an image.
Result<void> read_content_part(const json& part, const std::string& path, ChatMessage& message, bool& after_media) {
    if (!part.is_object()) {
        return invalid("invalid type for '" + path + "': expected a content part object", path);
    }
    FieldReader reader(part, path);
    const std::string kind = reader.string("type").value_or("");
    if (!reader.ok()) {
        return reader.error();
    }
    if (kind == "image_url") {
        after_media = true;
        return read_image_part(reader, path, message);
    }
    if (kind == "input_audio" || kind == "file") {
        return make_error(ErrorCode::UNSUPPORTED,
                          "content parts of type '" + kind + "' are not supported: send text or image_url parts", path);
    }
    // A refusal is what an earlier assistant turn said; it goes back into the conversation as text.
    const bool is_refusal = kind == "refusal" && message.role == "assistant";
    if (kind != "text" && !is_refusal) {
        return invalid("invalid value for '" + reader.param("type") + "': " + echoed(kind), reader.param("type"));
    }
    const std::string field = is_refusal ? "refusal" : "text";
    const std::optional<std::string> text = reader.string(field);
    if (!reader.ok()) {
        return reader.error();
    }
    if (!text) {
        return invalid("'" + reader.param(field) + "' is required", reader.param(field));
    }
    if (!after_media && (!message.content.empty() || !message.media.empty())) {
        message.content += '\n';
    }
    after_media = false;
    message.content += *text;
    return {};
}

}  // namespace

Result<MediaPart> parse_image_url(std::string_view url, const std::string& param) {
    MediaPart part;
    part.param = param;
    if (has_scheme(url, "data:")) {
        Result<std::string> bytes = decode_data_url(url, param);
        if (!bytes) {
            return bytes.error();
        }
        part.source = MediaSource::DATA;
        part.data = std::move(*bytes);
        return part;
    }
    if (has_scheme(url, "http://") || has_scheme(url, "https://")) {
        part.source = MediaSource::REMOTE;
    } else if (has_scheme(url, "file://")) {
        part.source = MediaSource::FILE;
    } else {
        return invalid("invalid image URL in '" + param + "': " + echoed(url) +
                           "; expected a data:image/...;base64 URL, an http(s) URL or a file:// URL",
                       param);
    }
    part.data = std::string(url);
    return part;
}

Result<void> read_message_content(FieldReader& reader, ChatMessage& message) {
    const json* content = reader.find("content");
    if (content == nullptr) {
        if (message.role == "assistant") {
            return {};
        }
        return invalid("'" + reader.param("content") + "' is required", reader.param("content"));
    }
    if (content->is_string()) {
        message.content = content->get<std::string>();
        return {};
    }
    if (!content->is_array()) {
        reader.fail_type("content", "a string or an array of content parts");
        return reader.error();
    }
    bool after_media = false;
    for (size_t i = 0; i < content->size(); ++i) {
        Result<void> part =
            read_content_part((*content)[i], element_param(reader.param("content"), i), message, after_media);
        if (!part) {
            return part.error();
        }
    }
    return {};
}

Result<void> check_media_limits(const std::vector<ChatMessage>& messages, const RequestLimits& limits) {
    size_t count = 0;
    for (const ChatMessage& message : messages) {
        for (const MediaPart& part : message.media) {
            if (++count > limits.max_images) {
                return invalid("too many images: at most " + std::to_string(limits.max_images) + " per request",
                               part.param);
            }
            if (part.source == MediaSource::DATA && part.data.size() > limits.max_image_bytes) {
                return make_error(ErrorCode::PAYLOAD_TOO_LARGE,
                                  "the image in '" + part.param + "' is " + std::to_string(part.data.size()) +
                                      " bytes; the limit is " + std::to_string(limits.max_image_bytes),
                                  part.param);
            }
        }
    }
    return {};
}

}  // namespace hearth::api
