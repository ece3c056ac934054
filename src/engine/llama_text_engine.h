#pragma once
// TextEngine over llama.cpp: one model and one context holding n_slots sequences (seq ids 0..n_slots-1),
// each with its own KV cache of n_ctx_per_slot() positions (kv_unified off) and its own sampler chain.
//
// Threads:
// - load() from any thread; BackendGuard must exist first and outlive the engine.
// - Vocabulary and template queries (tokenize, token_to_piece, is_eog, apply_chat_template, the sizes) are
//   thread-safe: they read state fixed at load.
// - The step API (batch_*, decode, sample, accept, reset_sampler, logprobs, seq_*) belongs to one thread,
//   the model's scheduler. The first step call binds that thread; debug builds assert every later call
//   comes from it. request_abort() is the one step-related call allowed from any thread.
//
// Inputs are checked here, never left to llama.cpp's asserts: token ids outside [0, n_vocab), seq ids
// outside [0, n_slots) and positions outside [0, n_ctx_per_slot) are refused.

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/sampling_params.h"
#include "engine/c_handles.h"
#include "engine/chat_template.h"
#include "engine/device_selection.h"
#include "engine/fault_injection.h"
#include "engine/greedy_sampler.h"
#include "engine/llama_batch.h"
#include "engine/llama_grammar.h"
#include "engine/llama_sampler_chain.h"
#include "engine/media_projector.h"
#include "engine/sampling_pool.h"
#include "engine/text_engine.h"
#include "util/result.h"

namespace hearth::engine {

enum class FlashAttn { AUTO, ON, OFF };

// "on", "off"; anything else (callers validate: "auto") is AUTO.
inline FlashAttn flash_attn_from_name(const std::string& name) {
    if (name == "on") {
        return FlashAttn::ON;
    }
    return name == "off" ? FlashAttn::OFF : FlashAttn::AUTO;
}

struct TextEngineOptions {
    std::string path;
    int32_t n_slots = 1;         // parallel sequences (llama n_seq_max)
    int32_t n_ctx_per_slot = 0;  // 0: the model's training context; llama.cpp rounds up to a multiple of 256
    int32_t n_batch = 2048;      // most tokens one decode() takes (logical batch)
    int32_t n_ubatch = 512;      // tokens per compute pass (physical batch); at most n_batch
    int32_t n_threads = 0;       // 0: llama.cpp's default
    // Threads that draw a step's tokens at once (this one among them). 0: the decode's threads, whose cores
    // sit idle while a step samples; every core when the layers are on a GPU, where the decode's CPU threads
    // are few or idle and one step may sample for 64 sequences over a 128k vocabulary.
    int32_t n_sampling_threads = 0;
    int32_t n_gpu_layers = -1;  // -1: every layer on the GPU when there is one
    FlashAttn flash_attn = FlashAttn::AUTO;
    // One KV buffer for all sequences (true) or one stream each (false). Unified runs a step that mixes
    // generating sequences with a prompt chunk as one compute pass, but every token's attention then spans
    // the cells of all sequences: measured on 2 CPU cores with 16 slots of 512 (qwen2.5-0.5b), decode steps
    // took ~1.5x and prompt tokens ~2x as long. Separate streams split a mixed step into two passes (one
    // token of every sequence, then the rest of the chunk), which costs far less.
    bool kv_unified = false;
    // KV cache element types by ggml name: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1 (llama-server's
    // set). A quantized V cache needs flash attention.
    std::string type_k = "f16";
    std::string type_v = "f16";
    // The local ggml devices to offload to, comma-separated names (BackendGuard::devices()); "none" or a CPU
    // device: no local offload. Empty: every local GPU (engine/device_selection.h).
    std::string device;
    // Remote devices: the endpoints (host:port) of `hearth rpc-worker` processes, after the local devices.
    std::vector<std::string> rpc;
    std::string split_mode = "layer";  // none (main_gpu only), layer, row
    int32_t main_gpu = 0;              // index into the offload devices, for split_mode none
    std::vector<float> tensor_split;   // share of the model per offload device; empty: llama.cpp's split
    // A multimodal projector (mmproj GGUF) for this model: images in prompts. Empty: text only.
    std::string mmproj;
    // Load progress (0..1), called on the loading thread.
    std::function<void(float)> progress;
};

// decode() failed because no KV cells were free for the batch: nothing was decoded and the memory is as it
// was, so it is safe to retry with fewer tokens or after freeing sequences.
constexpr ErrorCode DECODE_NO_KV_SLOT = ErrorCode::OVERLOADED;

class LlamaTextEngine final : public TextEngine {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    // Errors: NOT_FOUND (no file), INVALID_ARGUMENT (bad options, not a servable LLM, llama.cpp cannot
    // load it; the reason is in the message), OUT_OF_MEMORY (the context cannot be created).
    static Result<std::unique_ptr<LlamaTextEngine>> load(const TextEngineOptions& options);

