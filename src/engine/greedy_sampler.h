#pragma once
// Temperature-0 sampling without llama.cpp's candidate array. llama_sampler_sample first copies the whole
// vocabulary into {id, logit, p} records (1.5 MB for Llama 3's 128k tokens) for the chain to scan; with many
// sequences that copy dominates the step: 64 sequences of a 2-layer Llama 3 spent 40 of an 80 ms step on
// 2 CPU cores sampling, and on a GPU the decode of such a batch costs about as much. A chain of logit biases
// then greedy picks the same token as an argmax over the logits row read with the biases added, which needs
// neither a copy of the row nor a write to it.
// Thread-safe: pick() reads only.

#include <llama.h>

#include <cstdint>
#include <vector>

namespace hearth::engine {

class GreedySampler {
public:
    // The biases in the order llama_sampler_logit_bias applies them; those outside [0, n_vocab) do nothing
    // there and are dropped. n_vocab >= 1.
    GreedySampler(std::vector<llama_logit_bias> biases, int32_t n_vocab);

    // The token llama_sampler_greedy selects after the biases: the first index of the largest biased logit,
    // NaN never being larger; index 0 when the first biased logit is NaN (nothing compares greater).
    // `logits` holds n_vocab values.
    int32_t pick(const float* logits) const;

private:
    // Grouped by token, each group in the order given: repeated biases of a token add up in that order.
    std::vector<llama_logit_bias> biases_;
    int32_t n_vocab_;
};

}  // namespace hearth::engine
