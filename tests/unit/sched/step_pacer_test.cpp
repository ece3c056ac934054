// StepPacer: what it learns from step timings and how it sizes prompt chunks from that.

#include "sched/step_pacer.h"

#include <gtest/gtest.h>

namespace hearth::sched {
namespace {

PacerConfig config(int32_t n_slots) {
    PacerConfig c;
    c.max_step_tokens = 512;
    c.n_slots = n_slots;
    c.min_chunk = 32;
    c.bootstrap_chunk = 64;
    c.stretch = 2.0;
    return c;
}

// Feeds a machine whose steps cost 20 ms + 8 ms per generating sequence + 4 ms per prompt token.
void train(StepPacer& pacer, int32_t max_decode) {
    for (int round = 0; round < 20; ++round) {
        for (int32_t n = 1; n <= max_decode; ++n) {
            pacer.record(n, 0, 0.020 + 0.008 * n);
            pacer.record(n, 64, 0.020 + 0.008 * n + 0.004 * 64);
        }
    }
}

TEST(StepPacer, PromptsAloneGetTheWholeBatch) {
    StepPacer pacer(config(16));
    EXPECT_EQ(pacer.prefill_budget(0), 512);
}

TEST(StepPacer, BootstrapsBeforeAnythingIsMeasured) {
    StepPacer pacer(config(16));
    EXPECT_EQ(pacer.prefill_budget(4), 64);
    EXPECT_EQ(pacer.prefill_budget(500), 12);  // never more than the batch holds
}

TEST(StepPacer, LearnsDecodeAndPromptCosts) {
    StepPacer pacer(config(16));
    train(pacer, 8);
    EXPECT_NEAR(pacer.decode_step_seconds(4), 0.052, 1e-6);
    EXPECT_NEAR(pacer.prefill_token_seconds(), 0.004, 1e-6);
    // Sizes never measured come from the line through the measured ones.
    EXPECT_NEAR(pacer.decode_step_seconds(16), 0.148, 1e-6);
}

TEST(StepPacer, MixedStepsStayWithinStretchOfAFullDecodeStep) {
    StepPacer pacer(config(16));
    train(pacer, 16);
    const double full = 0.020 + 0.008 * 16;  // 148 ms
    for (const int32_t n : {1, 8, 15, 16}) {
        const int32_t chunk = pacer.prefill_budget(n);
        const double step = 0.020 + 0.008 * n + 0.004 * chunk;
        EXPECT_LE(step, 2.0 * full + 1e-9) << n;
        EXPECT_GE(step, 2.0 * full - 0.004 - 1e-9) << n;  // and uses the room (within one token)
    }
    // Fewer generating sequences leave room for more prompt.
    EXPECT_GT(pacer.prefill_budget(1), pacer.prefill_budget(15));
}

TEST(StepPacer, ChunksNeverDropBelowTheFloor) {
    PacerConfig c = config(16);
    c.stretch = 1.0;  // no room at all beyond a decode step but the minimum extra time
    StepPacer pacer(c);
    for (int round = 0; round < 20; ++round) {
        pacer.record(16, 0, 0.2);
        pacer.record(16, 32, 0.2 + 0.05 * 32);  // very expensive prompt tokens
    }
    EXPECT_EQ(pacer.prefill_budget(16), 32);
}

TEST(StepPacer, AdaptsWhenTheMachineSlowsDown) {
    StepPacer pacer(config(16));
    train(pacer, 16);
    const int32_t before = pacer.prefill_budget(4);
    EXPECT_EQ(before, 61);  // (2 x 148 ms - 52 ms) / 4 ms
    for (int round = 0; round < 30; ++round) {
        pacer.record(4, 0, 0.052);
        pacer.record(4, 64, 0.052 + 0.008 * 64);  // prompt tokens now cost twice as much
    }
    EXPECT_NEAR(pacer.prefill_token_seconds(), 0.008, 1e-4);
    EXPECT_LT(pacer.prefill_budget(4), before);
}

TEST(StepPacer, IgnoresMeaninglessObservations) {
    StepPacer pacer(config(4));
    pacer.record(0, 0, 1.0);
    pacer.record(-1, 5, 1.0);
    pacer.record(2, 0, 0.0);
    pacer.record(2, 0, -1.0);
    pacer.record(3, 16, 0.5);  // decode cost of 3 unknown: the prompt share cannot be told apart
    EXPECT_EQ(pacer.decode_step_seconds(2), 0);
    EXPECT_EQ(pacer.prefill_token_seconds(), 0);
}

}  // namespace
}  // namespace hearth::sched
