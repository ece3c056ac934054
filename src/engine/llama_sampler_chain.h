#pragma once
// One sequence's sampler chain, built from core::SamplingParams in llama-server's order: logit bias,
// penalties, then either greedy (temperature 0) or top-k, top-p, min-p, temperature and a seeded draw.
// Values the api layer should already have rejected (NaN, a penalty <= 0, a bias for a token outside the
// vocabulary) are neutralised here rather than handed to llama.cpp. Thread-safe: no shared state.

#include <llama.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "core/sampling_params.h"
#include "engine/c_handles.h"

namespace hearth::engine {

// What a chain needs to know about the model and the context; computed once at load.
struct SamplerVocab {
    int32_t n_vocab = 0;
    int32_t n_ctx_per_slot = 0;            // bounds penalty_last_n; a negative penalty_last_n means this
    std::vector<int32_t> eog_tokens;       // banned (bias -inf) when ignore_eos is set
    std::vector<int32_t> suppress_tokens;  // the model's tokenizer.ggml.suppress_tokens: always banned
};

// Never null. An unset seed draws a fresh random one (so does LLAMA_DEFAULT_SEED, 0xFFFFFFFF).
llama_sampler_ptr make_sampler_chain(const core::SamplingParams& params, const SamplerVocab& vocab);

// The full vocabulary as llama.cpp's samplers take it ({id, logit, p = 0} in id order), written into `out`
// (a buffer a caller can keep, so that no step allocates 12 bytes a token anew).
void fill_candidates(const float* logits, int32_t n_vocab, std::vector<llama_token_data>& out);

// When make_sampler_chain's chain would be logit biases then greedy (temperature 0, no penalties): those
// biases, in the chain's order, for a GreedySampler. Otherwise nullopt.
std::optional<std::vector<llama_logit_bias>> greedy_biases(const core::SamplingParams& params,
                                                           const SamplerVocab& vocab);

}  // namespace hearth::engine
