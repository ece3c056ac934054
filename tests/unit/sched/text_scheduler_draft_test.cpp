// Prompt lookup inside the continuous batch, over the scripted engine (its next token is the last + 1): the
// same output as without drafts, drafts in the same decode as the sequence's last token, rejected drafts gone
// from the KV cache, and the counts in the timings.

#include <gtest/gtest.h>

#include <algorithm>

#include "fakes/fake_text_engine.h"
#include "sched/scheduler_harness.h"
#include "sched/text_scheduler.h"

namespace hearth::sched {
namespace {

using hearth::testing::FakeTextEngine;

// 1..10 then 3: the engine goes on 4, 5, ... 10, 11; the prompt holds "3 4 ... 10" to draft from, then "3 4".
core::GenerationRequest repeating(int32_t max_tokens, int32_t draft_max) {
    auto r = make_request({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3}, max_tokens);
    r.speculation = draft_max == 0  ? core::Speculation::NONE
                    : draft_max < 0 ? core::Speculation::MODEL_DEFAULT
                                    : core::Speculation::PROMPT_LOOKUP;
    r.draft_max = draft_max;
    return r;
}

TEST(TextSchedulerDraft, SameOutputFewerStepsAndCounts) {
    FakeTextEngine plain_engine(1, 256, 64);
    TextScheduler plain(plain_engine, {});
    const Outcome without = run_one(plain, repeating(12, 0));
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, {});
    const Outcome with = run_one(s, repeating(12, 8));
    EXPECT_EQ(with.text, without.text);
    EXPECT_EQ(with.text, "w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 w14 w15 ");
    ASSERT_TRUE(with.finish.has_value());
    EXPECT_EQ(with.finish->usage.completion_tokens, 12);
    // After "4": the draft 5 6 7 8 9 10 3 4 (what followed "3 4" in the prompt); 5..10 are right, 3 is not.
    EXPECT_EQ(with.finish->timings.draft_tokens, 8);
    EXPECT_EQ(with.finish->timings.draft_tokens_accepted, 6);
    EXPECT_EQ(without.finish->timings.draft_tokens, 0);
    EXPECT_LT(engine.batches().size(), plain_engine.batches().size());
    // The drafted batch: the last token and the eight drafts, each at the next position.
    const auto batches = engine.batches();
    ASSERT_GE(batches.size(), 2U);
    ASSERT_EQ(batches[1].size(), 9U);
    EXPECT_EQ(batches[1][0].token, 4);
    EXPECT_EQ(batches[1][8].token, 4);
    EXPECT_TRUE(batches[1][8].logits);
    // The KV cache holds exactly the sequence: the rejected "3 4" went, the decodes after it found no gap.
    std::vector<int32_t> expected{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 3};
    for (int32_t t = 4; t <= 14; ++t) {
        expected.push_back(t);
    }
    EXPECT_EQ(engine.kv(0), expected);
}

TEST(TextSchedulerDraft, StopsAndLimitsInsideADraftedStep) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, {});
    auto stopped = repeating(20, 8);
    stopped.stop = {"w7"};  // accepted draft tokens after the stop are never emitted
    const Outcome out = run_one(s, std::move(stopped));
    EXPECT_EQ(out.text, "w4 w5 w6 ");
    EXPECT_EQ(out.finish->reason, core::FinishReason::STOP);
    const Outcome short_one = run_one(s, repeating(3, 8));  // max_tokens bounds the draft
    EXPECT_EQ(short_one.text, "w4 w5 w6 ");
    EXPECT_EQ(short_one.finish->reason, core::FinishReason::LENGTH);
    EXPECT_LE(short_one.finish->timings.draft_tokens, 2);
}

