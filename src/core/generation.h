#pragma once
// A text-generation request as the scheduler sees it, and the events it sends back. The api layer fills the
// request (prompt already rendered and tokenized); the scheduler thread owns it while it runs; events travel
// back through the request's channel to the handler that formats them. No JSON, no engine types.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "core/media.h"
#include "core/sampling_params.h"
#include "util/cancel_token.h"
#include "util/channel.h"
#include "util/result.h"

namespace hearth::core {

enum class FinishReason { STOP, LENGTH, CANCELLED };

struct TokenLogprob {
    int32_t token = 0;
    std::string text;
    float logprob = 0.0f;
};

// One generated token (or several, when stop-string matching held text back) for one choice.
struct TokenEvent {
    uint32_t choice = 0;
    std::string text;                                     // UTF-8 complete; may be empty while bytes are held back
    std::vector<int32_t> tokens;                          // the token ids this text came from
    std::vector<TokenLogprob> logprobs;                   // chosen token, when asked for
    std::vector<std::vector<TokenLogprob>> top_logprobs;  // per token, when asked for
};

struct Usage {
    int32_t prompt_tokens = 0;
    int32_t completion_tokens = 0;
    int32_t cached_prompt_tokens = 0;  // prompt tokens whose KV was reused from an earlier request
};

struct Timings {
    double queue_ms = 0;   // waiting for a slot
    double ttft_ms = 0;    // arrival to first token
    double prompt_ms = 0;  // prefill time
    double decode_ms = 0;  // first token to last
    int32_t prompt_tokens_evaluated = 0;
    int32_t draft_tokens = 0;           // speculative tokens proposed
    int32_t draft_tokens_accepted = 0;  // ... and verified: emitted without a step of their own
};

struct FinishEvent {
    uint32_t choice = 0;
    FinishReason reason = FinishReason::STOP;
    std::string stop_sequence;  // the stop string that ended generation, when one did (reason STOP)
    Usage usage;
    Timings timings;
};

struct ErrorEvent {
    Error error;
};

using GenerationEvent = std::variant<TokenEvent, FinishEvent, ErrorEvent>;
using EventChannel = Channel<GenerationEvent>;

// MODEL_DEFAULT: the model's draft model when it has one, else prompt lookup when the model turns it on or
// the request gives a draft_max, else none. PROMPT_LOOKUP: drafts from an earlier occurrence of the sequence's
// last few tokens (no second model). DRAFT_MODEL: the model's draft model proposes them.
enum class Speculation { MODEL_DEFAULT, NONE, PROMPT_LOOKUP, DRAFT_MODEL };

struct GenerationRequest {
    // Vocabulary ids, and media placeholders (negative) for the cells of each item in `media`.
    std::vector<int32_t> prompt_tokens;
    std::vector<PromptMedia> media;  // in prompt order; never the prompt's last cell (its logits start generation)
    int32_t max_tokens = 16;         // already bounded by the context: prompt + max_tokens <= n_ctx per slot
    std::vector<std::string> stop;   // never emitted; matched across token boundaries
    SamplingParams sampling;
    int32_t top_logprobs = 0;  // alternatives per token; 0 with logprobs=true gives the chosen token only
    bool logprobs = false;
    // Special tokens emitted as their text rather than dropped: tool-call markers such as <tool_call> that
    // the chat output parser must see.
    std::vector<int32_t> preserved_tokens;
    uint32_t choice = 0;  // n > 1 is n requests with choice 0..n-1 sharing one channel
    // false: the whole prompt is evaluated afresh, none of it taken from a slot's cache or the prompt cache
    // (llama-server's cache_prompt). On a GPU a prompt's logits depend on how it was split into batches, so
    // a comparison with another server needs both to evaluate it whole.
    bool cache_prompt = true;
    // Speculative decoding: how the step's draft tokens are proposed, and at most how many per step (-1: the
    // model's number for that kind). Each draft is verified in the same decode as the rest of the batch.
    Speculation speculation = Speculation::MODEL_DEFAULT;
    int32_t draft_max = -1;
    CancelToken cancel;                    // set by the handler when its client goes away
    std::shared_ptr<EventChannel> events;  // scheduler -> handler
    std::chrono::steady_clock::time_point arrival = std::chrono::steady_clock::now();
};

std::string_view to_string(FinishReason reason);

}  // namespace hearth::core
