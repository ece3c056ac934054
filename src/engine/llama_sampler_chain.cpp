#include "engine/llama_sampler_chain.h"

#include <llama.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace hearth::engine {

namespace {

constexpr float BANNED = -std::numeric_limits<float>::infinity();

std::vector<llama_logit_bias> collect_biases(const core::SamplingParams& params, const SamplerVocab& vocab) {
    std::vector<llama_logit_bias> biases;
    for (const auto& [token, bias] : params.logit_bias) {
        if (token >= 0 && token < vocab.n_vocab && !std::isnan(bias)) {
            biases.push_back({token, bias});
        }
    }
    for (const int32_t token : vocab.suppress_tokens) {
        biases.push_back({token, BANNED});
    }
    if (params.ignore_eos) {
        for (const int32_t token : vocab.eog_tokens) {
            biases.push_back({token, BANNED});
        }
    }
    return biases;
}

struct Penalties {
    float repeat = 1.0f;
    float frequency = 0.0f;
    float presence = 0.0f;
    int32_t last_n = 0;  // 0: no penalty sampler in the chain
};

Penalties penalties_of(const core::SamplingParams& params, const SamplerVocab& vocab) {
    Penalties out;
    out.repeat = std::isfinite(params.repeat_penalty) && params.repeat_penalty > 0.0f ? params.repeat_penalty : 1.0f;
    out.frequency = std::isfinite(params.frequency_penalty) ? params.frequency_penalty : 0.0f;
    out.presence = std::isfinite(params.presence_penalty) ? params.presence_penalty : 0.0f;
    if (out.repeat == 1.0f && out.frequency == 0.0f && out.presence == 0.0f) {
        return out;
    }
    // The penalty window is a ring buffer of last_n tokens: bound it by what a sequence can hold.
    out.last_n =
        params.penalty_last_n < 0 ? vocab.n_ctx_per_slot : std::min(params.penalty_last_n, vocab.n_ctx_per_slot);
    return out;
}

void add_penalties(llama_sampler* chain, const core::SamplingParams& params, const SamplerVocab& vocab) {
    const Penalties p = penalties_of(params, vocab);
    if (p.last_n != 0) {
        llama_sampler_chain_add(
            chain, llama_sampler_init_penalties(vocab.n_vocab, p.last_n, p.repeat, p.frequency, p.presence));
    }
}

bool is_greedy(const core::SamplingParams& params) {
    return !(params.temperature > 0.0f);  // NaN included
}

}  // namespace

llama_sampler_ptr make_sampler_chain(const core::SamplingParams& params, const SamplerVocab& vocab) {
    llama_sampler_chain_params chain_params = llama_sampler_chain_default_params();
    chain_params.no_perf = true;
    llama_sampler_ptr chain(llama_sampler_chain_init(chain_params));

    const std::vector<llama_logit_bias> biases = collect_biases(params, vocab);
    if (!biases.empty()) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_logit_bias(
                                                 vocab.n_vocab, static_cast<int32_t>(biases.size()), biases.data()));
    }
    add_penalties(chain.get(), params, vocab);

    // Greedy is exact argmax (after bias and penalties), not a draw at a tiny temperature: temperature 0
    // must give the same text on every run and in every batch.
    if (is_greedy(params)) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_greedy());
        return chain;
    }
    if (params.top_k > 0) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_top_k(params.top_k));
    }
    if (params.top_p >= 0.0f && params.top_p < 1.0f) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_top_p(params.top_p, 1));
    }
    if (params.min_p > 0.0f && params.min_p <= 1.0f) {
        llama_sampler_chain_add(chain.get(), llama_sampler_init_min_p(params.min_p, 1));
    }
    llama_sampler_chain_add(chain.get(), llama_sampler_init_temp(params.temperature));
    llama_sampler_chain_add(chain.get(), llama_sampler_init_dist(params.seed.value_or(LLAMA_DEFAULT_SEED)));
    return chain;
}

void fill_candidates(const float* logits, int32_t n_vocab, std::vector<llama_token_data>& out) {
    out.resize(static_cast<size_t>(n_vocab));
    for (int32_t token = 0; token < n_vocab; ++token) {
        out[static_cast<size_t>(token)] = llama_token_data{token, logits[token], 0.0f};
    }
}

std::optional<std::vector<llama_logit_bias>> greedy_biases(const core::SamplingParams& params,
                                                           const SamplerVocab& vocab) {
    if (!is_greedy(params) || penalties_of(params, vocab).last_n != 0) {
        return std::nullopt;
    }
    return collect_biases(params, vocab);
}

}  // namespace hearth::engine
