// The continuous-batching scheduler over a scripted engine: outputs, stops, batching shape, prefix reuse,
// cancellation, backpressure and failures.

#include "sched/text_scheduler.h"

#include <gtest/gtest.h>

#include <numeric>

#include "fakes/fake_text_engine.h"
#include "sched/scheduler_harness.h"

namespace hearth::sched {
namespace {

using hearth::testing::FakeTextEngine;
using namespace std::chrono_literals;

TEST(TextScheduler, GeneratesUntilMaxTokens) {
    FakeTextEngine engine(2, 128, 64);
    TextScheduler s(engine, {});
    Outcome out = run_one(s, make_request({5, 6, 7}, 4));
    EXPECT_EQ(out.text, "w8 w9 w10 w11 ");
    ASSERT_TRUE(out.finish.has_value());
    EXPECT_EQ(out.finish->reason, core::FinishReason::LENGTH);
    EXPECT_EQ(out.finish->usage.prompt_tokens, 3);
    EXPECT_EQ(out.finish->usage.completion_tokens, 4);
    EXPECT_GE(out.finish->timings.ttft_ms, 0.0);
}

TEST(TextScheduler, PreservedTokensAreEmittedAsTheirText) {
    FakeTextEngine engine(2, 128, 64);
    TextScheduler s(engine, {});
    auto r = make_request({5}, 3);
    r.preserved_tokens = {7};  // a tool-call marker the chat parser must see
    EXPECT_EQ(run_one(s, std::move(r)).text, "w6 <s7>w8 ");
}

TEST(TextScheduler, EndOfGenerationStopsUnlessIgnored) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, {});
    Outcome eog = run_one(s, make_request({96}, 10));
    EXPECT_EQ(eog.text, "w97 w98 ");  // 99 is end-of-generation: not emitted
    EXPECT_EQ(eog.finish->reason, core::FinishReason::STOP);
    EXPECT_EQ(eog.finish->stop_sequence, "");  // no stop string ended it
    auto r = make_request({96}, 5);
    r.sampling.ignore_eos = true;
    Outcome ignored = run_one(s, std::move(r));
    EXPECT_EQ(ignored.finish->reason, core::FinishReason::LENGTH);
    EXPECT_EQ(ignored.finish->usage.completion_tokens, 5);
}

TEST(TextScheduler, StopStringAcrossTokensIsNeverEmitted) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, {});
    auto r = make_request({9}, 20);
    r.stop = {"1 w12"};  // spans the pieces "w11 " and "w12 "
    Outcome out = run_one(s, std::move(r));
    EXPECT_EQ(out.text, "w10 w1");
    EXPECT_EQ(out.finish->reason, core::FinishReason::STOP);
    EXPECT_EQ(out.finish->stop_sequence, "1 w12");
}

TEST(TextScheduler, ConcurrentRequestsGetTheSameOutputAsAlone) {
    FakeTextEngine engine(4, 256, 64);
    TextScheduler s(engine, {});
    const std::string alone = run_one(s, make_request({20, 21}, 12)).text;
    std::vector<std::shared_ptr<core::EventChannel>> channels;
    for (int i = 0; i < 8; ++i) {  // more requests than slots: the rest wait in the queue
        auto r = make_request({20, 21}, 12);
        channels.push_back(r.events);
        ASSERT_TRUE(s.submit(std::move(r)).has_value());
    }
    for (auto& ch : channels) {
        EXPECT_EQ(collect(*ch).text, alone);
    }
    EXPECT_EQ(s.stats().slots_busy, 0);
}

TEST(TextScheduler, LongPromptIsChunkedAndNeverStallsARunningStream) {
    FakeTextEngine engine(2, 100000, 512);
    TextScheduler s(engine, SchedulerConfig{8, 64});
    auto first = make_request({1}, 90000);  // a long-running stream on seq 0
    first.sampling.ignore_eos = true;
    auto first_events = first.events;
    auto first_cancel = first.cancel;
    ASSERT_TRUE(s.submit(std::move(first)).has_value());
    std::optional<core::GenerationEvent> ev;
    ASSERT_EQ(first_events->pop(ev, 5s), PopStatus::OK);  // it is generating
    std::vector<int32_t> long_prompt(1000);
    std::iota(long_prompt.begin(), long_prompt.end(), 0);
    for (int32_t& t : long_prompt) {
        t %= 90;
    }
    Outcome second = run_one(s, make_request(long_prompt, 3));
    ASSERT_TRUE(second.finish.has_value());
    first_cancel.cancel();
    // Every batch that carries prompt tokens of the second request (seq 1) also carries the stream's next
    // token (seq 0), and no batch exceeds the step budget.
    int prompt_batches = 0;
    for (const auto& batch : engine.batches()) {
        EXPECT_LE(batch.size(), 64u);
        bool has_prompt = false, has_stream = false;
        for (const auto& e : batch) {
            has_prompt = has_prompt || (e.seq == 1 && !e.logits);
            has_stream = has_stream || e.seq == 0;
        }
        if (has_prompt) {
            ++prompt_batches;
            EXPECT_TRUE(has_stream) << "a prefill chunk stalled the running stream";
        }
    }
    EXPECT_GE(prompt_batches, 1000 / 63);  // 63 prompt tokens fit beside the stream's one token
}

