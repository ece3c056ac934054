#pragma once
// An embedding (or rerank) request as the embedding scheduler sees it, and its one outcome. The server layer
// fills the inputs (already tokenized and within the model's limits); the scheduler answers through the job's
// channel. No JSON, no engine types.

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "util/cancel_token.h"
#include "util/channel.h"
#include "util/result.h"

namespace hearth::core {

struct EmbeddingOutput {
    // One pooled output per input, in the inputs' order, unnormalized: an embedding, or a reranker's score(s).
    std::vector<std::vector<float>> vectors;
    int32_t cached_inputs = 0;  // inputs answered from the cache, without a forward pass
};

using EmbeddingOutcome = Result<EmbeddingOutput>;
using EmbeddingChannel = Channel<EmbeddingOutcome>;

struct EmbeddingJob {
    std::vector<std::vector<int32_t>> inputs;
    CancelToken cancel;                      // set by the handler when its client goes away
    std::shared_ptr<EmbeddingChannel> done;  // receives exactly one outcome (capacity >= 1)
    std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
};

}  // namespace hearth::core
