#include "engine/token_logprobs.h"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace hearth::engine {

std::vector<core::TokenLogprob> logprobs_from_logits(const float* logits, int32_t n_vocab, int32_t chosen,
                                                     int32_t top_n) {
    std::vector<core::TokenLogprob> out;
    if (logits == nullptr || n_vocab <= 0 || chosen < 0 || chosen >= n_vocab) {
        return out;
    }
    const auto n = static_cast<size_t>(n_vocab);
    const float max_logit = *std::max_element(logits, logits + n);
    // Summed in double: a 150k-token vocabulary of small terms loses precision in float.
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += std::exp(static_cast<double>(logits[i]) - max_logit);
    }
    const double log_norm = static_cast<double>(max_logit) + std::log(sum);
    auto logprob = [&](int32_t token) {
        return static_cast<float>(static_cast<double>(logits[static_cast<size_t>(token)]) - log_norm);
    };

    out.push_back({chosen, {}, logprob(chosen)});
    const auto k = static_cast<size_t>(std::clamp(top_n, 0, n_vocab));
    if (k == 0) {
        return out;
    }
    std::vector<int32_t> ids(n);
    std::iota(ids.begin(), ids.end(), 0);
    auto more_likely = [&](int32_t a, int32_t b) {
        const float la = logits[static_cast<size_t>(a)];
        const float lb = logits[static_cast<size_t>(b)];
        return la > lb || (la == lb && a < b);
    };
    std::partial_sort(ids.begin(), ids.begin() + static_cast<std::ptrdiff_t>(k), ids.end(), more_likely);
    for (size_t i = 0; i < k; ++i) {
        out.push_back({ids[i], {}, logprob(ids[i])});
    }
    return out;
}

TokenGuess most_likely_token(const float* logits, int32_t n_vocab, bool with_p) {
    TokenGuess out;
    if (logits == nullptr || n_vocab <= 0) {
        return out;
    }
    const auto n = static_cast<size_t>(n_vocab);
    size_t best = 0;
    for (size_t i = 1; i < n; ++i) {
        if (logits[i] > logits[best] || (std::isnan(logits[best]) && !std::isnan(logits[i]))) {
            best = i;
        }
    }
    out.token = static_cast<int32_t>(best);
    out.p = 1.0f;
    if (!with_p) {
        return out;
    }
    const double max_logit = logits[best];
    double sum = 0.0;
    for (size_t i = 0; i < n; ++i) {
        sum += std::isnan(logits[i]) ? 0.0 : std::exp(static_cast<double>(logits[i]) - max_logit);
    }
    out.p = sum > 0.0 && std::isfinite(sum) ? static_cast<float>(1.0 / sum) : 0.0f;
    return out;
}

}  // namespace hearth::engine
