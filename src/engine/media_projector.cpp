#include "engine/media_projector.h"

#include <mtmd-helper.h>

#include <cstring>
#include <exception>
#include <filesystem>
#include <random>

#include "engine/webp_decoder.h"
#include "util/log.h"
#include "util/sha256.h"

namespace hearth::engine {

namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

// What a prepared item holds: libmtmd's chunk (the preprocessed image), and whether its cells attend both ways.
class MtmdItem final : public core::MediaData {
public:
    MtmdItem(mtmd_chunk_ptr chunk, bool non_causal) : chunk_(std::move(chunk)), non_causal_(non_causal) {}
    const mtmd_input_chunk* chunk() const { return chunk_.get(); }
    bool non_causal() const { return non_causal_; }

private:
    mtmd_chunk_ptr chunk_;
    bool non_causal_;
};

std::string random_marker() {
    std::random_device device;
    std::string out = "<__media_";
    constexpr const char* HEX = "0123456789abcdef";
    for (int i = 0; i < 32; ++i) {
        out += HEX[device() % 16];
    }
    return out + "__>";
}

mtmd_context_ptr init_context(const ProjectorOptions& options, const llama_model* model, const std::string& marker) {
    mtmd_context_params params = mtmd_context_params_default();
    params.use_gpu = options.use_gpu;
    params.print_timings = false;
    params.n_threads = options.n_threads > 0 ? options.n_threads : params.n_threads;
    params.media_marker = marker.c_str();
    params.flash_attn_type = options.flash_attn_auto ? LLAMA_FLASH_ATTN_TYPE_AUTO : LLAMA_FLASH_ATTN_TYPE_DISABLED;
    params.warmup = false;  // the first image pays for it; a load should not run the encoder on nothing
    try {
        return mtmd_context_ptr(mtmd_init_from_file(options.path.c_str(), model, params));
    } catch (const std::exception& e) {
        log::error("libmtmd threw while loading {}: {}", options.path, e.what());
    } catch (...) {
        log::error("libmtmd threw while loading {}", options.path);
    }
    return nullptr;
}

}  // namespace

Result<std::unique_ptr<MediaProjector>> MediaProjector::load(const ProjectorOptions& options,
                                                             const llama_model* model) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(options.path, ec)) {
        return make_error(ErrorCode::NOT_FOUND, "no projector file " + options.path);
    }
    auto projector = std::make_unique<MediaProjector>();
    projector->marker_ = random_marker();
    projector->ctx_ = init_context(options, model, projector->marker_);
    if (!projector->ctx_) {
        return invalid("libmtmd cannot load the projector " + options.path +
                       " for this model (the engine log has its reason)");
    }
    if (mtmd_decode_use_mrope(projector->ctx_.get())) {
        return invalid("the projector " + options.path +
                       " places images with M-RoPE (Qwen2-VL and later), which hearth does not serve yet");
    }
    projector->vision_ = mtmd_support_vision(projector->ctx_.get());
    projector->audio_ = mtmd_support_audio(projector->ctx_.get());
    projector->n_embd_ = llama_model_n_embd_inp(model);
    return projector;
}

// One image's pixels for libmtmd, its id the SHA-256 of its bytes (as libmtmd's own helper names images).
Result<mtmd_bitmap_ptr> MediaProjector::bitmap(const std::string& bytes, size_t index) const {
    if (looks_like_webp(bytes)) {
        Result<RgbImage> image = decode_webp(bytes);
        if (!image) {
            return make_error(image.error().code, "image " + std::to_string(index) + ": " + image.error().message);
        }
        mtmd_bitmap_ptr out(mtmd_bitmap_init(image->width, image->height, image->rgb.data()));
        mtmd_bitmap_set_id(out.get(), sha256_hex(bytes).c_str());
        return out;
    }
    const auto* data = reinterpret_cast<const unsigned char*>(bytes.data());
    mtmd_helper_bitmap_wrapper wrapped =
        mtmd_helper_bitmap_init_from_buf(ctx_.get(), data, bytes.size(), false, mtmd_helper_init_opt_default());
    mtmd_bitmap_ptr out(wrapped.bitmap);
    if (!out || mtmd_bitmap_is_audio(out.get())) {
        return invalid("image " + std::to_string(index) + " cannot be decoded (corrupt, truncated or not an image)");
    }
    return out;
}