    explicit LlamaTextEngine(Passkey /*only load() constructs*/) {}
    ~LlamaTextEngine() override = default;
    LlamaTextEngine(const LlamaTextEngine&) = delete;
    LlamaTextEngine& operator=(const LlamaTextEngine&) = delete;

    // --- thread-safe ---
    int32_t n_slots() const override { return n_slots_; }
    // Threads drawing a step's tokens at once (TextEngineOptions::n_sampling_threads as resolved).
    int sampling_threads() const { return sampling_pool_->threads(); }
    int32_t n_ctx_per_slot() const override { return n_ctx_per_slot_; }
    int32_t n_batch() const override { return batch_.capacity(); }
    int32_t n_vocab() const override { return sampler_vocab_.n_vocab; }
    int32_t n_ctx_train() const { return n_ctx_train_; }
    // Layers per device as llama.cpp placed them at load (device name, count; CPU for what stayed in RAM).
    const std::vector<std::pair<std::string, int>>& layer_placement() const { return layer_placement_; }
    uint64_t n_params() const;
    int32_t bos() const;  // -1 when the vocabulary has none
    int32_t eos() const;  // -1 when the vocabulary has none
    bool is_eog(int32_t token) const override;
    // Raw bytes of the token (may be a partial UTF-8 sequence); control tokens render empty unless
    // special. Empty for an id outside the vocabulary.
    std::string token_to_piece(int32_t token) const override { return token_to_piece(token, false); }
    std::string token_to_piece(int32_t token, bool special) const;
    std::string token_text(int32_t token, bool special) const override { return token_to_piece(token, special); }
    // add_special: BOS/EOS as the model's tokenizer config asks; parse_special: "<|im_start|>" etc. become
    // their control tokens instead of text.
    Result<std::vector<int32_t>> tokenize(std::string_view text, bool add_special, bool parse_special) const;
    bool has_chat_template() const { return chat_template_.available(); }
    // See ChatTemplate::apply (UNSUPPORTED without a template; INVALID_ARGUMENT when rendering fails).
    Result<std::string> apply_chat_template(const std::vector<ChatMessage>& messages, bool add_generation_prompt,
                                            const std::map<std::string, std::string>& kwargs) const {
        return chat_template_.apply(messages, add_generation_prompt, kwargs);
    }
    // See ChatTemplate::render.
    Result<ChatPrompt> render_chat(const ChatRequest& request) const { return chat_template_.render(request); }
    // The template's grammar with token ids resolved against this vocabulary, compiled once to prove it
    // builds (INVALID_ARGUMENT otherwise); see engine::resolve_grammar.
    Result<core::GrammarConstraint> resolve_grammar(const GrammarRequest& request) const {
        return engine::resolve_grammar(vocab_, request);
    }
    std::vector<int32_t> preserved_token_ids(const std::vector<std::string>& tokens) const {
        return engine::preserved_token_ids(vocab_, tokens);
    }
    // Whether `draft` can propose tokens for this model: llama-server's test (common_speculative_are_compatible):
    // the same tokenizer type, BOS and EOS, vocabulary sizes within 128 of each other, and the same text for
    // every token id from 5 up to the smaller size. INVALID_ARGUMENT saying where they differ.
    Result<void> check_draft_vocab(const LlamaTextEngine& draft) const;
    // The most cells of one image decoded in one pass (an image that must be whole, PromptMedia::whole, must fit).
    int32_t n_whole_media() const;
    // The projector when the model was loaded with one (nullptr: text only); its tokenize() is thread-safe.
    const MediaProjector* projector() const { return projector_.get(); }
    // Makes the decode in progress (or the next one) stop early with CANCELLED. CPU backends only.
    void request_abort() { abort_.store(true); }

    // --- engine thread ---
    void batch_clear() override;
    // False (nothing added) when the batch holds n_batch() tokens. An entry with an id or position out of
    // range is not added either, but returns true: the next decode() reports it as INVALID_ARGUMENT
    // without running anything (batch_clear() drops the report).
    bool batch_add(int32_t token, int32_t pos, int32_t seq, bool want_logits) override;
    // Errors: INVALID_ARGUMENT (a refused entry, an empty batch, or llama.cpp rejected the batch, e.g.
    // positions not following the sequence's last one), DECODE_NO_KV_SLOT, CANCELLED (aborted: the
    // micro-batches already computed stay in the KV cache; read seq_pos_max to see how far each got),
    // INTERNAL (fatal; same caveat). Never throws.
    Result<void> decode() override;