// Four prompts arrive together: a burst. With burst_prefill, no step mixes prompt tokens with decode tokens
// (the first streams wait for the rest of the burst), and then all four decode together. Without it, the
// first stream decodes beside the later prompts' chunks.
std::vector<std::vector<FakeTextEngine::Entry>> run_burst(bool burst_prefill, std::vector<std::string>& texts) {
    FakeTextEngine engine(4, 512, 512);
    engine.set_decode_delay(20ms);  // the other three are queued long before the first stream gets going
    SchedulerConfig config{8, 64};
    config.burst_prefill = burst_prefill;
    TextScheduler s(engine, config);
    std::vector<std::shared_ptr<core::EventChannel>> channels;
    for (int32_t i = 0; i < 4; ++i) {
        std::vector<int32_t> prompt(100);
        std::iota(prompt.begin(), prompt.end(), i);
        for (int32_t& t : prompt) {
            t %= 90;
        }
        auto r = make_request(prompt, 5);
        channels.push_back(r.events);
        EXPECT_TRUE(s.submit(std::move(r)).has_value());
    }
    for (auto& ch : channels) {
        texts.push_back(collect(*ch).text);
    }
    s.stop();
    return engine.batches();
}

bool mixes_prompt_and_decode(const std::vector<FakeTextEngine::Entry>& batch) {
    bool prompt = false;
    bool decode = false;
    for (const auto& e : batch) {
        prompt = prompt || e.pos < 100;  // every prompt is 100 tokens; generated tokens sit after them
        decode = decode || e.pos >= 100;
    }
    return prompt && decode;
}

TEST(TextScheduler, ABurstOfPromptsIsPrefilledBeforeItsStreamsDecode) {
    std::vector<std::string> texts;
    const auto batches = run_burst(true, texts);
    for (size_t i = 0; i < batches.size(); ++i) {
        EXPECT_FALSE(mixes_prompt_and_decode(batches[i])) << "step " << i;
    }
    const auto first_decode = std::find_if(batches.begin(), batches.end(), [](const auto& batch) {
        return std::all_of(batch.begin(), batch.end(), [](const auto& e) { return e.pos >= 100; });
    });
    ASSERT_NE(first_decode, batches.end());
    EXPECT_EQ(first_decode->size(), 4u) << "the burst's streams decode together";
    ASSERT_EQ(texts.size(), 4u);
    EXPECT_EQ(texts[0], "w10 w11 w12 w13 w14 ");  // the scripted engine counts on from the last prompt token (9)

    std::vector<std::string> paced_texts;
    const auto paced = run_burst(false, paced_texts);
    EXPECT_TRUE(std::any_of(paced.begin(), paced.end(), mixes_prompt_and_decode));
    EXPECT_EQ(paced_texts, texts);
}

TEST(TextScheduler, ReusesTheLongestCachedPrefix) {
    FakeTextEngine engine(2, 256, 64);
    TextScheduler s(engine, {});
    std::vector<int32_t> prompt = {3, 4, 5, 6, 7, 8};
    Outcome cold = run_one(s, make_request(prompt, 2));
    EXPECT_EQ(cold.finish->usage.cached_prompt_tokens, 0);
    prompt.push_back(50);
    Outcome warm = run_one(s, make_request(prompt, 2));
    EXPECT_EQ(warm.finish->usage.cached_prompt_tokens, 6);
    EXPECT_EQ(warm.finish->timings.prompt_tokens_evaluated, 1);
    EXPECT_EQ(warm.text, "w51 w52 ");
}

