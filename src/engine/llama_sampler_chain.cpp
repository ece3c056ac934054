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

void add_penalties(llama_sampler* chain, const core::SamplingParams& params, const SamplerVocab& vocab) {
    const float repeat =
        std::isfinite(params.repeat_penalty) && params.repeat_penalty > 0.0f ? params.repeat_penalty : 1.0f;
    const float frequency = std::isfinite(params.frequency_penalty) ? params.frequency_penalty : 0.0f;
    const float presence = std::isfinite(params.presence_penalty) ? params.presence_penalty : 0.0f;
    if (repeat == 1.0f && frequency == 0.0f && presence == 0.0f) {
        return;
    }
    // The penalty window is a ring buffer of last_n tokens: bound it by what a sequence can hold.
    const int32_t last_n =
        params.penalty_last_n < 0 ? vocab.n_ctx_per_slot : std::min(params.penalty_last_n, vocab.n_ctx_per_slot);
    if (last_n == 0) {
        return;
    }
    llama_sampler_chain_add(chain, llama_sampler_init_penalties(vocab.n_vocab, last_n, repeat, frequency, presence));
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
    if (!(params.temperature > 0.0f)) {  // NaN included
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

}  // namespace hearth::engine
