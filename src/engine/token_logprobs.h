#pragma once
// Log-probabilities straight from a row of logits: a log-softmax over the whole vocabulary, before any
// sampler (bias, penalties, temperature, truncation) touched it, as llama-server reports n_probs with
// post_sampling_probs off. Pure function; thread-safe.

#include <cstdint>
#include <vector>

#include "core/generation.h"
#include "engine/text_engine.h"

namespace hearth::engine {

// The chosen token first, then the top_n most likely tokens (most likely first, ties by lower id).
// Text is left empty for the caller to fill. top_n is clamped to [0, n_vocab].
std::vector<core::TokenLogprob> logprobs_from_logits(const float* logits, int32_t n_vocab, int32_t chosen,
                                                     int32_t top_n);

// The largest logit's token (the first of equal ones; NaNs never win) and, with with_p, its softmax probability
// (else p is 1). Empty logits or n_vocab <= 0: token -1.
TokenGuess most_likely_token(const float* logits, int32_t n_vocab, bool with_p = true);

}  // namespace hearth::engine
