#include "engine/greedy_sampler.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>

namespace hearth::engine {

namespace {

float larger(float candidate, float best) {
    return candidate > best ? candidate : best;  // NaN is never larger, as in llama's `>` scan
}

// The largest value that is not NaN (-inf when none is). Eight independent running maxima let the compiler
// keep them in one vector register.
float max_value(const float* values, size_t n) {
    constexpr size_t LANES = 8;
    std::array<float, LANES> lane;
    lane.fill(-INFINITY);
    size_t i = 0;
    for (; i + LANES <= n; i += LANES) {
        for (size_t l = 0; l < LANES; ++l) {
            lane[l] = larger(values[i + l], lane[l]);
        }
    }
    float best = -INFINITY;
    for (; i < n; ++i) {
        best = larger(values[i], best);
    }
    for (const float v : lane) {
        best = larger(v, best);
    }
    return best;
}

// A biased token's logit: its biases added one after the other from `first`; returns the group's end.
template <typename It>
It biased_value(It first, It last, const float* logits, float& value) {
    value = logits[first->token];
    const int32_t token = first->token;
    for (; first != last && first->token == token; ++first) {
        value += first->bias;
    }
    return first;
}

}  // namespace

GreedySampler::GreedySampler(std::vector<llama_logit_bias> biases, int32_t n_vocab) : n_vocab_(n_vocab) {
    std::erase_if(biases, [n_vocab](const llama_logit_bias& b) { return b.token < 0 || b.token >= n_vocab; });
    std::stable_sort(biases.begin(), biases.end(),
                     [](const llama_logit_bias& a, const llama_logit_bias& b) { return a.token < b.token; });
    biases_ = std::move(biases);
}

// llama_sampler_greedy: selected = 0, then every later logit strictly greater takes its place. With the
// first logit a number, that is the first index holding the largest number (+0 and -0 compare equal there as
// here). The row is read in runs of unbiased tokens between the biased ones.
int32_t GreedySampler::pick(const float* logits) const {
    float first = logits[0];
    if (!biases_.empty() && biases_.front().token == 0) {
        biased_value(biases_.begin(), biases_.end(), logits, first);
    }
    if (std::isnan(first)) {
        return 0;
    }
    float best = -INFINITY;
    size_t start = 0;
    for (auto it = biases_.begin(); it != biases_.end();) {
        const auto token = static_cast<size_t>(it->token);
        float value = 0;
        it = biased_value(it, biases_.end(), logits, value);
        best = larger(value, larger(max_value(logits + start, token - start), best));
        start = token + 1;
    }
    best = larger(max_value(logits + start, static_cast<size_t>(n_vocab_) - start), best);

    const auto is_best = [best](float v) { return v == best; };
    start = 0;
    for (auto it = biases_.begin(); it != biases_.end();) {
        const auto token = static_cast<size_t>(it->token);
        if (const float* found = std::find_if(logits + start, logits + token, is_best); found != logits + token) {
            return static_cast<int32_t>(found - logits);
        }
        float value = 0;
        it = biased_value(it, biases_.end(), logits, value);
        if (value == best) {
            return static_cast<int32_t>(token);
        }
        start = token + 1;
    }
    const float* found = std::find_if(logits + start, logits + n_vocab_, is_best);
    return found == logits + n_vocab_ ? 0 : static_cast<int32_t>(found - logits);  // not reached: best is in the row
}

}  // namespace hearth::engine
