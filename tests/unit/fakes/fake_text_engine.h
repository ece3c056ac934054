#pragma once
// A scripted TextEngine: the next token is always (previous token + 1) mod n_vocab, token 99 is
// end-of-generation, and token t reads "w<t> ". Records every batch so tests can check how the scheduler
// batches, and the tokens accepted into each sequence's penalty history since its last reset_sampler. A decode can be
// made to fail. Like the real engine, only the scheduler thread calls the non-const methods; tests read the records
// after the scheduler is quiet (guarded by a mutex anyway).

#include <chrono>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/text_engine.h"

namespace hearth::testing {

// An image as the fake engine prepares it: its cells, and the value every one of its rows holds.
struct FakeMedia final : core::MediaData {
    FakeMedia(int32_t cells, float row_value, bool both_ways)
        : n_tokens(cells), value(row_value), non_causal(both_ways) {}
    int32_t n_tokens;
    float value;
    bool non_causal;
};

class FakeTextEngine final : public engine::TextEngine {
public:
    // One decode_media call.
    struct MediaDecode {
        int32_t seq, pos, first, count;
    };
    // What a media cell holds in the fake KV: no vocabulary token.
    static constexpr int32_t MEDIA_CELL = -7;

    struct Entry {
        int32_t token, pos, seq;
        bool logits;
    };
    static constexpr int32_t EOG = 99;

    FakeTextEngine(int32_t n_slots, int32_t n_ctx_per_slot, int32_t n_batch)
        : n_slots_(n_slots),
          n_ctx_(n_ctx_per_slot),
          n_batch_(n_batch),
          kv_(static_cast<size_t>(n_slots)),
          accepted_(static_cast<size_t>(n_slots)) {}

    int32_t n_slots() const override { return n_slots_; }
    int32_t n_ctx_per_slot() const override { return n_ctx_; }
    int32_t n_batch() const override { return n_batch_; }
    int32_t n_vocab() const override { return 100; }
    bool is_eog(int32_t token) const override { return token == EOG; }
    std::string token_to_piece(int32_t token) const override { return "w" + std::to_string(token) + " "; }
    // Every token is a control token here: as text only when asked for with special.
    std::string token_text(int32_t token, bool special) const override {
        return special ? "<s" + std::to_string(token) + ">" : token_to_piece(token);
    }