Result<MediaPrompt> MediaProjector::tokenize(std::string_view text, const std::vector<std::string>& images,
                                             bool add_special) const {
    std::vector<mtmd_bitmap_ptr> bitmaps;
    std::vector<const mtmd_bitmap*> views;
    for (size_t i = 0; i < images.size(); ++i) {
        Result<mtmd_bitmap_ptr> image = bitmap(images[i], i);
        if (!image) {
            return image.error();
        }
        views.push_back(image->get());
        bitmaps.push_back(std::move(*image));
    }
    const std::string copy(text);  // libmtmd reads a NUL-terminated string
    const mtmd_input_text input{copy.c_str(), copy.size(), add_special, true};
    mtmd_chunks_ptr chunks(mtmd_input_chunks_init());
    const int32_t rc = mtmd_tokenize(ctx_.get(), chunks.get(), &input, views.data(), views.size());
    if (rc == 1) {
        return invalid("the prompt's image markers and its " + std::to_string(images.size()) +
                       " images differ in number");
    }
    if (rc != 0) {
        return invalid("an image could not be prepared for the projector (code " + std::to_string(rc) + ")");
    }
    MediaPrompt out;
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks.get()); ++i) {
        const mtmd_input_chunk* chunk = mtmd_input_chunks_get(chunks.get(), i);
        if (mtmd_input_chunk_get_type(chunk) == MTMD_INPUT_CHUNK_TYPE_TEXT) {
            size_t n = 0;
            const llama_token* tokens = mtmd_input_chunk_get_tokens_text(chunk, &n);
            out.tokens.insert(out.tokens.end(), tokens, tokens + n);
            continue;
        }
        Result<core::PromptMedia> item = media_item(chunk);
        if (!item) {
            return item.error();
        }
        item->offset = out.tokens.size();
        for (int32_t k = 0; k < item->n_tokens; ++k) {
            out.tokens.push_back(core::media_placeholder(item->id, k));
        }
        out.media.push_back(std::move(*item));
    }
    return out;
}

Result<core::PromptMedia> MediaProjector::media_item(const mtmd_input_chunk* chunk) const {
    const auto n_tokens = static_cast<int32_t>(mtmd_input_chunk_get_n_tokens(chunk));
    if (n_tokens < 1 || mtmd_input_chunk_get_n_pos(chunk) != n_tokens) {
        return invalid("the projector made an image of " + std::to_string(n_tokens) +
                       " cells whose positions differ from its cells");
    }
    core::PromptMedia item;
    item.n_tokens = n_tokens;
    const char* id = mtmd_input_chunk_get_id(chunk);
    item.id = id != nullptr ? id : "";
    const bool non_causal = mtmd_decode_use_non_causal(ctx_.get(), chunk);
    item.whole = non_causal;
    item.data = std::make_shared<MtmdItem>(mtmd_chunk_ptr(mtmd_input_chunk_copy(chunk)), non_causal);
    return item;
}

Result<MediaEmbedding> MediaProjector::encode(const core::MediaData& item) {
    const auto* prepared = dynamic_cast<const MtmdItem*>(&item);
    if (prepared == nullptr || prepared->chunk() == nullptr) {
        return invalid("this media item was not prepared by this model's projector");
    }
    int32_t rc = -1;
    try {
        rc = mtmd_encode_chunk(ctx_.get(), prepared->chunk());
    } catch (const std::exception& e) {
        log::error("libmtmd threw while encoding: {}", e.what());
    }
    const float* rows = rc == 0 ? mtmd_get_output_embd(ctx_.get()) : nullptr;
    if (rows == nullptr) {
        return make_error(ErrorCode::INTERNAL,
                          "the projector failed to encode an image (code " + std::to_string(rc) + ")");
    }
    MediaEmbedding out;
    out.n_tokens = static_cast<int32_t>(mtmd_input_chunk_get_n_tokens(prepared->chunk()));
    out.non_causal = prepared->non_causal();
    out.rows.assign(rows, rows + static_cast<size_t>(out.n_tokens) * static_cast<size_t>(n_embd_));
    return out;
}

}  // namespace hearth::engine
