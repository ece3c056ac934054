// DraftRunner over a fake draft engine: catching a sequence up with what the target holds, drafting several
// sequences in the same decodes, the draft's limits (n_max, n_min, p_min, vocabulary, end of text) and a failing
// draft engine.
#include "sched/draft_runner.h"

#include <gtest/gtest.h>

#include "fakes/fake_text_engine.h"

namespace hearth::sched {
namespace {

using hearth::testing::FakeTextEngine;

DraftParams params(int32_t n_min = 0, float p_min = 0.0f, int32_t n_vocab = 100) {
    return {n_min, p_min, n_vocab};
}

TEST(DraftRunner, CatchesUpOnceThenDecodesOnlyWhatIsNew) {
    FakeTextEngine engine(1, 256, 64);
    DraftRunner runner(engine, params());
    const std::vector<int32_t> first{1, 2, 3};
    std::vector<DraftWant> wants{{0, first, 4}};
    EXPECT_EQ(runner.propose(wants)[0], (std::vector<int32_t>{4, 5, 6, 7}));
    // The history, then every draft token but the last (whose successor nobody asked for).
    EXPECT_EQ(engine.kv(0), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
    const size_t batches_before = engine.batches().size();
    // The target took the whole draft and sampled 8: only 7 and 8 are new to the draft.
    const std::vector<int32_t> second{1, 2, 3, 4, 5, 6, 7, 8};
    wants = {{0, second, 2}};
    EXPECT_EQ(runner.propose(wants)[0], (std::vector<int32_t>{9, 10}));
    const auto batches = engine.batches();
    ASSERT_EQ(batches.size(), batches_before + 2);  // the catch-up with the first guess, then one more round
    ASSERT_EQ(batches[batches_before].size(), 2U);
    EXPECT_EQ(batches[batches_before][0].token, 7);
    EXPECT_FALSE(batches[batches_before][0].logits);
    EXPECT_EQ(batches[batches_before][1].token, 8);
    EXPECT_TRUE(batches[batches_before][1].logits);
}

TEST(DraftRunner, CutsWhatTheTargetRejected) {
    FakeTextEngine engine(1, 256, 64);
    DraftRunner runner(engine, params());
    const std::vector<int32_t> first{1, 2, 3};
    std::vector<DraftWant> wants{{0, first, 4}};
    runner.propose(wants);
    // The target kept 4 5 and sampled 50 instead of 6.
    const std::vector<int32_t> second{1, 2, 3, 4, 5, 50};
    wants = {{0, second, 3}};
    EXPECT_EQ(runner.propose(wants)[0], (std::vector<int32_t>{51, 52, 53}));
    EXPECT_EQ(engine.kv(0), (std::vector<int32_t>{1, 2, 3, 4, 5, 50, 51, 52}));
}

TEST(DraftRunner, SequencesDraftTogetherOneDecodePerPosition) {
    FakeTextEngine engine(2, 256, 64);
    DraftRunner runner(engine, params());
    const std::vector<int32_t> a{1, 2};
    const std::vector<int32_t> b{30, 31, 32};
    const std::vector<DraftWant> wants{{0, a, 3}, {1, b, 1}};
    const auto drafts = runner.propose(wants);
    EXPECT_EQ(drafts[0], (std::vector<int32_t>{3, 4, 5}));
    EXPECT_EQ(drafts[1], (std::vector<int32_t>{33}));
    const auto batches = engine.batches();
    ASSERT_EQ(batches.size(), 3U);     // both histories, then rounds 2 and 3 for the longer draft alone
    EXPECT_EQ(batches[0].size(), 5U);  // 1 2 | 30 31 32
    EXPECT_EQ(batches[1].size(), 1U);  // 33 was b's last: a's 3 only
    EXPECT_EQ(batches[2].size(), 1U);
}

TEST(DraftRunner, AHistoryLongerThanABatchIsCaughtUpInPieces) {
    FakeTextEngine engine(1, 256, 4);
    DraftRunner runner(engine, params());
    const std::vector<int32_t> history{1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    const std::vector<DraftWant> wants{{0, history, 2}};
    EXPECT_EQ(runner.propose(wants)[0], (std::vector<int32_t>{11, 12}));
    const auto batches = engine.batches();
    ASSERT_EQ(batches.size(), 4U);  // 1-4, 5-8, 9-10 (10 with logits), then 11
    EXPECT_FALSE(batches[0].back().logits);
    EXPECT_FALSE(batches[1].back().logits);
    EXPECT_EQ(batches[2].back().token, 10);
    EXPECT_TRUE(batches[2].back().logits);
}

TEST(DraftRunner, StopsAtLowConfidenceEndOfTextAndTheTargetsVocabulary) {
    FakeTextEngine unsure(1, 256, 64);
    unsure.set_guesses(0, 0.5f);
    DraftRunner picky(unsure, params(0, 0.6f));
    const std::vector<int32_t> history{1, 2};
    const std::vector<DraftWant> wants{{0, history, 4}};
    EXPECT_TRUE(picky.propose(wants)[0].empty());

    FakeTextEngine engine(1, 256, 64);
    DraftRunner runner(engine, params());
    const std::vector<int32_t> near_end{96, 97};
    EXPECT_EQ(runner.propose(std::vector<DraftWant>{{0, near_end, 8}})[0], (std::vector<int32_t>{98, 99}));
    FakeTextEngine small(1, 256, 64);
    DraftRunner bounded(small, params(0, 0.0f, 60));
    const std::vector<int32_t> at_edge{57, 58};
    EXPECT_EQ(bounded.propose(std::vector<DraftWant>{{0, at_edge, 8}})[0], (std::vector<int32_t>{59}));
}

TEST(DraftRunner, ADraftShorterThanNMinIsDropped) {
    FakeTextEngine engine(1, 256, 64);
    DraftRunner runner(engine, params(3));
    const std::vector<int32_t> history{1, 2};
    EXPECT_TRUE(runner.propose(std::vector<DraftWant>{{0, history, 2}})[0].empty());
    EXPECT_EQ(runner.propose(std::vector<DraftWant>{{0, history, 3}})[0].size(), 3U);
}

TEST(DraftRunner, AFailedDecodeCostsTheDraftsAndStartsOver) {
    FakeTextEngine engine(1, 256, 64);
    DraftRunner runner(engine, params());
    const std::vector<int32_t> history{1, 2, 3};
    engine.fail_next_decode();
    EXPECT_TRUE(runner.propose(std::vector<DraftWant>{{0, history, 2}})[0].empty());
    EXPECT_TRUE(engine.kv(0).empty());
    EXPECT_EQ(runner.propose(std::vector<DraftWant>{{0, history, 2}})[0], (std::vector<int32_t>{4, 5}));
    EXPECT_EQ(engine.kv(0), (std::vector<int32_t>{1, 2, 3, 4}));
}

}  // namespace
}  // namespace hearth::sched
