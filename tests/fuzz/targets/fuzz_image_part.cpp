// libFuzzer: any bytes as an image, as the payload of a base64 data: URL, and as an image URL, through
// parse_image_url and the image header probe. The contract: never crash, never read out of bounds, never
// trip ASan/UBSan; a refusal is an Error with a message (and, from the parser, the field); a probed image has
// both sides non-zero; base64 round-trips.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "api/content_parts.h"
#include "util/base64.h"
#include "util/image_header.h"

namespace {

void probe(std::string_view bytes) {
    auto info = hearth::probe_image_header(bytes);
    if (info ? (info->width == 0 || info->height == 0) : info.error().message.empty()) {
        std::abort();
    }
}

void parse(std::string_view url) {
    auto part = hearth::api::parse_image_url(url, "p");
    if (!part) {
        if (part.error().message.empty() || part.error().param != "p") {
            std::abort();
        }
        return;
    }
    if (part->source == hearth::api::MediaSource::DATA) {
        if (part->data.empty()) {
            std::abort();  // an empty data: URL is refused
        }
        probe(part->data);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    probe(bytes);
    parse(bytes);
    parse("data:image/png;base64," + hearth::base64_encode(bytes));
    const std::string as_text(bytes);
    if (hearth::base64_decode(hearth::base64_encode(bytes)) != as_text) {
        std::abort();
    }
    // The bytes as base64 text themselves: whitespace, padding and strangers in any arrangement.
    parse("data:image/webp;base64," + as_text);
    return 0;
}
