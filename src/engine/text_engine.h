#pragma once
// The capability a text-generation scheduler drives: one context holding n_slots sequences, stepped one
// batch at a time. Implemented by LlamaTextEngine over llama.cpp, and by fakes in tests.
// Thread contract: the const queries are thread-safe; everything else is called only from the one thread
// that owns the engine (the model's scheduler thread).

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/generation.h"
#include "core/sampling_params.h"
#include "util/result.h"

namespace hearth::engine {

// One sequence's token to sample: its output row in the last decode.
struct SampleRequest {
    int32_t seq = 0;
    int32_t batch_index = 0;
};

// An encoded media item: one row of the text model's input embedding width per KV cell it fills.
struct MediaEmbedding {
    std::vector<float> rows;  // n_tokens x n_embd
    int32_t n_tokens = 0;
    // The item's cells attend to each other both ways (Gemma 3's images): decode_media must take it whole.
    bool non_causal = false;
};

// A draft model's proposal: the most likely token of an output row and its probability.
struct TokenGuess {
    int32_t token = -1;
    float p = 0.0f;
};

class TextEngine {
public:
    virtual ~TextEngine() = default;

    virtual int32_t n_slots() const = 0;
    virtual int32_t n_ctx_per_slot() const = 0;
    virtual int32_t n_batch() const = 0;  // most tokens one decode() takes
    virtual int32_t n_vocab() const = 0;
    virtual bool is_eog(int32_t token) const = 0;
    // The token's bytes; may be an incomplete UTF-8 sequence.
    virtual std::string token_to_piece(int32_t token) const = 0;
    // With special: control tokens as their text ("<tool_call>") rather than nothing.
    virtual std::string token_text(int32_t token, bool special) const {
        (void)special;
        return token_to_piece(token);
    }

    // Batch building: false when the batch is full.
    virtual void batch_clear() = 0;
    virtual bool batch_add(int32_t token, int32_t pos, int32_t seq, bool want_logits) = 0;
    // Runs the batch. MUST map engine return codes to errors and never throw.
    virtual Result<void> decode() = 0;

    // Sampling with the sequence's own chain (set by reset_sampler before its first token).
    virtual void reset_sampler(int32_t seq, const core::SamplingParams& params) = 0;
    virtual Result<int32_t> sample(int32_t seq, int32_t batch_index) = 0;
    // sample() for every item (distinct sequences), in any order or at once; results in the items' order.
    virtual std::vector<Result<int32_t>> sample_batch(std::span<const SampleRequest> items) {
        std::vector<Result<int32_t>> out;
        out.reserve(items.size());
        for (const SampleRequest& item : items) {
            out.push_back(sample(item.seq, item.batch_index));
        }
        return out;
    }
    // Records a token in the sequence's penalty history without sampling it: llama-server feeds the prompt
    // this way, so that repeat/presence/frequency penalties also count the prompt's tokens. A chain without
    // penalties ignores it. Errors: INVALID_ARGUMENT (seq or token out of range).
    virtual Result<void> accept(int32_t seq, int32_t token) = 0;
    // The chosen token's log-probability and the top_n alternatives, from the raw logits at batch_index.
    virtual std::vector<core::TokenLogprob> logprobs(int32_t batch_index, int32_t chosen, int32_t top_n) = 0;

    // The most likely token at batch_index of the last decode, by the raw logits (no sampler), with its
    // softmax probability when with_p (else p is 1: a softmax over the vocabulary costs as much as the argmax
    // several times over): what a draft model proposes. Errors: INVALID_ARGUMENT (not an output row of the last
    // decode); UNSUPPORTED where the engine cannot draft.
    virtual Result<TokenGuess> most_likely(int32_t batch_index, bool with_p) {
        (void)batch_index;
        (void)with_p;
        return make_error(ErrorCode::UNSUPPORTED, "this engine proposes no drafts");
    }

    // Media (an engine with a vision projector; the others refuse with UNSUPPORTED).
    // Runs the projector's encoder over a prepared item (core::MediaData made by this engine). Thread: the one
    // media-encoding thread of the model, which may run while the step API runs on the scheduler thread, but
    // never two encodes at once.
    virtual Result<MediaEmbedding> encode_media(const core::MediaData& item) {
        (void)item;
        return make_error(ErrorCode::UNSUPPORTED, "this model takes no images");
    }
    // Decodes rows [first, first + count) of an encoded item into the sequence at positions pos.. as one pass of
    // its own, apart from the token batch (whose logits it leaves alone). A non-causal item must be decoded
    // whole. Errors as decode(), and INVALID_ARGUMENT for a seq, range or position out of bounds.
    virtual Result<void> decode_media(int32_t seq, int32_t pos, const MediaEmbedding& item, int32_t first,
                                      int32_t count) {
        (void)seq;
        (void)pos;
        (void)item;
        (void)first;
        (void)count;
        return make_error(ErrorCode::UNSUPPORTED, "this model takes no images");
    }

    // KV cache per sequence.
    virtual void seq_clear(int32_t seq) = 0;
    // Drops positions >= from_pos; false when the engine cannot (then the caller clears the sequence).
    virtual bool seq_truncate(int32_t seq, int32_t from_pos) = 0;
    // A copy of the sequence's KV, and its restore into a sequence (the scheduler's host prompt cache). An
    // engine that cannot answers UNSUPPORTED; a failed restore leaves the sequence to be cleared.
    virtual Result<std::vector<uint8_t>> seq_state_save(int32_t seq) {
        (void)seq;
        return make_error(ErrorCode::UNSUPPORTED, "this engine keeps no sequence states");
    }
    virtual Result<void> seq_state_load(int32_t seq, std::span<const uint8_t> state) {
        (void)seq;
        (void)state;
        return make_error(ErrorCode::UNSUPPORTED, "this engine keeps no sequence states");
    }
};

}  // namespace hearth::engine
