#include "util/image_header.h"

#include <string>

namespace hearth {

namespace {

// Little- and big-endian reads of the header; every read is at an offset the caller checked with fits().
class Bytes {
public:
    explicit Bytes(std::string_view data) : data_(data) {}
    bool fits(size_t offset, size_t count) const { return offset <= data_.size() && count <= data_.size() - offset; }
    uint32_t u8(size_t at) const { return static_cast<uint8_t>(data_[at]); }
    uint32_t be16(size_t at) const { return (u8(at) << 8) | u8(at + 1); }
    uint32_t le16(size_t at) const { return u8(at) | (u8(at + 1) << 8); }
    uint32_t be32(size_t at) const { return (be16(at) << 16) | be16(at + 2); }
    uint32_t le24(size_t at) const { return le16(at) | (u8(at + 2) << 16); }
    uint32_t le32(size_t at) const { return le16(at) | (le16(at + 2) << 16); }
    bool starts_with(size_t at, std::string_view magic) const {
        return fits(at, magic.size()) && data_.substr(at, magic.size()) == magic;
    }
    size_t size() const { return data_.size(); }

private:
    std::string_view data_;
};

Error corrupt(ImageFormat format, std::string_view why) {
    return make_error(ErrorCode::INVALID_ARGUMENT,
                      "corrupt " + std::string(to_string(format)) + " image: " + std::string(why));
}

Result<ImageInfo> sized(ImageFormat format, uint64_t width, uint64_t height) {
    if (width == 0 || height == 0) {
        return corrupt(format, "zero width or height");
    }
    // No format below can declare more than 2^31 - 1; a larger value is a corrupt header.
    constexpr uint64_t LARGEST = 0x7FFFFFFF;
    if (width > LARGEST || height > LARGEST) {
        return corrupt(format, "width or height out of range");
    }
    return ImageInfo{format, static_cast<uint32_t>(width), static_cast<uint32_t>(height)};
}

// Signature, then the IHDR chunk, which the PNG spec requires first: length 13, "IHDR", width, height.
Result<ImageInfo> probe_png(const Bytes& b) {
    if (!b.fits(0, 24)) {
        return corrupt(ImageFormat::PNG, "truncated header");
    }
    if (b.be32(8) != 13 || !b.starts_with(12, "IHDR")) {
        return corrupt(ImageFormat::PNG, "the first chunk is not IHDR");
    }
    return sized(ImageFormat::PNG, b.be32(16), b.be32(20));
}

// "GIF87a"/"GIF89a", then the logical screen descriptor's width and height.
Result<ImageInfo> probe_gif(const Bytes& b) {
    if (!b.fits(0, 10)) {
        return corrupt(ImageFormat::GIF, "truncated header");
    }
    return sized(ImageFormat::GIF, b.le16(6), b.le16(8));
}

// "BM", a 14-byte file header, then the DIB header: OS/2 1.x's 12-byte core header has 16-bit dimensions,
// every later one 32-bit signed ones (a negative height is a top-down bitmap).
Result<ImageInfo> probe_bmp(const Bytes& b) {
    if (!b.fits(0, 18)) {
        return corrupt(ImageFormat::BMP, "truncated header");
    }
    const uint32_t dib_size = b.le32(14);
    if (dib_size == 12) {
        if (!b.fits(0, 22)) {
            return corrupt(ImageFormat::BMP, "truncated header");
        }
        return sized(ImageFormat::BMP, b.le16(18), b.le16(20));
    }
    if (dib_size < 16 || dib_size > 124 || !b.fits(0, 26)) {
        return corrupt(ImageFormat::BMP, dib_size < 16 || dib_size > 124 ? "unknown DIB header" : "truncated header");
    }
    const auto width = static_cast<int32_t>(b.le32(18));
    const auto height = static_cast<int32_t>(b.le32(22));
    if (width < 0) {
        return corrupt(ImageFormat::BMP, "negative width");
    }
    const int64_t rows = height < 0 ? -static_cast<int64_t>(height) : height;
    return sized(ImageFormat::BMP, static_cast<uint64_t>(width), static_cast<uint64_t>(rows));
}

// "RIFF" size "WEBP", then the first chunk: VP8 (lossy: a key frame's start code and 14-bit dimensions),
// VP8L (lossless: signature 0x2F and 14-bit dimensions minus one) or VP8X (extended: 24-bit canvas size
// minus one).
Result<ImageInfo> probe_webp(const Bytes& b) {
    constexpr ImageFormat WEBP = ImageFormat::WEBP;
    if (!b.fits(0, 16)) {
        return corrupt(WEBP, "truncated header");
    }
    if (b.starts_with(12, "VP8 ")) {
        if (!b.fits(0, 30)) {
            return corrupt(WEBP, "truncated VP8 header");
        }
        if ((b.u8(20) & 1) != 0 || !b.starts_with(23, "\x9d\x01\x2a")) {
            return corrupt(WEBP, "the VP8 frame is not a key frame");
        }
        return sized(WEBP, b.le16(26) & 0x3FFF, b.le16(28) & 0x3FFF);
    }
    if (b.starts_with(12, "VP8L")) {
        if (!b.fits(0, 25)) {
            return corrupt(WEBP, "truncated VP8L header");
        }
        if (b.u8(20) != 0x2F) {
            return corrupt(WEBP, "bad VP8L signature");
        }
        const uint32_t bits = b.le32(21);
        return sized(WEBP, (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1);
    }
    if (b.starts_with(12, "VP8X")) {
        if (!b.fits(0, 30)) {
            return corrupt(WEBP, "truncated VP8X header");
        }
        return sized(WEBP, uint64_t{b.le24(24)} + 1, uint64_t{b.le24(27)} + 1);
    }
    return corrupt(WEBP, "the first chunk is not VP8, VP8L or VP8X");
}

// Start-of-frame markers carry the dimensions: C0-CF except C4 (DHT), C8 (JPG) and CC (DAC).
bool is_start_of_frame(uint32_t marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Walks the marker segments after SOI until the first SOFn: FF, fill bytes (more FF), the marker, then a
// big-endian length that counts itself. RSTn and TEM stand alone; EOI or SOS before a frame header means
// there is none. Every step moves forward, so the walk ends.
Result<ImageInfo> probe_jpeg(const Bytes& b) {
    constexpr ImageFormat JPEG = ImageFormat::JPEG;
    size_t at = 2;
    while (true) {
        if (!b.fits(at, 2)) {
            return corrupt(JPEG, "no frame header before the end of the data");
        }
        if (b.u8(at) != 0xFF) {
            return corrupt(JPEG, "expected a marker at byte " + std::to_string(at));
        }
        size_t marker_at = at + 1;
        while (b.fits(marker_at, 1) && b.u8(marker_at) == 0xFF) {
            ++marker_at;
        }
        if (!b.fits(marker_at, 1)) {
            return corrupt(JPEG, "no frame header before the end of the data");
        }
        const uint32_t marker = b.u8(marker_at);
        at = marker_at + 1;
        if (marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
            continue;
        }
        if (marker == 0x00 || marker == 0xD8 || marker == 0xD9 || marker == 0xDA) {
            return corrupt(JPEG, "no frame header before the image data");
        }
        if (!b.fits(at, 2) || b.be16(at) < 2) {
            return corrupt(JPEG, "truncated marker segment");
        }
        if (is_start_of_frame(marker)) {
            // length(2) precision(1) height(2) width(2); a zero height (set later by DNL) is refused.
            if (b.be16(at) < 7 || !b.fits(at, 7)) {
                return corrupt(JPEG, "truncated frame header");
            }
            return sized(JPEG, b.be16(at + 5), b.be16(at + 3));
        }
        at += b.be16(at);
    }
}

}  // namespace

std::string_view to_string(ImageFormat format) {
    switch (format) {
        case ImageFormat::PNG: return "PNG";
        case ImageFormat::JPEG: return "JPEG";
        case ImageFormat::GIF: return "GIF";
        case ImageFormat::BMP: return "BMP";
        case ImageFormat::WEBP: return "WebP";
    }
    return "image";
}

Result<ImageInfo> probe_image_header(std::string_view bytes) {
    const Bytes b(bytes);
    if (b.starts_with(0, "\x89PNG\r\n\x1a\n")) {
        return probe_png(b);
    }
    if (b.starts_with(0, "\xFF\xD8\xFF")) {
        return probe_jpeg(b);
    }
    if (b.starts_with(0, "GIF87a") || b.starts_with(0, "GIF89a")) {
        return probe_gif(b);
    }
    if (b.starts_with(0, "RIFF") && b.starts_with(8, "WEBP")) {
        return probe_webp(b);
    }
    if (b.starts_with(0, "BM")) {
        return probe_bmp(b);
    }
    return make_error(ErrorCode::INVALID_ARGUMENT, "not a PNG, JPEG, WebP, GIF or BMP image");
}

}  // namespace hearth