// One slot, two conversations taking turns: the slot's copy of the first goes to the host prompt cache when
// the second takes the slot, and the first's next turn restores it instead of prefilling it again.
std::vector<int32_t> conversation_turn(const std::vector<int32_t>& before, const Outcome& answer, int32_t next) {
    std::vector<int32_t> out = before;
    out.insert(out.end(), answer.tokens.begin(), answer.tokens.end());
    out.push_back(next);
    return out;
}

SchedulerConfig with_prompt_cache() {
    SchedulerConfig config;
    config.prompt_cache_bytes = 1 << 20;
    return config;
}

std::vector<int32_t> counting(int32_t n) {
    std::vector<int32_t> out(static_cast<size_t>(n));
    std::iota(out.begin(), out.end(), 0);
    return out;
}

TEST(TextScheduler, AConversationWhoseSlotWentElsewhereIsRestoredFromThePromptCache) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, with_prompt_cache());
    const std::vector<int32_t> a = counting(40);
    const std::vector<int32_t> b(40, 60);
    const Outcome a1 = run_one(s, make_request(a, 8));
    ASSERT_TRUE(run_one(s, make_request(b, 4)).finish.has_value());
    EXPECT_EQ(engine.states_saved(), 1);  // a's 47 tokens (its last answer token was never decoded)

    const std::vector<int32_t> a2 = conversation_turn(a, a1, 90);
    const Outcome restored = run_one(s, make_request(a2, 4));
    ASSERT_TRUE(restored.finish.has_value()) << (restored.error ? restored.error->message : "");
    EXPECT_EQ(engine.states_loaded(), 1);
    EXPECT_EQ(restored.finish->usage.cached_prompt_tokens, 47);
    EXPECT_EQ(restored.finish->timings.prompt_tokens_evaluated, 2);  // a's last answer token and 90
    EXPECT_EQ(restored.text, "w91 w92 w93 w94 ");
    const auto stats = s.stats().prompt_cache;
    EXPECT_EQ(stats.restored, 1u);
    EXPECT_EQ(stats.tokens_restored, 47u);
    EXPECT_EQ(stats.entries, 2u);  // a (restoring copies it) and b, saved when a took the slot back

    // A turn that keeps most of the slot's conversation reuses it in place: nothing more saved or restored.
    ASSERT_TRUE(run_one(s, make_request(conversation_turn(a2, restored, 7), 2)).finish.has_value());
    EXPECT_EQ(engine.states_saved(), 2);  // a, then b
    EXPECT_EQ(engine.states_loaded(), 1);
}

TEST(TextScheduler, AFailedRestorePrefillsTheWholePrompt) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, with_prompt_cache());
    const std::vector<int32_t> a = counting(30);
    const Outcome a1 = run_one(s, make_request(a, 4));
    ASSERT_TRUE(run_one(s, make_request(std::vector<int32_t>(30, 70), 4)).finish.has_value());
    engine.fail_state_loads();
    const Outcome again = run_one(s, make_request(conversation_turn(a, a1, 90), 3));
    ASSERT_TRUE(again.finish.has_value());
    EXPECT_EQ(again.finish->usage.cached_prompt_tokens, 0);
    EXPECT_EQ(again.finish->timings.prompt_tokens_evaluated, 35);
    EXPECT_EQ(again.text, "w91 w92 w93 ");
}

// Prompt order: with one stream generating (so steps are paced at 16 tokens), a long prompt queued just
// before a short one. FCFS fills the long one first; SHORTEST gives the short one its first token at once.
// Returns the step at which each prompt's last token was evaluated: {long, short}.
std::pair<size_t, size_t> prompt_done_steps(PrefillOrder order) {
    FakeTextEngine engine(3, 512, 512);
    engine.set_decode_delay(20ms);
    SchedulerConfig config{8, 16};
    config.burst_prefill = false;
    config.prefill_order = order;
    TextScheduler s(engine, config);
    auto first = make_request({1, 2, 3}, 30);  // keeps the loop busy while the other two are queued
    auto first_events = first.events;
    EXPECT_TRUE(s.submit(std::move(first)).has_value());
    std::this_thread::sleep_for(30ms);
    std::vector<int32_t> long_prompt(200, 7);
    auto long_request = make_request(long_prompt, 1);
    auto short_request = make_request({5, 6, 7, 8, 9, 10, 11, 12, 13, 14}, 1);
    auto long_events = long_request.events;
    auto short_events = short_request.events;
    EXPECT_TRUE(s.submit(std::move(long_request)).has_value());
    EXPECT_TRUE(s.submit(std::move(short_request)).has_value());
    EXPECT_TRUE(collect(*long_events).finish.has_value());
    EXPECT_TRUE(collect(*short_events).finish.has_value());
    EXPECT_TRUE(collect(*first_events).finish.has_value());
    s.stop();
    const auto batches = engine.batches();
    const auto step_of = [&](int32_t token, int32_t pos) {  // the step that evaluated a prompt's last token
        for (size_t i = 0; i < batches.size(); ++i) {
            for (const auto& e : batches[i]) {
                if (e.token == token && e.pos == pos && e.logits) {
                    return i;
                }
            }
        }
        return batches.size();
    };
    return {step_of(7, 199), step_of(14, 9)};
}

