// The scheduler's host prompt cache over llama.cpp's sequence states on the real stories260K: a
// conversation whose slot served another one meanwhile is restored, and continues token for token as a
// cold prefill of the same prompt does.

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <optional>
#include <variant>
#include <vector>

#include "sched/text_scheduler.h"
#include "stories_engine.h"

namespace hearth {
namespace {

struct Answer {
    std::vector<int32_t> tokens;
    core::Usage usage;
    bool finished = false;
};

std::shared_ptr<core::EventChannel> submit(sched::TextScheduler& scheduler, const std::vector<int32_t>& prompt,
                                           int32_t max_tokens) {
    core::GenerationRequest request;
    request.prompt_tokens = prompt;
    request.max_tokens = max_tokens;
    request.sampling.temperature = 0.0f;
    request.events = std::make_shared<core::EventChannel>(static_cast<size_t>(max_tokens) + 8);
    auto events = request.events;
    EXPECT_TRUE(scheduler.submit(std::move(request)));
    return events;
}

Answer collect(core::EventChannel& events) {
    Answer answer;
    std::optional<core::GenerationEvent> event;
    while (events.pop(event, std::chrono::seconds(30)) == PopStatus::OK) {
        if (const auto* token = std::get_if<core::TokenEvent>(&*event)) {
            answer.tokens.insert(answer.tokens.end(), token->tokens.begin(), token->tokens.end());
        } else if (const auto* finish = std::get_if<core::FinishEvent>(&*event)) {
            answer.usage = finish->usage;
            answer.finished = true;
            return answer;
        } else {
            ADD_FAILURE() << std::get<core::ErrorEvent>(*event).error.message;
            return answer;
        }
    }
    ADD_FAILURE() << "no finish within 30 s";
    return answer;
}

Answer ask(sched::TextScheduler& scheduler, const std::vector<int32_t>& prompt, int32_t max_tokens) {
    return collect(*submit(scheduler, prompt, max_tokens));
}

std::vector<int32_t> then(std::vector<int32_t> prompt, const std::vector<int32_t>& more) {
    prompt.insert(prompt.end(), more.begin(), more.end());
    return prompt;
}

const std::vector<int32_t> ONCE_UPON_A_TIME = {1, 403, 407, 261, 378};
const std::vector<int32_t> OTHER = {1, 297, 350, 400, 289, 310, 268};

// A scheduler with the prompt cache over `n_slots` sequences, and one without over one, each on its own engine.
struct CachedAndCold {
    explicit CachedAndCold(int32_t n_slots)
        : cached_engine(testing::load_stories(testing::STORIES_F32, n_slots)),
          cold_engine(testing::load_stories(testing::STORIES_F32)) {
        if (!cached_engine || !cold_engine) {
            return;
        }
        sched::SchedulerConfig config;
        config.prompt_cache_bytes = 64 << 20;
        cached.emplace(*cached_engine, config);
        cold.emplace(*cold_engine, sched::SchedulerConfig{});
    }
    bool ready() const { return cached && cold; }

    std::unique_ptr<engine::LlamaTextEngine> cached_engine;
    std::unique_ptr<engine::LlamaTextEngine> cold_engine;
    std::optional<sched::TextScheduler> cached;  // declared after the engines: stopped before they go
    std::optional<sched::TextScheduler> cold;
};

// The first turn of ONCE_UPON_A_TIME, then another conversation that takes the slot it had.
Answer first_turn_then_another(sched::TextScheduler& scheduler, int32_t n_first, int32_t n_other) {
    const Answer first = ask(scheduler, ONCE_UPON_A_TIME, n_first);
    EXPECT_TRUE(first.finished);
    EXPECT_TRUE(ask(scheduler, OTHER, n_other).finished);
    return first;
}

TEST(PromptCacheReal, ARestoredConversationContinuesAsAColdPrefillDoes) {
    CachedAndCold both(1);
    ASSERT_TRUE(both.ready());
    sched::TextScheduler& cached = *both.cached;
    sched::TextScheduler& cold = *both.cold;

    const Answer first = first_turn_then_another(cached, 40, 30);  // one slot: the other conversation takes it
    const std::vector<int32_t> next_turn = then(then(ONCE_UPON_A_TIME, first.tokens), {403, 407});
    const Answer restored = ask(cached, next_turn, 40);
    ASSERT_TRUE(restored.finished);
    // The slot held ONCE_UPON_A_TIME and 39 answer tokens (the 40th was never decoded).
    EXPECT_EQ(restored.usage.cached_prompt_tokens, 5 + 39);
    const auto stats = cached.stats().prompt_cache;
    EXPECT_EQ(stats.restored, 1u);
    EXPECT_EQ(stats.tokens_restored, 43u);  // the slot shared BOS with the restored conversation already
    EXPECT_GT(stats.bytes, 0u);

    const Answer reference = ask(cold, next_turn, 40);
    ASSERT_TRUE(reference.finished);
    EXPECT_EQ(reference.usage.cached_prompt_tokens, 0);
    EXPECT_EQ(restored.tokens, reference.tokens);
}

// The state of one sequence goes into another: the conversation was saved from the slot it had, which is
// busy when the conversation comes back.
TEST(PromptCacheReal, ARestoreIntoAnotherSequenceOfTheContextWorksToo) {
    CachedAndCold both(2);
    ASSERT_TRUE(both.ready());
    sched::TextScheduler& scheduler = *both.cached;
    sched::TextScheduler& cold = *both.cold;
    // Each prompt starts with BOS, so an idle slot that held one shares a token with the next and is taken
    // before an empty one: every request below goes to the first slot, until it is busy.
    const Answer first = first_turn_then_another(scheduler, 30, 20);
    const auto busy = submit(scheduler, then(OTHER, {500, 501}), 150);
    const std::vector<int32_t> next_turn = then(then(ONCE_UPON_A_TIME, first.tokens), {378});
    const Answer restored = ask(scheduler, next_turn, 30);
    EXPECT_TRUE(collect(*busy).finished);
    EXPECT_EQ(restored.usage.cached_prompt_tokens, 5 + 29);
    EXPECT_EQ(scheduler.stats().prompt_cache.restored, 1u);
    EXPECT_EQ(restored.tokens, ask(cold, next_turn, 30).tokens);
}

}  // namespace
}  // namespace hearth
