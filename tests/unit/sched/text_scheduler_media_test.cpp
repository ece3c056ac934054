// Images in prompts over the scripted engine: encodes off the scheduler thread, rows decoded apart from the
// token batch and paced like prompt tokens, prefix reuse through images, and failures that stay with their
// request.

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "fakes/fake_text_engine.h"
#include "sched/scheduler_harness.h"
#include "sched/text_scheduler.h"

namespace hearth::sched {
namespace {

using hearth::testing::FakeMedia;
using hearth::testing::FakeTextEngine;
using namespace std::chrono_literals;

// `before` text tokens, an image of `cells` cells with the given id, then `after` text tokens.
core::GenerationRequest image_request(const std::vector<int32_t>& before, const std::string& id, int32_t cells,
                                      const std::vector<int32_t>& after, int32_t max_tokens, bool non_causal = false) {
    std::vector<int32_t> prompt = before;
    for (int32_t i = 0; i < cells; ++i) {
        prompt.push_back(core::media_placeholder(id, i));
    }
    prompt.insert(prompt.end(), after.begin(), after.end());
    core::GenerationRequest r = make_request(prompt, max_tokens);
    r.media.push_back({before.size(), cells, id, std::make_shared<FakeMedia>(cells, 0.5f, non_causal)});
    return r;
}

int32_t media_rows(const FakeTextEngine& engine) {
    int32_t n = 0;
    for (const auto& d : engine.media_decodes()) {
        n += d.count;
    }
    return n;
}

TEST(MediaPlaceholder, IsNegativeAndDependsOnTheIdAndTheCell) {
    EXPECT_LT(core::media_placeholder("a", 0), 0);
    EXPECT_EQ(core::media_placeholder("a", 3), core::media_placeholder("a", 3));
    EXPECT_NE(core::media_placeholder("a", 0), core::media_placeholder("a", 1));
    EXPECT_NE(core::media_placeholder("a", 0), core::media_placeholder("b", 0));
}

TEST(MediaSafePrefix, NeverEndsInsideAnItem) {
    const std::vector<core::PromptMedia> media = {{2, 5, "x", nullptr}};
    EXPECT_EQ(core::media_safe_prefix(media, 1), 1u);
    EXPECT_EQ(core::media_safe_prefix(media, 2), 2u);
    EXPECT_EQ(core::media_safe_prefix(media, 4), 2u);
    EXPECT_EQ(core::media_safe_prefix(media, 7), 7u);
}

TEST(TextSchedulerMedia, AnImagePromptAnswersLikeItsTextAndCountsItsCells) {
    FakeTextEngine engine(2, 256, 64);
    TextScheduler s(engine, {});
    Outcome out = run_one(s, image_request({1, 2}, "img-a", 10, {3, 4}, 3));
    ASSERT_TRUE(out.finish.has_value()) << (out.error ? out.error->message : "");
    EXPECT_EQ(out.text, "w5 w6 w7 ");  // the fake answers from the prompt's last token
    EXPECT_EQ(out.finish->usage.prompt_tokens, 14);
    EXPECT_EQ(engine.encodes(), 1);
    EXPECT_EQ(media_rows(engine), 10);
    const std::vector<int32_t> kv = engine.kv(0);
    ASSERT_GE(kv.size(), 14u);
    EXPECT_EQ(std::vector<int32_t>(kv.begin(), kv.begin() + 2), (std::vector<int32_t>{1, 2}));
    EXPECT_TRUE(
        std::all_of(kv.begin() + 2, kv.begin() + 12, [](int32_t t) { return t == FakeTextEngine::MEDIA_CELL; }));
    EXPECT_EQ(std::vector<int32_t>(kv.begin() + 12, kv.begin() + 14), (std::vector<int32_t>{3, 4}));
    for (const auto& batch : engine.batches()) {
        for (const auto& entry : batch) {
            EXPECT_GE(entry.token, 0) << "a placeholder reached the token batch";
        }
    }
}

TEST(TextSchedulerMedia, ImageRowsArePacedByTheStepBudget) {
    FakeTextEngine engine(1, 512, 16);
    SchedulerConfig config;
    config.step_token_budget = 16;
    TextScheduler s(engine, config);
    Outcome out = run_one(s, image_request({1}, "img-b", 40, {3}, 1));
    ASSERT_TRUE(out.finish.has_value());
    const auto decodes = engine.media_decodes();
    ASSERT_GE(decodes.size(), 3u);
    int32_t next = 0;
    for (const auto& d : decodes) {
        EXPECT_LE(d.count, 16);
        EXPECT_EQ(d.first, next);
        next += d.count;
    }
    EXPECT_EQ(next, 40);
}

TEST(TextSchedulerMedia, ANonCausalImageIsDecodedWholeInOnePass) {
    FakeTextEngine engine(1, 512, 16);
    SchedulerConfig config;
    config.step_token_budget = 16;
    TextScheduler s(engine, config);
    Outcome out = run_one(s, image_request({1}, "img-c", 40, {3}, 1, true));
    ASSERT_TRUE(out.finish.has_value()) << (out.error ? out.error->message : "");
    ASSERT_EQ(engine.media_decodes().size(), 1u);
    EXPECT_EQ(engine.media_decodes()[0].count, 40);
}

TEST(TextSchedulerMedia, AnEncodeDoesNotStallARunningStream) {
    FakeTextEngine engine(2, 512, 64);
    engine.set_decode_delay(5ms);
    engine.set_encode_delay(500ms);
    TextScheduler s(engine, {});
    auto text = make_request({5}, 30);
    auto text_events = text.events;
    ASSERT_TRUE(s.submit(std::move(text)).has_value());
    auto image = image_request({1}, "img-d", 8, {3}, 1);
    auto image_events = image.events;
    ASSERT_TRUE(s.submit(std::move(image)).has_value());
    Outcome text_out = collect(*text_events);
    Outcome image_out = collect(*image_events);
    ASSERT_TRUE(text_out.finish.has_value());
    ASSERT_TRUE(image_out.finish.has_value());
    EXPECT_EQ(text_out.finish->usage.completion_tokens, 30);
    // The text stream's 30 steps (~150 ms) all ran while the image encoded (500 ms), none waited for it.
    const core::Timings& t = text_out.finish->timings;
    EXPECT_LT(t.ttft_ms + t.decode_ms, image_out.finish->timings.ttft_ms);
    EXPECT_GE(image_out.finish->timings.ttft_ms, 490.0);
}

TEST(TextSchedulerMedia, AFollowUpTurnWithTheSameImageReusesItsCells) {
    FakeTextEngine engine(1, 512, 64);
    TextScheduler s(engine, {});
    Outcome first = run_one(s, image_request({1, 2}, "img-e", 12, {3}, 2));
    ASSERT_TRUE(first.finish.has_value());
    const int32_t rows_before = media_rows(engine);
    Outcome again = run_one(s, image_request({1, 2}, "img-e", 12, {3, 10, 11, 20}, 2));
    ASSERT_TRUE(again.finish.has_value());
    EXPECT_EQ(media_rows(engine), rows_before);  // no image row decoded again
    EXPECT_EQ(engine.encodes(), 1);
    EXPECT_GE(again.finish->usage.cached_prompt_tokens, 15);
}

TEST(TextSchedulerMedia, ADifferentImageAtTheSamePlaceIsNotReused) {
    FakeTextEngine engine(1, 512, 64);
    TextScheduler s(engine, {});
    ASSERT_TRUE(run_one(s, image_request({1, 2}, "img-f", 12, {3}, 2)).finish.has_value());
    Outcome other = run_one(s, image_request({1, 2}, "img-g", 12, {3}, 2));
    ASSERT_TRUE(other.finish.has_value());
    EXPECT_EQ(other.finish->usage.cached_prompt_tokens, 2);
    EXPECT_EQ(engine.encodes(), 2);
    EXPECT_EQ(media_rows(engine), 24);
}

TEST(TextSchedulerMedia, AnImageConversationComesBackFromThePromptCache) {
    FakeTextEngine engine(1, 512, 64);
    SchedulerConfig config;
    config.prompt_cache_bytes = 1 << 20;
    TextScheduler s(engine, config);
    std::vector<int32_t> long_text(40);
    std::iota(long_text.begin(), long_text.end(), 10);
    ASSERT_TRUE(run_one(s, image_request(long_text, "img-p", 30, {3}, 2)).finish.has_value());
    // Another conversation takes the one slot; the image conversation's cells go to the host cache.
    ASSERT_TRUE(run_one(s, make_request({60, 61, 62}, 2)).finish.has_value());
    const int32_t rows = media_rows(engine);
    Outcome back = run_one(s, image_request(long_text, "img-p", 30, {3, 4, 5}, 2));
    ASSERT_TRUE(back.finish.has_value());
    EXPECT_EQ(engine.states_loaded(), 1);
    EXPECT_EQ(media_rows(engine), rows);  // the image came back with the conversation, not decoded again
    EXPECT_GE(back.finish->usage.cached_prompt_tokens, 71);
}

TEST(TextSchedulerMedia, AFailedEncodeFailsItsRequestAloneAndServingGoesOn) {
    FakeTextEngine engine(2, 512, 64);
    engine.fail_encodes();
    TextScheduler s(engine, {});
    Outcome failed = run_one(s, image_request({1}, "img-h", 4, {3}, 2));
    ASSERT_TRUE(failed.error.has_value());
    EXPECT_EQ(failed.error->code, ErrorCode::INTERNAL);
    Outcome text = run_one(s, make_request({5, 6}, 2));
    ASSERT_TRUE(text.finish.has_value());
    EXPECT_EQ(text.text, "w7 w8 ");
    EXPECT_FALSE(s.stats().engine_failed);
}

TEST(TextSchedulerMedia, APromptEndingWithAnImageIsRefused) {
    FakeTextEngine engine(1, 512, 64);
    TextScheduler s(engine, {});
    Outcome out = run_one(s, image_request({1}, "img-i", 4, {}, 2));
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(out.error->code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(engine.encodes(), 0);
}

}  // namespace
}  // namespace hearth::sched
