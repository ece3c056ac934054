// The engine benchmark's measuring loop over a scripted engine: what each test decodes (batches, positions,
// outputs), repetitions and warm-up, the sweep, validation and the summary statistics.

#include "bench/model/model_bench.h"

#include <gtest/gtest.h>

#include "fakes/fake_text_engine.h"

namespace hearth::bench {
namespace {

using testing::FakeTextEngine;

TEST(ModelBench, PromptTestDecodesBatchesOfNBatchFromAnEmptyCache) {
    FakeTextEngine engine(1, 256, 16);
    std::mt19937 rng(1);
    std::vector<int> progress;
    auto run = run_test(engine, {40, 0}, 3, rng, [&progress](const TestSpec& t, int done, int reps) {
        EXPECT_EQ(t.name(), "pp40");
        EXPECT_EQ(reps, 3);
        progress.push_back(done);
    });
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->test.name(), "pp40");
    ASSERT_EQ(run->tokens_per_s.size(), 3u);
    EXPECT_EQ(progress, (std::vector<int>{0, 1, 2, 3}));
    // Warm-up + 3 runs, each 16 + 16 + 8 tokens from position 0 (the fake refuses position gaps).
    const auto batches = engine.batches();
    ASSERT_EQ(batches.size(), 12u);
    for (size_t i = 0; i < batches.size(); ++i) {
        const auto& b = batches[i];
        ASSERT_EQ(b.size(), i % 3 == 2 ? 8u : 16u);
        EXPECT_EQ(b.front().pos, static_cast<int32_t>(i % 3) * 16);
        for (size_t j = 0; j < b.size(); ++j) {
            EXPECT_EQ(b[j].seq, 0);
            EXPECT_EQ(b[j].logits, i % 3 == 2 && j + 1 == b.size());  // the prompt's last token only
            EXPECT_TRUE(b[j].token >= 0 && b[j].token < engine.n_vocab());
        }
    }
    for (const double tps : run->tokens_per_s) {
        EXPECT_GT(tps, 0);
    }
}

TEST(ModelBench, GenerationTestDecodesOneTokenPerStep) {
    FakeTextEngine engine(1, 64, 16);
    std::mt19937 rng(1);
    auto run = run_test(engine, {0, 10}, 2, rng);
    ASSERT_TRUE(run) << run.error().message;
    EXPECT_EQ(run->test.name(), "tg10");
    const auto batches = engine.batches();
    ASSERT_EQ(batches.size(), 1u + 2 * 10);  // one warm-up token, then 10 per repetition
    for (size_t i = 1; i < batches.size(); ++i) {
        ASSERT_EQ(batches[i].size(), 1u);
        EXPECT_EQ(batches[i][0].pos, static_cast<int32_t>((i - 1) % 10));
        EXPECT_TRUE(batches[i][0].logits);
    }
}

TEST(ModelBench, RandomPromptsFollowTheSeed) {
    FakeTextEngine a(1, 64, 64);
    FakeTextEngine b(1, 64, 64);
    std::mt19937 rng_a(7);
    std::mt19937 rng_b(7);
    ASSERT_TRUE(run_test(a, {32, 0}, 1, rng_a));
    ASSERT_TRUE(run_test(b, {32, 0}, 1, rng_b));
    const auto last_tokens = [](const FakeTextEngine& engine) {
        const auto batches = engine.batches();  // a copy: keep it alive while reading
        std::vector<int32_t> tokens;
        for (const auto& e : batches.back()) {
            tokens.push_back(e.token);
        }
        return tokens;
    };
    const auto tokens_a = last_tokens(a);
    const auto tokens_b = last_tokens(b);
    EXPECT_EQ(tokens_a, tokens_b);
    EXPECT_NE(tokens_a, std::vector<int32_t>(32, tokens_a.front()));  // not one token repeated
}

TEST(ModelBench, ErrorsComeBack) {
    FakeTextEngine engine(1, 32, 16);
    std::mt19937 rng(1);
    auto too_long = run_test(engine, {64, 0}, 1, rng);
    ASSERT_FALSE(too_long);
    EXPECT_EQ(too_long.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(too_long.error().message.find("64"), std::string::npos);
    engine.fail_next_decode();
    auto failed = run_test(engine, {0, 8}, 1, rng);
    ASSERT_FALSE(failed);
    EXPECT_EQ(failed.error().code, ErrorCode::INTERNAL);
}

TEST(ModelBench, SweepIsEveryCombination) {
    ModelBenchConfig config;
    config.threads = {1, 2};
    config.n_batch = {256, 512};
    config.flash_attn = {"on", "off"};
    const auto points = sweep(config);
    ASSERT_EQ(points.size(), 8u);
    EXPECT_EQ(points[0].flash_attn, "on");
    EXPECT_EQ(points[0].n_batch, 256);
    EXPECT_EQ(points[0].threads, 1);
    EXPECT_EQ(points[1].threads, 2);  // the last axis varies fastest
    EXPECT_EQ(points[2].n_batch, 512);
    EXPECT_EQ(points[7].flash_attn, "off");
    for (size_t i = 0; i < points.size(); ++i) {
        for (size_t j = i + 1; j < points.size(); ++j) {
            EXPECT_FALSE(points[i] == points[j]);
        }
    }
}

TEST(ModelBench, TestsAndValidation) {
    ModelBenchConfig config;
    config.model_path = "m.gguf";
    config.n_prompt = {128, 0, 512};
    config.n_gen = {0, 32};
    const auto specs = tests(config);
    ASSERT_EQ(specs.size(), 3u);
    EXPECT_EQ(specs[0].name(), "pp128");
    EXPECT_EQ(specs[1].name(), "pp512");
    EXPECT_EQ(specs[2].name(), "tg32");
    EXPECT_TRUE(validate(config));

    const auto refused = [](ModelBenchConfig c, const std::string& needle) {
        auto valid = validate(c);
        ASSERT_FALSE(valid) << needle;
        EXPECT_EQ(valid.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_NE(valid.error().message.find(needle), std::string::npos) << valid.error().message;
    };
    auto c = config;
    c.model_path.clear();
    refused(c, "no model");
    c = config;
    c.n_prompt = {0};
    c.n_gen = {0};
    refused(c, "nothing to run");
    c = config;
    c.repetitions = 0;
    refused(c, "-r");
    c = config;
    c.n_gen = {-1};
    refused(c, "-n");
    c = config;
    c.threads = {};
    refused(c, "--threads");
    c = config;
    c.n_batch = {0};
    refused(c, "--batch-size");
    c = config;
    c.flash_attn = {"maybe"};
    refused(c, "--flash-attn");
}

TEST(ModelBench, SummaryIsMeanAndSampleStddev) {
    ModelRun run;
    run.tokens_per_s = {10, 20, 30};
    summarize(run);
    EXPECT_DOUBLE_EQ(run.mean_tokens_per_s, 20);
    EXPECT_DOUBLE_EQ(run.stddev_tokens_per_s, 10);
    run.tokens_per_s = {42};
    summarize(run);
    EXPECT_DOUBLE_EQ(run.mean_tokens_per_s, 42);
    EXPECT_DOUBLE_EQ(run.stddev_tokens_per_s, 0);
}

}  // namespace
}  // namespace hearth::bench
