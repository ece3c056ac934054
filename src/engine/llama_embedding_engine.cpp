#include "engine/llama_embedding_engine.h"

#include <llama.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "engine/device_selection.h"
#include "engine/llama_guarded.h"
#include "engine/llama_tokenize.h"
#include "engine/model_probe.h"
#include "util/log.h"

namespace hearth::engine {

namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

Result<void> validate_options(const EmbeddingEngineOptions& options) {
    const auto max_seqs = static_cast<int32_t>(llama_max_parallel_sequences());
    if (options.n_seq_max < 1 || options.n_seq_max > max_seqs) {
        return invalid("n_seq_max must be in [1, " + std::to_string(max_seqs) + "], got " +
                       std::to_string(options.n_seq_max));
    }
    if (options.n_batch < 1) {
        return invalid("n_batch must be >= 1");
    }
    return {};
}

llama_model_ptr load_model(const std::string& path, int32_t n_gpu_layers) {
    llama_model_params params = llama_model_default_params();
    params.n_gpu_layers = n_gpu_layers;
    // The local GPUs only: never the devices another model's RPC workers registered.
    auto plan = plan_devices("", {});
    if (!plan) {
        return nullptr;
    }
    params.devices = plan->devices.data();
    return load_model_guarded(path, params);
}

void replace_all(std::string& text, std::string_view from, std::string_view to) {
    for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
        text.replace(at, from.size(), to);
    }
}

}  // namespace

Result<std::unique_ptr<LlamaEmbeddingEngine>> LlamaEmbeddingEngine::load(const EmbeddingEngineOptions& options) {
    if (auto valid = validate_options(options); !valid) {
        return valid.error();
    }
    auto info = probe_model_file(options.path);
    if (!info) {
        return info.error();
    }
    if (info->kind != core::ModelKind::EMBEDDING && info->kind != core::ModelKind::RERANK) {
        return invalid(options.path + " is a " + std::string(core::to_string(info->kind)) +
                       " model, not an embedding or rerank model");
    }
    auto engine = std::make_unique<LlamaEmbeddingEngine>(Passkey{});
    engine->kind_ = info->kind;
    engine->model_ = load_model(options.path, options.n_gpu_layers);
    if (!engine->model_) {
        return invalid("llama.cpp cannot load " + options.path + " (the engine log has its reason)");
    }
    engine->vocab_ = llama_model_get_vocab(engine->model_.get());
    engine->n_vocab_ = llama_vocab_n_tokens(engine->vocab_);
    if (auto context = engine->create_context(options); !context) {
        return context.error();
    }
    log::info("loaded {}: {} pooling, {} outputs, {} tokens per input, {} tokens x {} sequences per batch",
              options.path, engine->pooling(), engine->n_out_, engine->n_ctx_, engine->n_batch(), engine->n_seq_max_);
    return engine;
}

Result<void> LlamaEmbeddingEngine::create_context(const EmbeddingEngineOptions& options) {
    llama_context_params params = llama_context_default_params();
    params.embeddings = true;
    params.pooling_type = LLAMA_POOLING_TYPE_UNSPECIFIED;  // the model's own
    // Encoders take a batch as one compute pass (n_ubatch == n_batch). One KV buffer for every sequence: a
    // causal model (last-token pooling) keeps its cache for one batch only, cleared before the next.
    params.n_ctx = static_cast<uint32_t>(options.n_batch);
    params.n_batch = static_cast<uint32_t>(options.n_batch);
    params.n_ubatch = static_cast<uint32_t>(options.n_batch);
    params.n_seq_max = static_cast<uint32_t>(options.n_seq_max);
    params.kv_unified = true;
    if (options.n_threads > 0) {
        params.n_threads = options.n_threads;
        params.n_threads_batch = options.n_threads;
    }
    params.no_perf = true;
    ctx_ = init_context_guarded(model_.get(), params);
    if (!ctx_) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "llama.cpp cannot create an embedding context of " +
                                                        std::to_string(options.n_batch) + " tokens for " +
                                                        options.path + " (the engine log has details)");
    }
    pooling_ = llama_pooling_type(ctx_.get());
    if (pooling_ == LLAMA_POOLING_TYPE_NONE) {
        return invalid(options.path + " has no pooling (one vector per token): not servable as embeddings");
    }
    const auto n_batch = static_cast<int32_t>(std::min(llama_n_batch(ctx_.get()), llama_n_ubatch(ctx_.get())));
    batch_ = LlamaBatch(n_batch);
    n_seq_max_ = static_cast<int32_t>(llama_n_seq_max(ctx_.get()));
    // Positions beyond the training context would index past the position embeddings.
    n_ctx_ = std::min(n_batch, llama_model_n_ctx_train(model_.get()));
    n_out_ = pooling_ == LLAMA_POOLING_TYPE_RANK ? static_cast<int32_t>(llama_model_n_cls_out(model_.get()))
                                                 : llama_model_n_embd_out(model_.get());
    if (n_out_ < 1 || n_ctx_ < 1) {
        return invalid(options.path + ": the model reports no outputs or no context");
    }
    return {};
}

