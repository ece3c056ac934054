#include "engine/llama_batch.h"

#include <algorithm>
#include <utility>

namespace hearth::engine {

LlamaBatch::LlamaBatch(int32_t capacity) {
    const auto n = static_cast<size_t>(std::max(capacity, 1));
    tokens_.resize(n);
    pos_.resize(n);
    n_seq_id_.assign(n, 1);
    seq_ids_.resize(n);
    seq_id_ptrs_.resize(n);
    logits_.resize(n);
    point_seq_ids();
}

// Moving a vector keeps its heap buffer, so the pointers stay valid; they are re-pointed anyway so that
// the invariant does not rest on that guarantee. A moved-from batch has capacity 0, so add() refuses.
LlamaBatch::LlamaBatch(LlamaBatch&& other) noexcept
    : tokens_(std::move(other.tokens_)),
      pos_(std::move(other.pos_)),
      n_seq_id_(std::move(other.n_seq_id_)),
      seq_ids_(std::move(other.seq_ids_)),
      seq_id_ptrs_(std::move(other.seq_id_ptrs_)),
      logits_(std::move(other.logits_)),
      size_(std::exchange(other.size_, 0)) {
    point_seq_ids();
}

LlamaBatch& LlamaBatch::operator=(LlamaBatch&& other) noexcept {
    if (this != &other) {
        tokens_ = std::move(other.tokens_);
        pos_ = std::move(other.pos_);
        n_seq_id_ = std::move(other.n_seq_id_);
        seq_ids_ = std::move(other.seq_ids_);
        seq_id_ptrs_ = std::move(other.seq_id_ptrs_);
        logits_ = std::move(other.logits_);
        size_ = std::exchange(other.size_, 0);
        point_seq_ids();
    }
    return *this;
}

void LlamaBatch::point_seq_ids() {
    seq_id_ptrs_.resize(seq_ids_.size());
    for (size_t i = 0; i < seq_ids_.size(); ++i) {
        seq_id_ptrs_[i] = &seq_ids_[i];
    }
}

bool LlamaBatch::add(int32_t token, int32_t pos, int32_t seq, bool want_logits) {
    if (size_ >= capacity()) {
        return false;
    }
    const auto i = static_cast<size_t>(size_);
    tokens_[i] = token;
    pos_[i] = pos;
    seq_ids_[i] = seq;
    logits_[i] = want_logits ? 1 : 0;
    ++size_;
    return true;
}

llama_batch LlamaBatch::view() {
    llama_batch batch{};
    batch.n_tokens = size_;
    batch.token = tokens_.data();
    batch.embd = nullptr;
    batch.pos = pos_.data();
    batch.n_seq_id = n_seq_id_.data();
    batch.seq_id = seq_id_ptrs_.data();
    batch.logits = logits_.data();
    return batch;
}

}  // namespace hearth::engine
