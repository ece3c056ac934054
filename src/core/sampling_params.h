#pragma once
// How to pick the next token, after the api layer has applied OpenAI's defaults and validated every field
// against the model and the server's limits. Plain data.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace hearth::core {

// A grammar the output must follow (GBNF in llama.cpp's dialect), built by the chat template from tools or a
// response_format. Empty gbnf: none. The server resolves every token id and has the engine compile it before
// the request is queued, so a request never reaches the scheduler with a grammar that does not build.
struct GrammarConstraint {
    std::string gbnf;
    bool lazy = false;                          // free text until a trigger appears, then constrained
    std::vector<std::string> trigger_patterns;  // lazy: regexes over the generated text
    std::vector<int32_t> trigger_tokens;        // lazy: tokens that start the constrained part
    // Not lazy: tokens the grammar consumes before the first generated one (the template's generation
    // prompt, which chat grammars spell out at their start).
    std::vector<int32_t> prefill_tokens;
    // Lazy: the model's thinking block, which the trigger must not fire in (see engine::ReasoningGate).
    std::string reasoning_start;
    std::vector<std::string> reasoning_ends;
    bool starts_in_reasoning = false;  // the prompt already opened the block

    bool empty() const { return gbnf.empty(); }
};

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
    GrammarConstraint grammar;
};

}  // namespace hearth::core
