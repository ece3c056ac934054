// LlamaEmbeddingEngine and the embedding scheduler on generated BERT models with the real bge vocabulary
// (hearth-mkmodel tiny-bert, tiny-rerank): sizes and pooling, batch invariance (alone vs. packed with others,
// directly and through 32 concurrent scheduler jobs), rerank inputs and scores, refused inputs, load failures.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/backend.h"
#include "engine/llama_embedding_engine.h"
#include "sched/embedding_scheduler.h"
#include "temp_dir.h"

namespace hearth {
namespace {

using engine::LlamaEmbeddingEngine;
using namespace std::chrono_literals;

void ensure_backend() {
    static engine::BackendGuard backend;
}

// One generated model per preset for the whole test program (generation takes a second or two).
const std::string& generated(const std::string& preset) {
    static testing::TempDir dir;
    static std::map<std::string, std::string> files;
    auto it = files.find(preset);
    if (it == files.end()) {
        const std::string file = (dir.path() / (preset + ".gguf")).string();
        const std::string command =
            std::string(HEARTH_MKMODEL) + " --preset " + preset + " --type f16 --seed 3 -o " + file + " >/dev/null";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
        it = files.emplace(preset, file).first;
    }
    return it->second;
}

std::unique_ptr<LlamaEmbeddingEngine> load(const std::string& preset, int32_t n_batch = 2048) {
    ensure_backend();
    engine::EmbeddingEngineOptions options;
    options.path = generated(preset);
    options.n_batch = n_batch;
    options.n_threads = 1;
    auto engine = LlamaEmbeddingEngine::load(options);
    EXPECT_TRUE(engine) << engine.error().message;
    return engine ? std::move(engine).value() : nullptr;
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
    double dot = 0, na = 0, nb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        dot += static_cast<double>(a[i]) * b[i];
        na += static_cast<double>(a[i]) * a[i];
        nb += static_cast<double>(b[i]) * b[i];
    }
    return dot / std::sqrt(na * nb);
}

std::vector<std::vector<int32_t>> sample_inputs(const LlamaEmbeddingEngine& engine) {
    std::vector<std::vector<int32_t>> out;
    for (const char* text :
         {"hello", "The quick brown fox jumps over the lazy dog.",
          "Embeddings turn text into vectors; rerankers score pairs.", "a b c d e f g h i j k l m"}) {
        out.push_back(engine.tokenize(text).value());
    }
    std::string long_text;
    for (int i = 0; i < 60; ++i) {
        long_text += "word" + std::to_string(i) + " ";
    }
    out.push_back(engine.tokenize(long_text).value());
    return out;
}

std::vector<float> embed_one(LlamaEmbeddingEngine& engine, const std::vector<int32_t>& input) {
    auto out = engine.embed({std::span<const int32_t>(input)});
    EXPECT_TRUE(out) << out.error().message;
    return out ? out->at(0) : std::vector<float>{};
}

TEST(EmbeddingEngine, LoadsBertWithItsPooling) {
    auto engine = load("tiny-bert");
    ASSERT_TRUE(engine);
    EXPECT_EQ(engine->kind(), core::ModelKind::EMBEDDING);
    EXPECT_EQ(engine->pooling(), "cls");
    EXPECT_EQ(engine->n_out(), 64);
    EXPECT_EQ(engine->n_ctx(), 512);
    EXPECT_EQ(engine->n_batch(), 2048);
    // bge's WordPiece vocabulary: [CLS] hello [SEP].
    EXPECT_EQ(engine->tokenize("hello").value(), (std::vector<int32_t>{101, 7592, 102}));
}

TEST(EmbeddingEngine, BatchedOutputsEqualSingleOnes) {
    auto engine = load("tiny-bert");
    ASSERT_TRUE(engine);
    const auto inputs = sample_inputs(*engine);
    std::vector<std::span<const int32_t>> spans(inputs.begin(), inputs.end());
    auto batched = engine->embed(spans);
    ASSERT_TRUE(batched) << batched.error().message;
    ASSERT_EQ(batched->size(), inputs.size());
    for (size_t i = 0; i < inputs.size(); ++i) {
        const std::vector<float> alone = embed_one(*engine, inputs[i]);
        ASSERT_EQ(alone.size(), 64u);
        EXPECT_GE(cosine(alone, (*batched)[i]), 0.99999) << "input " << i;
        for (size_t k = 0; k < alone.size(); ++k) {
            EXPECT_NEAR(alone[k], (*batched)[i][k], 1e-3 * (1.0 + std::fabs(alone[k]))) << "input " << i;
        }
    }
}

TEST(EmbeddingEngine, RefusesWhatLlamaCppWouldAssertOn) {
    auto engine = load("tiny-bert", 600);
    ASSERT_TRUE(engine);
    const std::vector<int32_t> empty;
    const std::vector<int32_t> too_long(513, 1000);
    const std::vector<int32_t> bad_token = {101, engine->n_vocab(), 102};
    const std::vector<int32_t> negative = {101, -5, 102};
    const std::vector<int32_t> half(400, 1000);
    for (const auto* input : {&empty, &too_long, &bad_token, &negative}) {
        auto out = engine->embed({std::span<const int32_t>(*input)});
        ASSERT_FALSE(out);
        EXPECT_EQ(out.error().code, ErrorCode::INVALID_ARGUMENT) << out.error().message;
    }
    auto over_batch = engine->embed({std::span<const int32_t>(half), std::span<const int32_t>(half)});
    ASSERT_FALSE(over_batch);
    EXPECT_EQ(over_batch.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_FALSE(engine->embed({}));
    EXPECT_EQ(embed_one(*engine, {101, 102}).size(), 64u);  // still serving
}

TEST(EmbeddingEngine, RerankerScoresPairs) {
    auto engine = load("tiny-rerank");
    ASSERT_TRUE(engine);
    EXPECT_EQ(engine->kind(), core::ModelKind::RERANK);
    EXPECT_EQ(engine->pooling(), "rank");
    EXPECT_EQ(engine->n_out(), 1);
    // As llama-server builds it for this vocabulary (add_bos and add_sep, no add_eos): [CLS] query [SEP] document.
    const auto pair = engine->rerank_tokens("hello", "world").value();
    EXPECT_EQ(pair, (std::vector<int32_t>{101, 7592, 102, 2088}));
    const auto other = engine->rerank_tokens("hello", "a much longer document about pandas").value();
    auto both = engine->embed({std::span<const int32_t>(pair), std::span<const int32_t>(other)});
    ASSERT_TRUE(both) << both.error().message;
    EXPECT_TRUE(std::isfinite((*both)[0][0]));
    EXPECT_NEAR((*both)[0][0], embed_one(*engine, pair)[0], 1e-4);
    EXPECT_NEAR((*both)[1][0], embed_one(*engine, other)[0], 1e-4);
}

TEST(EmbeddingEngine, LoadFailuresAreErrors) {
    ensure_backend();
    engine::EmbeddingEngineOptions options;
    options.path = "/no/such/model.gguf";
    auto missing = LlamaEmbeddingEngine::load(options);
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error().code, ErrorCode::NOT_FOUND);
    testing::TempDir dir;
    options.path = dir.write("junk.gguf", "not a model at all");
    EXPECT_FALSE(LlamaEmbeddingEngine::load(options));
    options.path = generated("tiny-bert");
    options.n_seq_max = 0;
    EXPECT_FALSE(LlamaEmbeddingEngine::load(options));
}

TEST(EmbeddingScheduler, ThirtyTwoConcurrentJobsEqualSingleRuns) {
    auto engine = load("tiny-bert");
    ASSERT_TRUE(engine);
    const auto inputs = sample_inputs(*engine);
    std::vector<std::vector<float>> alone;
    for (const auto& input : inputs) {
        alone.push_back(embed_one(*engine, input));
    }
    sched::EmbeddingSchedulerConfig config;
    config.batch_window = 20ms;
    sched::EmbeddingScheduler scheduler(*engine, config, nullptr);
    std::vector<std::shared_ptr<core::EmbeddingChannel>> channels;
    for (size_t j = 0; j < 32; ++j) {
        core::EmbeddingJob job;
        job.inputs = {inputs[j % inputs.size()]};
        job.done = std::make_shared<core::EmbeddingChannel>(1);
        channels.push_back(job.done);
        ASSERT_TRUE(scheduler.submit(std::move(job)));
    }
    for (size_t j = 0; j < channels.size(); ++j) {
        std::optional<core::EmbeddingOutcome> outcome;
        ASSERT_EQ(channels[j]->pop(outcome, 30s), PopStatus::OK);
        ASSERT_TRUE(*outcome) << outcome->error().message;
        EXPECT_GE(cosine((*outcome)->vectors.at(0), alone[j % inputs.size()]), 0.99999) << "job " << j;
    }
    EXPECT_LT(scheduler.stats().batches, 32u);  // coalesced
}

}  // namespace
}  // namespace hearth
