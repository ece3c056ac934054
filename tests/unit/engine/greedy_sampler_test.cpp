// GreedySampler and greedy_biases against llama.cpp's own chain: for every row, the token equals what
// make_sampler_chain's chain (logit bias, then greedy) selects from the full candidate array that
// llama_sampler_sample builds.

#include "engine/greedy_sampler.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "engine/llama_sampler_chain.h"

namespace hearth::engine {
namespace {

constexpr float INF = std::numeric_limits<float>::infinity();

// What llama_sampler_sample does once it has the logits row: candidates {id, logit, 0} in id order, the
// chain applied, the selected id.
int32_t llama_pick(llama_sampler* chain, const std::vector<float>& logits) {
    std::vector<llama_token_data> cur(logits.size());
    for (size_t i = 0; i < logits.size(); ++i) {
        cur[i] = llama_token_data{static_cast<llama_token>(i), logits[i], 0.0f};
    }
    llama_token_data_array cur_p{cur.data(), cur.size(), -1, false};
    llama_sampler_apply(chain, &cur_p);
    return cur[static_cast<size_t>(cur_p.selected)].id;
}

SamplerVocab vocab_of(int32_t n_vocab) {
    SamplerVocab vocab;
    vocab.n_vocab = n_vocab;
    vocab.n_ctx_per_slot = 512;
    vocab.eog_tokens = {n_vocab - 1, 2};
    vocab.suppress_tokens = {5};
    return vocab;
}

core::SamplingParams greedy_params() {
    core::SamplingParams params;
    params.temperature = 0.0f;
    return params;
}

// Both ways, through the public constructors: the fast path must agree with the chain it replaces.
void expect_same_pick(const core::SamplingParams& params, const SamplerVocab& vocab, const std::vector<float>& logits) {
    const auto biases = greedy_biases(params, vocab);
    ASSERT_TRUE(biases.has_value());
    llama_sampler_ptr chain = make_sampler_chain(params, vocab);
    EXPECT_EQ(GreedySampler(*biases, vocab.n_vocab).pick(logits.data()), llama_pick(chain.get(), logits));
}

TEST(GreedySampler, MatchesLlamaChainOnRandomRowsWithBiases) {
    std::mt19937 rng(7);
    std::normal_distribution<float> logit(0.0f, 3.0f);
    for (const int32_t n_vocab : {1, 7, 8, 9, 64, 1000, 32003}) {
        const SamplerVocab vocab = vocab_of(n_vocab);
        for (int round = 0; round < 20; ++round) {
            std::vector<float> logits(static_cast<size_t>(n_vocab));
            for (float& v : logits) {
                v = logit(rng);
            }
            core::SamplingParams params = greedy_params();
            params.ignore_eos = round % 2 == 0;
            std::uniform_int_distribution<int32_t> token(0, n_vocab - 1);
            // Duplicates add up in order; tokens outside the vocabulary are dropped.
            const int32_t target = token(rng);
            params.logit_bias = {{target, 7.5f}, {token(rng), -100.0f}, {target, 1.25f}, {n_vocab + 3, 50.0f}};
            expect_same_pick(params, vocab, logits);
        }
    }
}

// Small integer logits tie often; biases land at the first and last tokens, next to each other and on the
// row's maximum, which exercises every boundary of the runs between biased tokens.
TEST(GreedySampler, MatchesLlamaChainWithTiesAndBiasesAtTheEdges) {
    std::mt19937 rng(11);
    std::uniform_int_distribution<int> small(-3, 3);
    const std::vector<std::vector<std::pair<int32_t, float>>> bias_sets = {
        {{0, 3.0f}},
        {{0, -INF}},
        {{19, 2.0f}},
        {{19, -INF}, {18, -INF}},
        {{4, 1.0f}, {5, 1.0f}},
        {{7, 0.0f}, {7, 0.0f}},
        {{0, 6.0f}, {19, 6.0f}},
        {{3, -1.0f}, {3, 1.0f}, {10, 2.0f}},
    };
    for (int round = 0; round < 200; ++round) {
        std::vector<float> logits(20);
        for (float& v : logits) {
            v = static_cast<float>(small(rng));
        }
        for (const auto& set : bias_sets) {
            core::SamplingParams params = greedy_params();
            params.logit_bias = set;
            SamplerVocab vocab = vocab_of(20);
            vocab.suppress_tokens.clear();
            vocab.eog_tokens.clear();
            expect_same_pick(params, vocab, logits);
        }
    }
}

TEST(GreedySampler, BiasesOnTheFirstTokenDecideTheNanRule) {
    SamplerVocab vocab = vocab_of(12);
    vocab.suppress_tokens.clear();
    std::vector<float> logits(12, 1.0f);
    logits[0] = -INF;
    logits[8] = 2.0f;
    core::SamplingParams params = greedy_params();
    params.logit_bias = {{0, INF}};  // -inf + inf is NaN: llama then keeps token 0
    expect_same_pick(params, vocab, logits);
    EXPECT_EQ(GreedySampler({{0, INF}}, 12).pick(logits.data()), 0);
    logits[0] = NAN;
    params.logit_bias = {{0, -INF}};  // NaN stays NaN
    expect_same_pick(params, vocab, logits);
    logits[0] = 5.0f;  // banned, the next largest wins
    expect_same_pick(params, vocab, logits);
    EXPECT_EQ(GreedySampler({{0, -INF}}, 12).pick(logits.data()), 8);
}

TEST(GreedySampler, TiesGoToTheFirstIndex) {
    const SamplerVocab vocab = vocab_of(40);
    std::vector<float> logits(40, 1.0f);
    logits[11] = 4.0f;
    logits[17] = 4.0f;
    logits[33] = 4.0f;
    expect_same_pick(greedy_params(), vocab, logits);
    const GreedySampler plain({}, 40);
    EXPECT_EQ(plain.pick(logits.data()), 11);
    // Signed zeros compare equal: the first one stays.
    std::vector<float> zeros(40, -1.0f);
    zeros[3] = -0.0f;
    zeros[9] = 0.0f;
    EXPECT_EQ(plain.pick(zeros.data()), 3);
    expect_same_pick(greedy_params(), vocab, zeros);
}

TEST(GreedySampler, NanAndInfinitiesBehaveAsInLlama) {
    const SamplerVocab vocab = vocab_of(24);
    const GreedySampler plain({}, 24);
    std::vector<float> logits(24, 0.5f);
    logits[6] = NAN;
    logits[14] = 2.0f;
    EXPECT_EQ(plain.pick(logits.data()), 14);  // a NaN never wins
    expect_same_pick(greedy_params(), vocab, logits);
    logits[0] = NAN;
    EXPECT_EQ(plain.pick(logits.data()), 0);  // nothing is greater than a first NaN
    expect_same_pick(greedy_params(), vocab, logits);
    std::vector<float> banned(24, -INF);
    EXPECT_EQ(plain.pick(banned.data()), 0);
    expect_same_pick(greedy_params(), vocab, banned);
    banned[20] = INF;
    expect_same_pick(greedy_params(), vocab, banned);
    EXPECT_EQ(plain.pick(banned.data()), 20);
}

TEST(GreedySampler, IgnoreEosAndSuppressedTokensAreBanned) {
    const SamplerVocab vocab = vocab_of(16);
    std::vector<float> logits(16, 0.0f);
    logits[15] = 9.0f;  // end of generation
    logits[5] = 8.0f;   // suppressed
    logits[2] = 7.0f;   // end of generation
    logits[9] = 1.0f;
    core::SamplingParams params = greedy_params();
    EXPECT_EQ(GreedySampler(*greedy_biases(params, vocab), 16).pick(logits.data()), 15);
    params.ignore_eos = true;
    EXPECT_EQ(GreedySampler(*greedy_biases(params, vocab), 16).pick(logits.data()), 9);
    expect_same_pick(params, vocab, logits);
}

TEST(GreedyBiases, OnlyForChainsOfBiasesThenGreedy) {
    const SamplerVocab vocab = vocab_of(100);
    EXPECT_TRUE(greedy_biases(greedy_params(), vocab).has_value());
    core::SamplingParams nan_temperature = greedy_params();
    nan_temperature.temperature = NAN;  // make_sampler_chain treats NaN as greedy too
    EXPECT_TRUE(greedy_biases(nan_temperature, vocab).has_value());

    core::SamplingParams drawn;  // temperature 1
    EXPECT_FALSE(greedy_biases(drawn, vocab).has_value());
    core::SamplingParams penalised = greedy_params();
    penalised.repeat_penalty = 1.1f;
    EXPECT_FALSE(greedy_biases(penalised, vocab).has_value());
    penalised.repeat_penalty = 1.0f;
    penalised.presence_penalty = 0.5f;
    EXPECT_FALSE(greedy_biases(penalised, vocab).has_value());
    // A penalty with an empty window adds no sampler: still greedy only.
    penalised.penalty_last_n = 0;
    EXPECT_TRUE(greedy_biases(penalised, vocab).has_value());
    // Neutralised values add no penalty sampler either.
    core::SamplingParams neutral = greedy_params();
    neutral.frequency_penalty = NAN;
    neutral.repeat_penalty = -2.0f;
    EXPECT_TRUE(greedy_biases(neutral, vocab).has_value());
}

}  // namespace
}  // namespace hearth::engine