std::string_view LlamaEmbeddingEngine::pooling() const {
    switch (pooling_) {
        case LLAMA_POOLING_TYPE_MEAN: return "mean";
        case LLAMA_POOLING_TYPE_CLS: return "cls";
        case LLAMA_POOLING_TYPE_LAST: return "last";
        case LLAMA_POOLING_TYPE_RANK: return "rank";
        default: return "none";
    }
}

Result<std::vector<int32_t>> LlamaEmbeddingEngine::tokenize(std::string_view text) const {
    return tokenize_text(vocab_, text, true, true);
}

Result<std::vector<int32_t>> LlamaEmbeddingEngine::rerank_tokens(std::string_view query,
                                                                 std::string_view document) const {
    if (const char* templ = llama_model_chat_template(model_.get(), "rerank"); templ != nullptr) {
        std::string prompt = templ;
        replace_all(prompt, "{query}", query);
        replace_all(prompt, "{document}", document);
        return tokenize_text(vocab_, prompt, false, true);
    }
    auto query_tokens = tokenize_text(vocab_, query, false, false);
    auto doc_tokens = tokenize_text(vocab_, document, false, false);
    if (!query_tokens || !doc_tokens) {
        return query_tokens ? doc_tokens.error() : query_tokens.error();
    }
    llama_token eos = llama_vocab_eos(vocab_);
    if (eos == LLAMA_TOKEN_NULL) {
        eos = llama_vocab_sep(vocab_);
    }
    std::vector<int32_t> out;
    if (llama_vocab_get_add_bos(vocab_)) {
        out.push_back(llama_vocab_bos(vocab_));
    }
    out.insert(out.end(), query_tokens->begin(), query_tokens->end());
    if (llama_vocab_get_add_eos(vocab_)) {
        out.push_back(eos);
    }
    if (llama_vocab_get_add_sep(vocab_)) {
        out.push_back(llama_vocab_sep(vocab_));
    }
    out.insert(out.end(), doc_tokens->begin(), doc_tokens->end());
    if (llama_vocab_get_add_eos(vocab_)) {
        out.push_back(eos);
    }
    return out;
}

Result<void> LlamaEmbeddingEngine::check_inputs(const std::vector<std::span<const int32_t>>& inputs) const {
    if (inputs.empty() || static_cast<int64_t>(inputs.size()) > n_seq_max_) {
        return invalid("a batch holds 1 to " + std::to_string(n_seq_max_) + " sequences, got " +
                       std::to_string(inputs.size()));
    }
    int64_t total = 0;
    for (const auto& input : inputs) {
        if (input.empty() || static_cast<int64_t>(input.size()) > n_ctx_) {
            return invalid("a sequence holds 1 to " + std::to_string(n_ctx_) + " tokens, got " +
                           std::to_string(input.size()));
        }
        for (int32_t token : input) {
            if (token < 0 || token >= n_vocab_) {
                return invalid("token id " + std::to_string(token) + " is outside the vocabulary [0, " +
                               std::to_string(n_vocab_) + ")");
            }
        }
        total += static_cast<int64_t>(input.size());
    }
    if (total > n_batch()) {
        return invalid("a batch holds at most " + std::to_string(n_batch()) + " tokens, got " + std::to_string(total));
    }
    return {};
}

Result<std::vector<std::vector<float>>> LlamaEmbeddingEngine::embed(
    const std::vector<std::span<const int32_t>>& inputs) {
    if (auto valid = check_inputs(inputs); !valid) {
        return valid.error();
    }
    batch_.clear();
    for (size_t seq = 0; seq < inputs.size(); ++seq) {
        for (size_t pos = 0; pos < inputs[seq].size(); ++pos) {
            batch_.add(inputs[seq][pos], static_cast<int32_t>(pos), static_cast<int32_t>(seq), true);
        }
    }
    llama_memory_t memory = llama_get_memory(ctx_.get());  // null for encoders
    int32_t rc = 0;
    try {
        if (memory != nullptr) {
            llama_memory_clear(memory, true);  // every sequence starts at position 0
        }
        rc = llama_decode(ctx_.get(), batch_.view());
    } catch (const std::exception& e) {
        return make_error(ErrorCode::INTERNAL, std::string("llama_decode threw: ") + e.what());
    }
    if (rc != 0) {
        return make_error(ErrorCode::INTERNAL, "llama_decode failed with code " + std::to_string(rc));
    }
    std::vector<std::vector<float>> out;
    out.reserve(inputs.size());
    for (size_t seq = 0; seq < inputs.size(); ++seq) {
        const float* pooled = llama_get_embeddings_seq(ctx_.get(), static_cast<llama_seq_id>(seq));
        if (pooled == nullptr) {
            return make_error(ErrorCode::INTERNAL, "llama.cpp returned no pooled output for a sequence");
        }
        out.emplace_back(pooled, pooled + n_out_);
    }
    return out;
}

}  // namespace hearth::engine