TEST(TextSchedulerDraft, ConcurrentDraftingRequestsGetTheirOwnOutputs) {
    FakeTextEngine engine(4, 256, 64);
    TextScheduler s(engine, {});
    std::vector<std::shared_ptr<core::EventChannel>> channels;
    for (int i = 0; i < 6; ++i) {
        auto r = i % 2 == 0 ? repeating(10, 4) : make_request({50, 51}, 10);
        channels.push_back(r.events);
        ASSERT_TRUE(s.submit(std::move(r)).has_value());
    }
    for (size_t i = 0; i < channels.size(); ++i) {
        EXPECT_EQ(collect(*channels[i]).text,
                  i % 2 == 0 ? "w4 w5 w6 w7 w8 w9 w10 w11 w12 w13 " : "w52 w53 w54 w55 w56 w57 w58 w59 w60 w61 ");
    }
}

TEST(TextSchedulerDraft, TheModelsDefaultAppliesUnlessTheRequestSays) {
    FakeTextEngine engine(1, 256, 64);
    SchedulerConfig config;
    config.lookup_draft_max = 8;
    TextScheduler s(engine, config);
    EXPECT_EQ(run_one(s, repeating(12, -1)).finish->timings.draft_tokens, 8);  // -1: the model's default
    EXPECT_EQ(run_one(s, repeating(12, 0)).finish->timings.draft_tokens, 0);   // "type": "none"
    // Its own n_max: 5 6, then 8 9, then 3 4 (rejected): two at a time.
    EXPECT_EQ(run_one(s, repeating(12, 2)).finish->timings.draft_tokens, 6);
    FakeTextEngine off_engine(1, 256, 64);
    TextScheduler off(off_engine, {});
    EXPECT_EQ(run_one(off, repeating(12, -1)).finish->timings.draft_tokens, 0);
}

// A draft engine that agrees with the target (the fakes draw the same tokens): every draft token is accepted.
TEST(TextSchedulerDraftModel, AnAgreeingDraftIsTakenWholeAndChangesNothing) {
    FakeTextEngine plain_engine(1, 256, 64);
    TextScheduler plain(plain_engine, {});
    const Outcome without = run_one(plain, make_request({1, 2, 3}, 20));
    FakeTextEngine engine(1, 256, 64);
    FakeTextEngine draft(1, 256, 64);
    SchedulerConfig config;
    config.draft_max = 4;
    config.draft_name = "tiny-draft";
    TextScheduler s(engine, config, &draft);
    const Outcome with = run_one(s, make_request({1, 2, 3}, 20));  // the model's default: its draft model
    EXPECT_EQ(with.text, without.text);
    EXPECT_EQ(with.tokens, without.tokens);
    ASSERT_TRUE(with.finish.has_value());
    EXPECT_GT(with.finish->timings.draft_tokens, 8);
    EXPECT_EQ(with.finish->timings.draft_tokens_accepted, with.finish->timings.draft_tokens);
    EXPECT_LT(engine.batches().size(), plain_engine.batches().size());
    std::vector<int32_t> expected{1, 2, 3};
    for (int32_t t = 4; t < 23; ++t) {
        expected.push_back(t);  // the last token emitted is never decoded
    }
    EXPECT_EQ(engine.kv(0), expected);
    EXPECT_EQ(s.stats().draft_model, "tiny-draft");
    EXPECT_EQ(s.stats().draft_accepted, s.stats().draft_tokens);
}

TEST(TextSchedulerDraftModel, RejectedTokensLeaveTheOutputAsItWas) {
    FakeTextEngine plain_engine(2, 256, 64);
    TextScheduler plain(plain_engine, {});
    FakeTextEngine engine(2, 256, 64);
    FakeTextEngine draft(2, 256, 64);
    draft.set_guesses(5, 1.0f);  // wrong after every multiple of 5
    SchedulerConfig config;
    config.draft_max = 6;
    TextScheduler s(engine, config, &draft);
    for (const std::vector<int32_t>& prompt : {std::vector<int32_t>{1, 2}, std::vector<int32_t>{40, 41, 42}}) {
        const Outcome without = run_one(plain, make_request(prompt, 30));
        const Outcome with = run_one(s, make_request(prompt, 30));
        EXPECT_EQ(with.tokens, without.tokens);
        ASSERT_TRUE(with.finish.has_value());
        EXPECT_GT(with.finish->timings.draft_tokens_accepted, 0);
        EXPECT_LT(with.finish->timings.draft_tokens_accepted, with.finish->timings.draft_tokens);
    }
}

