#pragma once
// How many prompt tokens the next step may carry. A step's duration is every generating stream's
// inter-token gap, so a step that also prefills a whole long prompt stalls them all (llama-server's p99 gaps
// at 16 streams on 2 CPU cores are whole-prompt prefills). The pacer learns, from the steps it is told
// about, how long a decode-only step of n sequences takes and what one prompt token adds, and sizes the
// prompt chunk so that a step takes at most `stretch` times a decode-only step of ALL slots: the gap streams
// see anyway when the model is full. Fewer generating sequences leave more room for prompts, so new
// requests fill the slots quickly; a floor keeps chunks big enough to be computed efficiently.
// With nothing generating, nobody waits on the step and prompts get the whole batch.
// Thread contract: owned and used by the scheduler thread only.

#include <chrono>
#include <cstdint>
#include <vector>

namespace hearth::sched {

struct PacerConfig {
    int32_t max_step_tokens = 512;               // the engine's batch: no step carries more
    int32_t n_slots = 1;                         // sequences that can generate at once
    int32_t min_chunk = 64;                      // prompts always advance by at least this much per step
    int32_t bootstrap_chunk = 64;                // before anything is measured
    double stretch = 2.0;                        // a mixed step may take this many times a full decode-only step ...
    std::chrono::microseconds min_extra{25000};  // ... or this much longer, whichever is more
};

class StepPacer {
public:
    explicit StepPacer(PacerConfig config);

    // Prompt tokens the next step may carry when `n_decode` sequences generate one token each in it.
    int32_t prefill_budget(int32_t n_decode) const;
    // What a finished step held and how long it took (decode, sampling and emitting).
    void record(int32_t n_decode, int32_t n_prefill, double seconds);

    // Learned costs, for tests and stats, in seconds; 0 while unknown. Decode steps of sizes never measured
    // come from a straight line through the measured ones (a proportional one from a single size).
    double decode_step_seconds(int32_t n_decode) const;
    double prefill_token_seconds() const { return prefill_token_s_; }

private:
    PacerConfig config_;
    std::vector<double> decode_s_;  // moving average of a decode-only step, by sequences in it; 0: unmeasured
    double prefill_token_s_ = 0;    // moving average cost of one prompt token in a mixed or prompt-only step
};

}  // namespace hearth::sched