    void batch_clear() override { batch_.clear(); }
    bool batch_add(int32_t token, int32_t pos, int32_t seq, bool want_logits) override {
        if (static_cast<int32_t>(batch_.size()) >= n_batch_) {
            return false;
        }
        batch_.push_back({token, pos, seq, want_logits});
        return true;
    }
    Result<void> decode() override {
        if (decode_delay_.count() > 0) {
            std::this_thread::sleep_for(decode_delay_);  // a step that takes time, like a real one
        }
        std::lock_guard lock(mutex_);
        if (fail_next_decode_) {
            fail_next_decode_ = false;
            return make_error(ErrorCode::INTERNAL, "llama_decode failed (fake)");
        }
        for (const Entry& e : batch_) {
            auto& kv = kv_[static_cast<size_t>(e.seq)];
            if (e.pos != static_cast<int32_t>(kv.size())) {
                return make_error(ErrorCode::INTERNAL, "position gap in sequence " + std::to_string(e.seq));
            }
            kv.push_back(e.token);
        }
        batches_.push_back(batch_);
        return {};
    }
    void reset_sampler(int32_t seq, const core::SamplingParams&) override {
        std::lock_guard lock(mutex_);
        accepted_[static_cast<size_t>(seq)].clear();
    }
    Result<int32_t> sample(int32_t, int32_t batch_index) override {
        return (batch_[static_cast<size_t>(batch_index)].token + 1) % 100;
    }
    Result<void> accept(int32_t seq, int32_t token) override {
        if (token < 0 || token >= n_vocab()) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "accept: token " + std::to_string(token) + " (fake)");
        }
        std::lock_guard lock(mutex_);
        accepted_[static_cast<size_t>(seq)].push_back(token);
        return {};
    }
    std::vector<core::TokenLogprob> logprobs(int32_t, int32_t chosen, int32_t top_n) override {
        std::vector<core::TokenLogprob> out{{chosen, token_to_piece(chosen), -0.5f}};
        for (int32_t i = 0; i < top_n; ++i) {
            out.push_back({i, token_to_piece(i), -1.0f - static_cast<float>(i)});
        }
        return out;
    }
    // As a draft model: what sample() would draw, except after a multiple of wrong_every (then one more), with
    // probability guess_p.
    Result<engine::TokenGuess> most_likely(int32_t batch_index, bool /*with_p*/) override {
        if (batch_index < 0 || static_cast<size_t>(batch_index) >= batch_.size() ||
            !batch_[static_cast<size_t>(batch_index)].logits) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "most_likely: no output row (fake)");
        }
        const int32_t token = batch_[static_cast<size_t>(batch_index)].token;
        const bool wrong = wrong_every_ > 0 && token % wrong_every_ == 0;
        return engine::TokenGuess{(token + (wrong ? 2 : 1)) % 100, guess_p_};
    }
    void set_guesses(int32_t wrong_every, float p) {
        wrong_every_ = wrong_every;
        guess_p_ = p;
    }
    void seq_clear(int32_t seq) override { kv_[static_cast<size_t>(seq)].clear(); }
    bool seq_truncate(int32_t seq, int32_t from_pos) override {
        auto& kv = kv_[static_cast<size_t>(seq)];
        kv.resize(std::min(kv.size(), static_cast<size_t>(from_pos)));
        return true;
    }

    // A sequence's state is its KV tokens' bytes; a restore puts them back (and fails when told to, clearing
    // the sequence as a failed llama.cpp restore may).
    Result<std::vector<uint8_t>> seq_state_save(int32_t seq) override {
        const auto& kv = kv_[static_cast<size_t>(seq)];
        std::vector<uint8_t> state(kv.size() * sizeof(int32_t));
        std::memcpy(state.data(), kv.data(), state.size());
        std::lock_guard lock(mutex_);
        states_saved_++;
        return state;
    }
    Result<void> seq_state_load(int32_t seq, std::span<const uint8_t> state) override {
        auto& kv = kv_[static_cast<size_t>(seq)];
        std::lock_guard lock(mutex_);
        if (fail_state_loads_) {
            kv.clear();
            return make_error(ErrorCode::INTERNAL, "restore failed (fake)");
        }
        kv.resize(state.size() / sizeof(int32_t));
        std::memcpy(kv.data(), state.data(), state.size());
        states_loaded_++;
        return {};
    }

    // Media: encodes take encode_delay and count; decode_media fills the sequence with MEDIA_CELL.
    Result<engine::MediaEmbedding> encode_media(const core::MediaData& item) override {
        std::this_thread::sleep_for(encode_delay_);
        const auto& media = dynamic_cast<const FakeMedia&>(item);
        std::lock_guard lock(mutex_);
        encodes_++;
        if (fail_encodes_) {
            return make_error(ErrorCode::INTERNAL, "the encoder failed (fake)");
        }
        engine::MediaEmbedding out;
        out.n_tokens = media.n_tokens;
        out.non_causal = media.non_causal;
        out.rows.assign(static_cast<size_t>(media.n_tokens), media.value);
        return out;
    }
    Result<void> decode_media(int32_t seq, int32_t pos, const engine::MediaEmbedding& item, int32_t first,
                              int32_t count) override {
        std::lock_guard lock(mutex_);
        auto& kv = kv_[static_cast<size_t>(seq)];
        if (pos != static_cast<int32_t>(kv.size()) || first < 0 || first + count > item.n_tokens ||
            (item.non_causal && count != item.n_tokens)) {
            return make_error(ErrorCode::INVALID_ARGUMENT, "media rows out of place (fake)");
        }
        kv.insert(kv.end(), static_cast<size_t>(count), MEDIA_CELL);
        media_decodes_.push_back({seq, pos, first, count});
        return {};
    }
    void set_encode_delay(std::chrono::milliseconds delay) { encode_delay_ = delay; }
    void fail_encodes() {
        std::lock_guard lock(mutex_);
        fail_encodes_ = true;
    }
    int encodes() const {
        std::lock_guard lock(mutex_);
        return encodes_;
    }
    std::vector<MediaDecode> media_decodes() const {
        std::lock_guard lock(mutex_);
        return media_decodes_;
    }
    std::vector<int32_t> kv(int32_t seq) const {
        std::lock_guard lock(mutex_);
        return kv_[static_cast<size_t>(seq)];
    }

    void set_decode_delay(std::chrono::microseconds delay) { decode_delay_ = delay; }
    void fail_state_loads() {
        std::lock_guard lock(mutex_);
        fail_state_loads_ = true;
    }
    int states_saved() const {
        std::lock_guard lock(mutex_);
        return states_saved_;
    }
    int states_loaded() const {
        std::lock_guard lock(mutex_);
        return states_loaded_;
    }
    void fail_next_decode() {
        std::lock_guard lock(mutex_);
        fail_next_decode_ = true;
    }
    std::vector<std::vector<Entry>> batches() const {
        std::lock_guard lock(mutex_);
        return batches_;
    }
    std::vector<int32_t> accepted(int32_t seq) const {
        std::lock_guard lock(mutex_);
        return accepted_[static_cast<size_t>(seq)];
    }

private:
    const int32_t n_slots_, n_ctx_, n_batch_;
    std::vector<Entry> batch_;
    std::vector<std::vector<int32_t>> kv_;
    mutable std::mutex mutex_;
    std::vector<std::vector<Entry>> batches_;
    std::vector<std::vector<int32_t>> accepted_;  // per seq, since its last reset_sampler
    bool fail_next_decode_ = false;
    bool fail_state_loads_ = false;
    int states_saved_ = 0;
    int states_loaded_ = 0;
    std::chrono::microseconds decode_delay_{0};  // set before the scheduler starts
    std::chrono::milliseconds encode_delay_{0};  // set before the scheduler starts
    std::vector<MediaDecode> media_decodes_;
    int encodes_ = 0;
    bool fail_encodes_ = false;
    int32_t wrong_every_ = 0;  // set before the scheduler starts
    float guess_p_ = 1.0f;
};

}  // namespace hearth::testing
