#pragma once
// The capability an embedding batcher drives: one pooled forward pass over several whole sequences at once.
// Implemented by LlamaEmbeddingEngine over llama.cpp, and by fakes in tests.
// Thread contract: the const queries are thread-safe; embed() is called only from the one thread that owns
// the engine (the model's embedding scheduler).

#include <cstdint>
#include <span>
#include <vector>

#include "util/result.h"

namespace hearth::engine {

class EmbeddingEngine {
public:
    virtual ~EmbeddingEngine() = default;

    virtual int32_t n_batch() const = 0;    // most tokens one embed() takes, all sequences together
    virtual int32_t n_seq_max() const = 0;  // most sequences one embed() takes
    virtual int32_t n_ctx() const = 0;      // most tokens of one sequence
    virtual int32_t n_out() const = 0;      // floats per output: the embedding width, or a reranker's scores
    virtual int32_t n_vocab() const = 0;

    // One forward pass over whole sequences of token ids (each 1..n_ctx() tokens; n_batch() tokens and
    // n_seq_max() sequences at most together). Returns one pooled output per input, in order, unnormalized: the
    // sequence's embedding, or its relevance score(s) for a reranker. Errors: INVALID_ARGUMENT (limits, token
    // ids), INTERNAL (the engine failed). Never throws.
    virtual Result<std::vector<std::vector<float>>> embed(const std::vector<std::span<const int32_t>>& inputs) = 0;
};

}  // namespace hearth::engine
