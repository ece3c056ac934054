// LlamaTextEngine's media members: the projector's load, and images' rows decoded into a sequence.
#include <llama.h>

#include <algorithm>
#include <exception>

#include "engine/llama_text_engine.h"
#include "util/log.h"

namespace hearth::engine {

Result<void> LlamaTextEngine::load_projector(const TextEngineOptions& options, bool on_gpu) {
    if (options.mmproj.empty()) {
        return {};
    }
    ProjectorOptions projector;
    projector.path = options.mmproj;
    projector.n_threads = options.n_threads;
    projector.use_gpu = on_gpu;
    projector.flash_attn_auto = options.flash_attn != FlashAttn::OFF;
    auto loaded = MediaProjector::load(projector, model_.get());
    if (!loaded) {
        return loaded.error();
    }
    projector_ = std::move(loaded).value();
    return {};
}

int32_t LlamaTextEngine::n_whole_media() const {
    return static_cast<int32_t>(std::min(llama_n_batch(ctx_.get()), llama_n_ubatch(ctx_.get())));
}

Result<MediaEmbedding> LlamaTextEngine::encode_media(const core::MediaData& item) {
    if (!projector_) {
        return make_error(ErrorCode::UNSUPPORTED, "this model was loaded without a projector: it takes no images");
    }
    return projector_->encode(item);
}

Result<void> LlamaTextEngine::decode_media(int32_t seq, int32_t pos, const MediaEmbedding& item, int32_t first,
                                           int32_t count) {
    check_engine_thread();
    const auto n_embd = static_cast<size_t>(llama_model_n_embd_inp(model_.get()));
    const bool rows_ok = item.n_tokens > 0 && item.rows.size() == static_cast<size_t>(item.n_tokens) * n_embd;
    const bool range_ok = first >= 0 && count > 0 && first + count <= item.n_tokens &&
                          (!item.non_causal || (first == 0 && count == item.n_tokens));
    if (!valid_seq(seq) || !rows_ok || !range_ok || pos < 0 || pos + count > n_ctx_per_slot_) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "media rows out of range for sequence " + std::to_string(seq));
    }
    // llama.cpp asserts (aborts the process) on a pass longer than its batch, and on a non-causal one longer
    // than its micro-batch.
    const auto most = static_cast<int32_t>(item.non_causal ? n_whole_media() : llama_n_batch(ctx_.get()));
    if (count > most) {
        return make_error(
            ErrorCode::INVALID_ARGUMENT,
            std::to_string(count) + " image rows in one pass; this context takes " + std::to_string(most));
    }
    // llama_batch only points at these; they live through the decode below.
    std::vector<llama_pos> positions(static_cast<size_t>(count));
    std::vector<int32_t> n_seq_id(static_cast<size_t>(count), 1);
    std::vector<llama_seq_id> seq_ids(static_cast<size_t>(count), seq);
    std::vector<llama_seq_id*> seq_id_ptrs(static_cast<size_t>(count));
    std::vector<int8_t> logits(static_cast<size_t>(count), 0);
    for (int32_t i = 0; i < count; ++i) {
        positions[static_cast<size_t>(i)] = pos + i;
        seq_id_ptrs[static_cast<size_t>(i)] = &seq_ids[static_cast<size_t>(i)];
    }
    llama_batch batch{};
    batch.n_tokens = count;
    batch.embd = const_cast<float*>(item.rows.data() + static_cast<size_t>(first) * n_embd);  // read only
    batch.pos = positions.data();
    batch.n_seq_id = n_seq_id.data();
    batch.seq_id = seq_id_ptrs.data();
    batch.logits = logits.data();
    output_seqs_.clear();  // the token batch's logits are gone once llama.cpp decodes anything else
    int32_t rc = -3;
    if (item.non_causal) {
        llama_set_causal_attn(ctx_.get(), false);
    }
    try {
        rc = llama_decode(ctx_.get(), batch);
    } catch (const std::exception& e) {
        log::error("llama_decode threw on media rows: {}", e.what());
    }
    if (item.non_causal) {
        llama_set_causal_attn(ctx_.get(), true);
    }
    abort_.store(false);  // an abort request covers one decode
    if (rc == 0) {
        return {};
    }
    if (rc == 1) {
        return make_error(DECODE_NO_KV_SLOT, "no free KV cache cells for the image");
    }
    if (rc == -1) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "llama.cpp rejected the image's rows (see the engine log)");
    }
    return make_error(rc == 2 ? ErrorCode::CANCELLED : ErrorCode::INTERNAL,
                      "llama_decode failed on media rows with code " + std::to_string(rc));
}

}  // namespace hearth::engine