TEST(TextScheduler, ShortestPromptFirstGivesShortPromptsTheirFirstTokenSooner) {
    const auto [fcfs_long, fcfs_short] = prompt_done_steps(PrefillOrder::FCFS);
    EXPECT_LE(fcfs_long, fcfs_short) << "first come, first served: the long prompt fills first";
    const auto [srpt_long, srpt_short] = prompt_done_steps(PrefillOrder::SHORTEST);
    EXPECT_LT(srpt_short, srpt_long) << "shortest first";
    EXPECT_LE(srpt_short + 10, fcfs_short);  // about 13 steps sooner: the long prompt's 200 tokens at ~15 a step
    EXPECT_LE(srpt_long, fcfs_long + 2);     // and the long prompt waits about one step more
}

// cache_prompt false (llama-server's field): the whole prompt is evaluated, though the slot holds a prefix of
// it and the prompt cache a longer one; the text is the same.
TEST(TextScheduler, CachePromptFalseEvaluatesTheWholePrompt) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, with_prompt_cache());
    const std::vector<int32_t> a = counting(30);
    const Outcome a1 = run_one(s, make_request(a, 4));
    ASSERT_TRUE(run_one(s, make_request(std::vector<int32_t>(30, 70), 4)).finish.has_value());
    core::GenerationRequest fresh = make_request(conversation_turn(a, a1, 90), 3);
    fresh.cache_prompt = false;
    const Outcome again = run_one(s, std::move(fresh));
    ASSERT_TRUE(again.finish.has_value());
    EXPECT_EQ(engine.states_loaded(), 0);
    EXPECT_EQ(again.finish->usage.cached_prompt_tokens, 0);
    EXPECT_EQ(again.finish->timings.prompt_tokens_evaluated, 35);
    EXPECT_EQ(again.text, "w91 w92 w93 ");
    // The same prompt with the default reuses what is cached.
    const Outcome reused = run_one(s, make_request(conversation_turn(a, a1, 90), 3));
    EXPECT_GT(reused.finish->usage.cached_prompt_tokens, 0);
    EXPECT_EQ(reused.text, again.text);
}

TEST(TextScheduler, WithoutAPromptCacheNothingIsCopied) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, {});
    const std::vector<int32_t> a = counting(40);
    const Outcome a1 = run_one(s, make_request(a, 4));
    ASSERT_TRUE(run_one(s, make_request(std::vector<int32_t>(40, 60), 4)).finish.has_value());
    const Outcome again = run_one(s, make_request(conversation_turn(a, a1, 90), 2));
    EXPECT_EQ(again.finish->usage.cached_prompt_tokens, 0);
    EXPECT_EQ(engine.states_saved(), 0);
    EXPECT_EQ(engine.states_loaded(), 0);
}

// Like llama-server, the penalties count the prompt: its last penalty_last_n tokens, cached prefix included,
// go into the fresh chain's history before the first token is sampled.
TEST(TextScheduler, PenaltiesSeeThePromptTail) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, {});
    std::vector<int32_t> prompt(80);
    std::iota(prompt.begin(), prompt.end(), 0);
    auto windowed = make_request(prompt, 2);
    windowed.sampling.repeat_penalty = 1.3f;
    windowed.sampling.penalty_last_n = 64;
    ASSERT_TRUE(run_one(s, std::move(windowed)).finish.has_value());
    EXPECT_EQ(engine.accepted(0), std::vector<int32_t>(prompt.begin() + 16, prompt.end()));

    prompt.resize(70);
    auto whole = make_request(prompt, 2);
    whole.sampling.presence_penalty = 0.5f;
    whole.sampling.penalty_last_n = -1;  // the whole context
    Outcome cached = run_one(s, std::move(whole));
    EXPECT_EQ(cached.finish->usage.cached_prompt_tokens, 69);
    EXPECT_EQ(engine.accepted(0), prompt);

    ASSERT_TRUE(run_one(s, make_request(prompt, 2)).finish.has_value());
    EXPECT_TRUE(engine.accepted(0).empty());  // no penalty: the chain would ignore the history
}

