#pragma once
// EmbeddingEngine over llama.cpp: one embedding or reranking model and one context whose every decode pools
// whole sequences (the model's own pooling: mean, CLS, last, or rank for a cross-encoder's score).
//
// Threads:
// - load() from any thread; BackendGuard must exist first and outlive the engine.
// - Vocabulary queries (tokenize, rerank_tokens, the sizes) are thread-safe: they read state fixed at load.
// - embed() belongs to one thread, the model's embedding scheduler.
//
// Inputs are checked here, never left to llama.cpp's asserts: token ids outside [0, n_vocab), empty or
// over-long sequences, and batches beyond n_batch tokens or n_seq_max sequences are refused.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/model_kind.h"
#include "engine/c_handles.h"
#include "engine/embedding_engine.h"
#include "engine/llama_batch.h"
#include "util/result.h"

namespace hearth::engine {

struct EmbeddingEngineOptions {
    std::string path;
    // Most tokens one forward pass takes, all sequences together; also bounds one input. An encoder runs the
    // whole batch as one compute pass, so this sizes the compute buffers.
    int32_t n_batch = 2048;
    int32_t n_seq_max = 256;    // most sequences per forward pass (llama.cpp allows 256)
    int32_t n_threads = 0;      // 0: llama.cpp's default
    int32_t n_gpu_layers = -1;  // -1: every layer on the GPU when there is one
};

class LlamaEmbeddingEngine final : public EmbeddingEngine {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    // Errors: NOT_FOUND (no file), INVALID_ARGUMENT (bad options, not an embedding or rerank model, no pooling,
    // llama.cpp cannot load it), OUT_OF_MEMORY (the context cannot be created).
    static Result<std::unique_ptr<LlamaEmbeddingEngine>> load(const EmbeddingEngineOptions& options);

    explicit LlamaEmbeddingEngine(Passkey /*only load() constructs*/) {}
    ~LlamaEmbeddingEngine() override = default;
    LlamaEmbeddingEngine(const LlamaEmbeddingEngine&) = delete;
    LlamaEmbeddingEngine& operator=(const LlamaEmbeddingEngine&) = delete;

    // --- thread-safe ---
    int32_t n_batch() const override { return batch_.capacity(); }
    int32_t n_seq_max() const override { return n_seq_max_; }
    int32_t n_ctx() const override { return n_ctx_; }
    int32_t n_out() const override { return n_out_; }
    int32_t n_vocab() const override { return n_vocab_; }
    core::ModelKind kind() const { return kind_; }
    std::string_view pooling() const;  // "mean", "cls", "last" or "rank"
    // Tokens of one input as llama-server makes them: the vocabulary's special tokens added (CLS/SEP), control
    // token text parsed.
    Result<std::vector<int32_t>> tokenize(std::string_view text) const;
    // A reranker's input for one (query, document) pair, as llama-server builds it: the model's "rerank"
    // template when it has one, else [BOS] query [EOS] [SEP] document [EOS] as the vocabulary asks.
    Result<std::vector<int32_t>> rerank_tokens(std::string_view query, std::string_view document) const;

    // --- engine thread ---
    Result<std::vector<std::vector<float>>> embed(const std::vector<std::span<const int32_t>>& inputs) override;

private:
    Result<void> create_context(const EmbeddingEngineOptions& options);
    Result<void> check_inputs(const std::vector<std::span<const int32_t>>& inputs) const;

    // Declared model-first so that the context is destroyed before the model it was made from.
    llama_model_ptr model_;
    llama_context_ptr ctx_;
    const llama_vocab* vocab_ = nullptr;  // owned by model_
    core::ModelKind kind_ = core::ModelKind::EMBEDDING;
    int32_t pooling_ = 0;  // llama_pooling_type of the context
    int32_t n_vocab_ = 0;
    int32_t n_seq_max_ = 0;
    int32_t n_ctx_ = 0;
    int32_t n_out_ = 0;
    LlamaBatch batch_{1};
};

}  // namespace hearth::engine