TEST(TextSchedulerDraftModel, ConcurrentRequestsDraftTogetherAndKeepTheirOutputs) {
    FakeTextEngine engine(4, 256, 64);
    FakeTextEngine draft(4, 256, 64);
    draft.set_guesses(7, 1.0f);
    SchedulerConfig config;
    config.draft_max = 3;
    TextScheduler s(engine, config, &draft);
    std::vector<std::shared_ptr<core::EventChannel>> channels;
    for (int32_t i = 0; i < 8; ++i) {
        auto r = make_request({10 * i, 10 * i + 1}, 12);
        channels.push_back(r.events);
        ASSERT_TRUE(s.submit(std::move(r)).has_value());
    }
    for (int32_t i = 0; i < 8; ++i) {
        const Outcome out = collect(*channels[static_cast<size_t>(i)]);
        std::vector<int32_t> expected;
        for (int32_t t = 10 * i + 2; t < 10 * i + 14; ++t) {
            expected.push_back(t % 100);
        }
        // 99 is the end of the text: the request that reaches it stops there.
        const auto eog = std::find(expected.begin(), expected.end(), FakeTextEngine::EOG);
        expected.erase(eog, expected.end());
        EXPECT_EQ(out.tokens, expected) << "request " << i;
    }
    // Some step drafted for several sequences at once: a draft batch with rows of two sequences.
    bool together = false;
    for (const auto& batch : draft.batches()) {
        together = together || (batch.size() > 1 && batch.front().seq != batch.back().seq);
    }
    EXPECT_TRUE(together);
}

TEST(TextSchedulerDraftModel, TheRequestChoosesNoneOrPromptLookupInstead) {
    FakeTextEngine engine(1, 256, 64);
    FakeTextEngine draft(1, 256, 64);
    TextScheduler s(engine, {}, &draft);
    auto none = make_request({1, 2, 3}, 12);
    none.speculation = core::Speculation::NONE;
    EXPECT_EQ(run_one(s, std::move(none)).finish->timings.draft_tokens, 0);
    EXPECT_TRUE(draft.batches().empty());
    // Prompt lookup drafts from the prompt: the draft model is not asked.
    const Outcome looked_up = run_one(s, repeating(12, 8));
    EXPECT_EQ(looked_up.finish->timings.draft_tokens, 8);
    EXPECT_TRUE(draft.batches().empty());
    // Without a draft engine, a draft_model request (refused by the server before it gets here) drafts nothing.
    FakeTextEngine alone(1, 256, 64);
    TextScheduler no_draft(alone, {});
    auto asked = make_request({1, 2, 3}, 12);
    asked.speculation = core::Speculation::DRAFT_MODEL;
    EXPECT_EQ(run_one(no_draft, std::move(asked)).finish->timings.draft_tokens, 0);
}

TEST(TextSchedulerDraftModel, AFailingDraftEngineNeverFailsARequest) {
    FakeTextEngine engine(1, 256, 64);
    FakeTextEngine draft(1, 256, 64);
    draft.fail_next_decode();
    TextScheduler s(engine, {}, &draft);
    const Outcome out = run_one(s, make_request({1, 2, 3}, 12));
    EXPECT_FALSE(out.error.has_value());
    EXPECT_EQ(out.tokens.size(), 12U);
    EXPECT_GT(out.finish->timings.draft_tokens, 0);  // it drafted again after the failed step
}

}  // namespace
}  // namespace hearth::sched