TEST(TextScheduler, CancelledRequestFreesItsSlot) {
    FakeTextEngine engine(1, 100000, 64);
    engine.set_decode_delay(std::chrono::microseconds(500));
    TextScheduler s(engine, {});
    auto r = make_request({1}, 50000);
    r.sampling.ignore_eos = true;
    auto events = r.events;
    auto cancel = r.cancel;
    ASSERT_TRUE(s.submit(std::move(r)).has_value());
    std::this_thread::sleep_for(20ms);
    cancel.cancel();
    Outcome out = collect(*events);
    ASSERT_TRUE(out.finish.has_value());
    EXPECT_EQ(out.finish->reason, core::FinishReason::CANCELLED);
    EXPECT_LT(out.finish->usage.completion_tokens, 50000);
    EXPECT_EQ(s.stats().slots_busy, 0);
    EXPECT_EQ(s.stats().cancelled, 1u);
    EXPECT_EQ(run_one(s, make_request({10}, 1)).text, "w11 ");  // the slot serves again
}

TEST(TextScheduler, FullQueueIsOverloaded) {
    FakeTextEngine engine(1, 100000, 64);
    engine.set_decode_delay(std::chrono::microseconds(500));
    TextScheduler s(engine, SchedulerConfig{2, 64});
    std::vector<CancelToken> tokens;
    int overloaded = 0;
    for (int i = 0; i < 6; ++i) {
        auto r = make_request({1}, 100000);
        r.sampling.ignore_eos = true;
        tokens.push_back(r.cancel);
        auto submitted = s.submit(std::move(r));
        if (!submitted) {
            EXPECT_EQ(submitted.error().code, ErrorCode::OVERLOADED);
            ++overloaded;
        }
    }
    EXPECT_GE(overloaded, 3);  // one running, two queued at most
    for (auto& t : tokens) {
        t.cancel();
    }
}

TEST(TextScheduler, DecodeFailureFailsTheBatchAndServingGoesOn) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, {});
    engine.fail_next_decode();
    Outcome failed = run_one(s, make_request({1, 2}, 4));
    ASSERT_TRUE(failed.error.has_value());
    EXPECT_EQ(failed.error->code, ErrorCode::INTERNAL);
    EXPECT_FALSE(failed.finish.has_value());
    EXPECT_EQ(run_one(s, make_request({1, 2}, 2)).text, "w3 w4 ");
    EXPECT_EQ(s.stats().failed, 1u);
    // An INTERNAL decode error means the engine is broken: the registry reads this and reloads the model.
    EXPECT_TRUE(s.stats().engine_failed);
    EXPECT_NE(s.stats().engine_error.find("llama_decode failed"), std::string::npos);
}

TEST(TextScheduler, HealthyEngineIsNotMarkedFailed) {
    FakeTextEngine engine(1, 256, 64);
    TextScheduler s(engine, {});
    EXPECT_EQ(run_one(s, make_request({1, 2}, 2)).text, "w3 w4 ");
    EXPECT_FALSE(s.stats().engine_failed);
    EXPECT_TRUE(s.stats().engine_error.empty());
}

TEST(TextScheduler, StopEndsEveryRequestWithAnError) {
    FakeTextEngine engine(1, 100000, 64);
    engine.set_decode_delay(std::chrono::microseconds(500));
    auto s = std::make_unique<TextScheduler>(engine, SchedulerConfig{});
    auto running = make_request({1}, 100000);
    running.sampling.ignore_eos = true;
    auto events = running.events;
    ASSERT_TRUE(s->submit(std::move(running)).has_value());
    std::this_thread::sleep_for(10ms);
    s->stop();
    Outcome out = collect(*events);
    ASSERT_TRUE(out.error.has_value());
    EXPECT_EQ(out.error->code, ErrorCode::MODEL_NOT_READY);
    EXPECT_EQ(s->submit(make_request({1}, 1)).error().code, ErrorCode::MODEL_NOT_READY);
}

}  // namespace
}  // namespace hearth::sched
