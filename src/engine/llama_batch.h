#pragma once
// A llama_batch whose arrays hearth owns (std::vector), so there is no llama_batch_init/llama_batch_free
// pair to keep balanced. One token per entry, one sequence per token. Move-only: the seq_id array holds
// pointers into this object's own storage. Not thread-safe (the engine thread owns it).

#include <llama.h>

#include <cstdint>
#include <vector>

namespace hearth::engine {

class LlamaBatch {
public:
    explicit LlamaBatch(int32_t capacity);
    LlamaBatch(LlamaBatch&& other) noexcept;
    LlamaBatch& operator=(LlamaBatch&& other) noexcept;
    LlamaBatch(const LlamaBatch&) = delete;
    LlamaBatch& operator=(const LlamaBatch&) = delete;
    ~LlamaBatch() = default;

    void clear() { size_ = 0; }
    // False (and nothing added) when the batch already holds capacity() tokens.
    bool add(int32_t token, int32_t pos, int32_t seq, bool want_logits);

    int32_t size() const { return size_; }
    int32_t capacity() const { return static_cast<int32_t>(tokens_.size()); }
    bool empty() const { return size_ == 0; }
    int32_t token(int32_t i) const { return tokens_[static_cast<size_t>(i)]; }
    int32_t pos(int32_t i) const { return pos_[static_cast<size_t>(i)]; }
    int32_t seq(int32_t i) const { return seq_ids_[static_cast<size_t>(i)]; }
    bool wants_logits(int32_t i) const { return logits_[static_cast<size_t>(i)] != 0; }

    // The C view llama_decode takes; valid until this batch is changed, moved or destroyed.
    llama_batch view();

private:
    void point_seq_ids();

    std::vector<llama_token> tokens_;
    std::vector<llama_pos> pos_;
    std::vector<int32_t> n_seq_id_;
    std::vector<llama_seq_id> seq_ids_;
    std::vector<llama_seq_id*> seq_id_ptrs_;  // seq_id_ptrs_[i] == &seq_ids_[i]
    std::vector<int8_t> logits_;
    int32_t size_ = 0;
};

}  // namespace hearth::engine
