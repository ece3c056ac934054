#pragma once
// Images (and, later, other media) inside a prompt. The engine that will encode an item prepares it (decoded,
// resized, cut into patches) as opaque MediaData; the prompt keeps one placeholder id per KV cell the item
// fills, so that token-level bookkeeping (prefix reuse, the prompt cache, context checks, usage) treats media
// like text: two prompts share a prefix through an image exactly when they hold the same image bytes there.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace hearth::core {

// An engine's prepared item; only the engine that made it knows what it holds.
class MediaData {
public:
    virtual ~MediaData() = default;
};

struct PromptMedia {
    size_t offset = 0;     // first index in the prompt's tokens
    int32_t n_tokens = 0;  // KV cells (and positions) the item fills
    std::string id;        // digest of the item's bytes: equal ids, equal embeddings
    std::shared_ptr<const MediaData> data;
    bool whole = false;  // its cells attend to each other both ways: decoded in one pass, never split
};

// The placeholder id of the item's i-th cell: negative (never a vocabulary token), and a function of the
// item's id and i, so that equal items match cell by cell and different ones almost surely differ at once.
int32_t media_placeholder(const std::string& id, int32_t i);
inline bool is_media_placeholder(int32_t token) {
    return token < 0;
}

// The item whose cells hold index i of the prompt, or nullptr.
const PromptMedia* media_at(std::span<const PromptMedia> media, size_t i);

// The longest prefix of the prompt that ends on an item boundary and is at most `length` long: a cached
// prefix may end inside an item (the same image, then a different one can share leading placeholder ids only
// by chance, or a prompt cut short), and half an image's KV is of no use.
size_t media_safe_prefix(std::span<const PromptMedia> media, size_t length);

}  // namespace hearth::core
