#pragma once
// A text model's multimodal projector (an "mmproj" GGUF) through libmtmd: it turns images into prompt cells
// (tokenize) and encodes them into rows of the text model's input embeddings (encode).
//
// Threads: tokenize() and the queries are thread-safe (libmtmd's tokenizer reads the context without writing
// it; llama-server calls it from its HTTP threads too). encode() belongs to one thread at a time, the model's
// media-encoding thread; it may run while the text context decodes on the scheduler thread.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/media.h"
#include "engine/c_handles.h"
#include "engine/text_engine.h"
#include "util/result.h"

namespace hearth::engine {

struct ProjectorOptions {
    std::string path;
    int32_t n_threads = 0;  // 0: libmtmd's default
    bool use_gpu = false;
    bool flash_attn_auto = true;  // false: off
};

// A rendered prompt with its media: vocabulary ids and core::media_placeholder ids, and where each item sits.
struct MediaPrompt {
    std::vector<int32_t> tokens;
    std::vector<core::PromptMedia> media;
};

class MediaProjector {
public:
    // Errors: NOT_FOUND (no file), INVALID_ARGUMENT (not a projector libmtmd loads, or one for another text
    // model; a projector whose positions are not one per cell (M-RoPE: Qwen2-VL and later) is refused too).
    static Result<std::unique_ptr<MediaProjector>> load(const ProjectorOptions& options, const llama_model* model);

    bool vision() const { return vision_; }
    bool audio() const { return audio_; }
    // The text that stands for one item in a rendered prompt: random per load, so that no client text can
    // place an image where it sent none.
    const std::string& marker() const { return marker_; }

    // The prompt's cells: text as the vocabulary tokenizes it (add_special, parse_special as for text), each
    // marker replaced by the next image's cells. images holds each image's file bytes (PNG, JPEG, GIF, BMP, WebP).
    // Errors: INVALID_ARGUMENT (an image that does not decode: its index is named; markers and images
    // differ in number).
    Result<MediaPrompt> tokenize(std::string_view text, const std::vector<std::string>& images, bool add_special) const;

    // Errors: INVALID_ARGUMENT (an item this projector did not make), INTERNAL (the encoder failed).
    Result<MediaEmbedding> encode(const core::MediaData& item);

private:
    Result<mtmd_bitmap_ptr> bitmap(const std::string& bytes, size_t index) const;
    Result<core::PromptMedia> media_item(const mtmd_input_chunk* chunk) const;

    mtmd_context_ptr ctx_;
    std::string marker_;
    int32_t n_embd_ = 0;  // the text model's input embedding width
    bool vision_ = false;
    bool audio_ = false;
};

}  // namespace hearth::engine