    // Replaces the sequence's chain (its penalty history with it) and its grammar. Out-of-range seq: ignored.
    // A grammar that cannot start makes every sample() of the sequence fail rather than run unconstrained.
    void reset_sampler(int32_t seq, const core::SamplingParams& params) override;
    // Samples from the output at batch_index of the last successful decode(), which must belong to seq;
    // the chain records the token (penalties). Errors: INVALID_ARGUMENT.
    Result<int32_t> sample(int32_t seq, int32_t batch_index) override;
    // sample() for several sequences at once: those without a grammar are drawn on the sampling pool.
    std::vector<Result<int32_t>> sample_batch(std::span<const SampleRequest> items) override;
    // Feeds a token into the sequence's penalty history without sampling (e.g. prompt tokens, as
    // llama-server does). Errors: INVALID_ARGUMENT.
    Result<void> accept(int32_t seq, int32_t token) override;
    // The chosen token first, then the top_n most likely, from the raw logits of the last successful
    // decode (log-softmax over the whole vocabulary, before any sampler). Empty when batch_index was not
    // an output or chosen is not a token.
    std::vector<core::TokenLogprob> logprobs(int32_t batch_index, int32_t chosen, int32_t top_n) override;
    // See TextEngine::most_likely (llama_text_engine_draft.cpp).
    Result<TokenGuess> most_likely(int32_t batch_index, bool with_p) override;

    // Media (see TextEngine). encode_media runs on the model's media-encoding thread, not the engine thread.
    Result<MediaEmbedding> encode_media(const core::MediaData& item) override;
    Result<void> decode_media(int32_t seq, int32_t pos, const MediaEmbedding& item, int32_t first,
                              int32_t count) override;

    // KV cache. Out-of-range seq: seq_clear does nothing, seq_truncate returns false, seq_pos_max -1.
    void seq_clear(int32_t seq) override;
    bool seq_truncate(int32_t seq, int32_t from_pos) override;
    Result<std::vector<uint8_t>> seq_state_save(int32_t seq) override;
    Result<void> seq_state_load(int32_t seq, std::span<const uint8_t> state) override;
    int32_t seq_pos_max(int32_t seq) const;  // -1 when the sequence is empty

private:
    // Places and loads the weights (devices_, model_, layer_placement_).
    Result<void> load_weights(const TextEngineOptions& options);
    Result<void> create_context(const TextEngineOptions& options);
    Result<void> load_projector(const TextEngineOptions& options, bool on_gpu);
    void init_vocab_info();
    // The sequence's token from a logits row, by its chain (greedy: GreedySampler), no grammar. Thread-safe
    // for distinct sequences: it touches only that sequence's chain.
    Result<int32_t> draw(int32_t seq, const float* logits);
    void check_engine_thread();
    bool valid_seq(int32_t seq) const { return seq >= 0 && seq < n_slots_; }
    bool valid_token(int32_t token) const { return token >= 0 && token < sampler_vocab_.n_vocab; }
    // The sequence whose logits sit at batch_index after the last successful decode, or -1.
    int32_t output_seq(int32_t batch_index) const;
    void note_refused(std::string reason);

    // Declared model-first so that the context is destroyed before the model it was made from.
    DevicePlan devices_;  // before model_: the model's RPC workers stay held until it is freed
    std::vector<std::pair<std::string, int>> layer_placement_;
    llama_model_ptr model_;
    llama_context_ptr ctx_;
    std::unique_ptr<MediaProjector> projector_;  // reads model_; destroyed before it
    const llama_vocab* vocab_ = nullptr;         // owned by model_
    ChatTemplate chat_template_;
    SamplerVocab sampler_vocab_;
    int32_t n_slots_ = 0;
    int32_t n_ctx_per_slot_ = 0;
    int32_t n_ctx_train_ = 0;

    LlamaBatch batch_{1};
    std::optional<std::string> refused_;                // the first entry batch_add refused since batch_clear
    std::vector<int32_t> output_seqs_;                  // per index of the last decoded batch: seq with logits, or -1
    std::vector<llama_sampler_ptr> samplers_;           // one chain per seq
    std::vector<std::optional<GreedySampler>> greedy_;  // per seq: set when its chain is biases then greedy
    std::unique_ptr<SamplingPool> sampling_pool_;       // draws of several sequences at once (sample_batch)
    std::vector<llama_sampler_ptr> grammars_;           // per seq: its output grammar, or null
    std::vector<std::optional<Error>> grammar_errors_;  // per seq: why its grammar could not start
    std::vector<ReasoningGate> reasoning_gates_;        // per seq: keeps a lazy grammar out of thinking
    // ggml's abort callback (data: this engine), inside each decode: request_abort() and the test fault hook.
    static bool abort_requested(void* engine);
    std::atomic<bool> abort_{false};
    std::unique_ptr<FaultInjection> fault_;  // test-only (engine/fault_injection.h); read by the abort callback
    std::atomic<std::thread::id> engine_thread_{};
};

}  // namespace hearth::engine
