#pragma once
// How to pick the next token, after the api layer has applied OpenAI's defaults and validated every field
// against the model and the server's limits. Plain data.

#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

namespace hearth::core {

struct SamplingParams {
    float temperature = 1.0f;      // 0 = greedy
    float top_p = 1.0f;            // 1 = off
    int32_t top_k = 0;             // 0 = off
    float min_p = 0.0f;            // 0 = off
    std::optional<uint32_t> seed;  // unset: a fresh random seed per request
    float presence_penalty = 0.0f;
    float frequency_penalty = 0.0f;
    float repeat_penalty = 1.0f;  // 1 = off
    int32_t penalty_last_n = 64;
    std::vector<std::pair<int32_t, float>> logit_bias;  // token id -> bias added to its logit
    bool ignore_eos = false;                            // benchmarks: keep generating past end-of-generation
};

}  // namespace hearth::core
