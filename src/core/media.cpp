#include "core/media.h"

#include <functional>

namespace hearth::core {

int32_t media_placeholder(const std::string& id, int32_t i) {
    // 62 bits of the id's hash, then each cell's own value: a splitmix-style mix keeps neighbouring cells apart.
    uint64_t x = std::hash<std::string>{}(id) + static_cast<uint64_t>(i) * 0x9E3779B97F4A7C15ULL;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
    x ^= x >> 31;
    return -1 - static_cast<int32_t>(x & 0x3FFFFFFFULL);
}

const PromptMedia* media_at(std::span<const PromptMedia> media, size_t i) {
    for (const PromptMedia& item : media) {
        if (i >= item.offset && i < item.offset + static_cast<size_t>(item.n_tokens)) {
            return &item;
        }
    }
    return nullptr;
}

size_t media_safe_prefix(std::span<const PromptMedia> media, size_t length) {
    for (const PromptMedia& item : media) {
        if (length > item.offset && length < item.offset + static_cast<size_t>(item.n_tokens)) {
            return item.offset;
        }
    }
    return length;
}

}  // namespace hearth::core
