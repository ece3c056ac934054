// Sampling several sequences at once (LlamaTextEngine::sample_batch on its sampling pool) gives every
// sequence the tokens that sampling them one after the other gives: greedy, seeded draws and top-k chains
// side by side, over real stories260K decodes.

#include <gtest/gtest.h>

#include <algorithm>
#include <thread>
#include <vector>

#include "stories_engine.h"

namespace hearth {
namespace {

constexpr int32_t N_SEQS = 4;
constexpr int32_t STEPS = 40;
const std::vector<int32_t> PROMPT = {1, 403, 407, 261, 378};

core::SamplingParams params_of(int32_t seq) {
    core::SamplingParams params;
    params.temperature = seq == 0 ? 0.0f : 0.9f;
    params.seed = 1000 + static_cast<uint32_t>(seq);
    params.top_k = seq == 2 ? 5 : 0;
    params.min_p = seq == 3 ? 0.05f : 0.0f;
    return params;
}

// Every sequence's tokens, step by step; `together` samples each step's sequences with one sample_batch.
std::vector<std::vector<int32_t>> run(engine::LlamaTextEngine& engine, bool together) {
    const auto n_prompt = static_cast<int32_t>(PROMPT.size());
    engine.batch_clear();
    std::vector<engine::SampleRequest> items;
    for (int32_t s = 0; s < N_SEQS; ++s) {
        engine.reset_sampler(s, params_of(s));
        for (int32_t i = 0; i < n_prompt; ++i) {
            EXPECT_TRUE(engine.batch_add(PROMPT[static_cast<size_t>(i)], i, s, i == n_prompt - 1));
        }
        items.push_back({s, s * n_prompt + n_prompt - 1});
    }
    std::vector<std::vector<int32_t>> out(N_SEQS);
    for (int32_t step = 0; step < STEPS; ++step) {
        EXPECT_TRUE(engine.decode());
        std::vector<Result<int32_t>> tokens;
        if (together) {
            tokens = engine.sample_batch(items);
        } else {
            for (const auto& item : items) {
                tokens.push_back(engine.sample(item.seq, item.batch_index));
            }
        }
        engine.batch_clear();
        for (int32_t s = 0; s < N_SEQS; ++s) {
            const auto& token = tokens[static_cast<size_t>(s)];
            EXPECT_TRUE(token) << token.error().message;
            out[static_cast<size_t>(s)].push_back(token ? *token : 0);
            EXPECT_TRUE(engine.batch_add(out[static_cast<size_t>(s)].back(), n_prompt + step, s, true));
            items[static_cast<size_t>(s)].batch_index = s;
        }
    }
    return out;
}

TEST(SampleBatch, DrawingSequencesAtOnceGivesWhatDrawingThemInTurnGives) {
    auto pooled = testing::load_stories(testing::STORIES_F32, N_SEQS, 2);  // a second thread draws too
    auto single = testing::load_stories(testing::STORIES_F32, N_SEQS, 1);
    ASSERT_TRUE(pooled && single);
    const auto together = run(*pooled, true);
    const auto in_turn = run(*single, false);
    EXPECT_EQ(together, in_turn);
    // The chains differ: not every sequence wrote the same text.
    EXPECT_NE(together[0], together[1]);
    EXPECT_NE(together[1], together[2]);
}

// The sampling pool's size is its own setting: more drawing threads than decode threads (a GPU host's case)
// give the same tokens. Left at 0 on this CPU-only build, it follows the decode's threads.
TEST(SampleBatch, SamplingThreadsAreSetApartFromDecodeThreads) {
    auto wide = testing::load_stories(testing::STORIES_F32, N_SEQS, 1, 4);
    auto single = testing::load_stories(testing::STORIES_F32, N_SEQS, 1);
    auto two = testing::load_stories(testing::STORIES_F32, N_SEQS, 2);
    ASSERT_TRUE(wide && single && two);
    EXPECT_EQ(wide->sampling_threads(), 4);
    EXPECT_EQ(single->sampling_threads(), 1);
    EXPECT_EQ(two->sampling_threads(),
              std::min(2, static_cast<int>(std::max(1u, std::thread::hardware_concurrency()))));
    EXPECT_EQ(run(*wide, true), run(*single, false));
}

TEST(SampleBatch, BadItemsFailAloneAndTheOthersAreSampled) {
    auto engine = testing::load_stories(testing::STORIES_F32, 2, 2);
    ASSERT_TRUE(engine);
    engine->reset_sampler(0, params_of(1));
    engine->reset_sampler(1, params_of(2));
    engine->batch_clear();
    ASSERT_TRUE(engine->batch_add(1, 0, 0, true));
    ASSERT_TRUE(engine->batch_add(1, 0, 1, true));
    ASSERT_TRUE(engine->decode());
    const std::vector<engine::SampleRequest> items = {{0, 0}, {1, 0}, {7, 1}, {1, 1}, {1, 1}};
    const auto tokens = engine->sample_batch(items);
    ASSERT_EQ(tokens.size(), items.size());
    EXPECT_TRUE(tokens[0]);
    EXPECT_FALSE(tokens[1]);  // row 0 belongs to sequence 0
    EXPECT_EQ(tokens[1].error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_FALSE(tokens[2]);  // no sequence 7
    EXPECT_TRUE(tokens[3]);
    EXPECT_TRUE(tokens[4]);  // the same sequence twice is drawn twice, one draw after the other
}

}  // namespace
}  // namespace hearth
