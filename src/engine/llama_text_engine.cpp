#include "engine/llama_text_engine.h"

#include <llama.h>

#include <algorithm>
#include <cassert>
#include <exception>
#include <limits>
#include <optional>
#include <thread>
#include <utility>

#include "engine/backend.h"
#include "engine/llama_guarded.h"
#include "engine/llama_tokenize.h"
#include "engine/model_probe.h"
#include "engine/token_logprobs.h"
#include "util/log.h"

namespace hearth::engine {

namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

std::optional<ggml_type> kv_cache_type(const std::string& name) {
    for (const ggml_type type : {GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q8_0, GGML_TYPE_Q4_0,
                                 GGML_TYPE_Q4_1, GGML_TYPE_IQ4_NL, GGML_TYPE_Q5_0, GGML_TYPE_Q5_1}) {
        if (name == ggml_type_name(type)) {
            return type;
        }
    }
    return std::nullopt;
}

Result<void> validate_options(const TextEngineOptions& options) {
    const auto max_seqs = static_cast<int32_t>(llama_max_parallel_sequences());
    if (options.n_slots < 1 || options.n_slots > max_seqs) {
        return invalid("n_slots must be in [1, " + std::to_string(max_seqs) + "], got " +
                       std::to_string(options.n_slots));
    }
    if (options.n_ctx_per_slot < 0) {
        return invalid("n_ctx_per_slot must be >= 0 (0: the model's training context)");
    }
    if (options.n_batch < 1 || options.n_ubatch < 1) {
        return invalid("n_batch and n_ubatch must be >= 1");
    }
    if (options.tensor_split.size() > llama_max_devices()) {
        return invalid("tensor_split has " + std::to_string(options.tensor_split.size()) +
                       " shares; this build knows " + std::to_string(llama_max_devices()) + " devices at most");
    }
    if (split_mode_from_name(options.split_mode) < 0) {
        return invalid("split_mode must be none, layer or row, got '" + options.split_mode + "'");
    }
    for (const auto& endpoint : options.rpc) {
        if (auto valid = validate_rpc_endpoint(endpoint); !valid) {
            return valid;
        }
    }
    for (const auto* type : {&options.type_k, &options.type_v}) {
        if (!kv_cache_type(*type)) {
            return invalid("unknown KV cache type '" + *type +
                           "' (known: f32, f16, bf16, q8_0, q4_0, q4_1, iq4_nl, q5_0, q5_1)");
        }
    }
    const bool v_quantized = options.type_v != "f32" && options.type_v != "f16" && options.type_v != "bf16";
    if (v_quantized && options.flash_attn == FlashAttn::OFF) {
        return invalid("a quantized V cache (" + options.type_v + ") needs flash attention");
    }
    return {};
}

int resolve_sampling_threads(const TextEngineOptions& options, bool on_gpu, int decode_threads) {
    const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    if (options.n_sampling_threads > 0) {
        return options.n_sampling_threads;
    }
    return on_gpu ? cores : std::min(decode_threads, cores);
}

bool report_progress(float progress, void* user_data) {
    const auto& callback = *static_cast<const std::function<void(float)>*>(user_data);
    callback(progress);
    return true;  // never cancel the load
}

llama_model_ptr load_model(const TextEngineOptions& options, DevicePlan& plan) {
    const std::string& path = options.path;
    llama_model_params params = llama_model_default_params();
    params.n_gpu_layers = options.n_gpu_layers;
    params.devices = plan.devices.data();
    params.split_mode = static_cast<llama_split_mode>(split_mode_from_name(options.split_mode));
    params.main_gpu = options.main_gpu;
    // llama.cpp reads one share per device it knows; shorter lists are padded with zeros.
    std::vector<float> split(std::max<size_t>(llama_max_devices(), options.tensor_split.size()), 0.0f);
    std::copy(options.tensor_split.begin(), options.tensor_split.end(), split.begin());
    if (!options.tensor_split.empty()) {
        params.tensor_split = split.data();
    }
    std::function<void(float)> progress = options.progress;  // lives through the load below
    if (progress) {
        params.progress_callback = report_progress;
        params.progress_callback_user_data = &progress;
    }
    return load_model_guarded(path, params);
}

// llama.cpp reads the flag through this pointer while it decodes.
llama_flash_attn_type to_llama(FlashAttn mode) {
    switch (mode) {
        case FlashAttn::ON: return LLAMA_FLASH_ATTN_TYPE_ENABLED;
        case FlashAttn::OFF: return LLAMA_FLASH_ATTN_TYPE_DISABLED;
        case FlashAttn::AUTO: break;
    }
    return LLAMA_FLASH_ATTN_TYPE_AUTO;
}

Error decode_error(int32_t rc) {
    switch (rc) {
        case 1: return make_error(DECODE_NO_KV_SLOT, "no free KV cache cells for the batch (try fewer tokens)");
        case 2: return make_error(ErrorCode::CANCELLED, "decode aborted");
        case -1: return invalid("llama.cpp rejected the batch (see the engine log)");
        default: return make_error(ErrorCode::INTERNAL, "llama_decode failed with code " + std::to_string(rc));
    }
}

}  // namespace

Result<std::unique_ptr<LlamaTextEngine>> LlamaTextEngine::load(const TextEngineOptions& options) {
    if (auto valid = validate_options(options); !valid) {
        return valid.error();
    }
    // The probe names what is wrong with a file (missing, truncated, not a model, an embedding model) in
    // words; llama.cpp would only log it.
    auto info = probe_model_file(options.path);
    if (!info) {
        return info.error();
    }
    // An OuteTTS model is a text model too: its speech is text generation over audio code tokens.
    if (info->kind != core::ModelKind::LLM && info->kind != core::ModelKind::TTS) {
        return invalid(options.path + " is a " + std::string(core::to_string(info->kind)) +
                       " model, not a text-generation model");
    }
    auto engine = std::make_unique<LlamaTextEngine>(Passkey{});
    if (auto weights = engine->load_weights(options); !weights) {
        return weights.error();
    }
    engine->vocab_ = llama_model_get_vocab(engine->model_.get());
    engine->n_ctx_train_ = llama_model_n_ctx_train(engine->model_.get());
    if (auto context = engine->create_context(options); !context) {
        return context.error();
    }
    // Sampling threads and the projector follow the local GPU; RPC workers hold layers only.
    const bool on_gpu = options.n_gpu_layers != 0 && engine->devices_.local_gpu;
    if (auto projector = engine->load_projector(options, on_gpu); !projector) {
        return projector.error();
    }
    engine->init_vocab_info();
    engine->chat_template_ = ChatTemplate::from_model(engine->model_.get());
    // Until the scheduler sets a sequence's parameters, it samples greedily.
    core::SamplingParams greedy;
    greedy.temperature = 0.0f;
    engine->samplers_.resize(static_cast<size_t>(engine->n_slots_));
    engine->greedy_.resize(
        static_cast<size_t>(engine->n_slots_),
        GreedySampler(*greedy_biases(greedy, engine->sampler_vocab_), engine->sampler_vocab_.n_vocab));
    engine->grammars_.resize(static_cast<size_t>(engine->n_slots_));
    engine->grammar_errors_.resize(static_cast<size_t>(engine->n_slots_));
    engine->reasoning_gates_.resize(static_cast<size_t>(engine->n_slots_));
    for (auto& chain : engine->samplers_) {
        chain = make_sampler_chain(greedy, engine->sampler_vocab_);
    }
    const int samplers = resolve_sampling_threads(options, on_gpu, llama_n_threads(engine->ctx_.get()));
    engine->sampling_pool_ = std::make_unique<SamplingPool>(samplers - 1);
    log::info("loaded {}: {} slots x {} tokens, batch {}, vocab {}, {} sampling threads", options.path,
              engine->n_slots_, engine->n_ctx_per_slot_, engine->batch_.capacity(), engine->sampler_vocab_.n_vocab,
              samplers);
    return engine;
}

Result<void> LlamaTextEngine::load_weights(const TextEngineOptions& options) {
    auto devices = plan_devices(options.device, options.rpc);
    if (!devices) {
        return devices.error();
    }
    if (auto split = check_split(*devices, options.main_gpu, options.tensor_split); !split) {
        return split.error();
    }
    devices_ = std::move(*devices);
    const LayerPlacement placement;
    model_ = load_model(options, devices_);
    if (!model_) {
        return invalid("llama.cpp cannot load " + options.path + " (the engine log has its reason)");
    }
    layer_placement_ = placement.layers();
    fault_ = std::make_unique<FaultInjection>(options.path);
    return {};
}

bool LlamaTextEngine::abort_requested(void* engine) {
    const auto* self = static_cast<const LlamaTextEngine*>(engine);
    if (self->fault_) {
        self->fault_->check_inside_decode();
    }
    return self->abort_.load();
}

Result<void> LlamaTextEngine::create_context(const TextEngineOptions& options) {
    const int64_t per_slot = options.n_ctx_per_slot > 0 ? options.n_ctx_per_slot : n_ctx_train_;
    const int64_t total = per_slot * options.n_slots;
    if (per_slot <= 0 || total > std::numeric_limits<int32_t>::max()) {
        return invalid("n_ctx_per_slot x n_slots is out of range");
    }
    llama_context_params params = llama_context_default_params();
    params.n_ctx = static_cast<uint32_t>(total);
    params.n_seq_max = static_cast<uint32_t>(options.n_slots);
    params.n_batch = static_cast<uint32_t>(options.n_batch);
    params.n_ubatch = static_cast<uint32_t>(std::min(options.n_ubatch, options.n_batch));
    params.kv_unified = options.kv_unified;
    params.flash_attn_type = to_llama(options.flash_attn);
    params.type_k = *kv_cache_type(options.type_k);  // validated by load()
    params.type_v = *kv_cache_type(options.type_v);
    if (options.n_threads > 0) {
        params.n_threads = options.n_threads;
        params.n_threads_batch = options.n_threads;
    }
    params.abort_callback = &LlamaTextEngine::abort_requested;
    params.abort_callback_data = this;
    params.no_perf = true;
    ctx_ = init_context_guarded(model_.get(), params);
    if (!ctx_) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "llama.cpp cannot create a context of " + std::to_string(total) +
                                                        " tokens for " + options.path +
                                                        " (usually not enough memory; the engine log has details)");
    }
    // llama.cpp may round the sizes: what it actually made is what the scheduler gets.
    n_slots_ = static_cast<int32_t>(llama_n_seq_max(ctx_.get()));
    n_ctx_per_slot_ = static_cast<int32_t>(llama_n_ctx_seq(ctx_.get()));
    batch_ = LlamaBatch(static_cast<int32_t>(llama_n_batch(ctx_.get())));
    return {};
}

void LlamaTextEngine::init_vocab_info() {
    sampler_vocab_.n_vocab = llama_vocab_n_tokens(vocab_);
    sampler_vocab_.n_ctx_per_slot = n_ctx_per_slot_;
    for (int32_t token = 0; token < sampler_vocab_.n_vocab; ++token) {
        if (llama_vocab_is_eog(vocab_, token)) {
            sampler_vocab_.eog_tokens.push_back(token);
        }
    }
    int32_t n_suppress = 0;
    const llama_token* suppress = llama_vocab_get_suppress_tokens(vocab_, &n_suppress);
    for (int32_t i = 0; suppress != nullptr && i < n_suppress; ++i) {
        if (valid_token(suppress[i])) {
            sampler_vocab_.suppress_tokens.push_back(suppress[i]);
        }
    }
}

// --- thread-safe queries ---

uint64_t LlamaTextEngine::n_params() const {
    return llama_model_n_params(model_.get());
}

int32_t LlamaTextEngine::bos() const {
    return llama_vocab_bos(vocab_);
}

int32_t LlamaTextEngine::eos() const {
    return llama_vocab_eos(vocab_);
}

bool LlamaTextEngine::is_eog(int32_t token) const {
    return valid_token(token) && llama_vocab_is_eog(vocab_, token);
}

std::string LlamaTextEngine::token_to_piece(int32_t token, bool special) const {
    if (!valid_token(token)) {
        return {};
    }
    std::string piece(32, '\0');
    try {
        int32_t n = llama_token_to_piece(vocab_, token, piece.data(), static_cast<int32_t>(piece.size()), 0, special);
        if (n < 0) {  // the piece is longer than the buffer: -n is its length
            piece.resize(static_cast<size_t>(-n));
            n = llama_token_to_piece(vocab_, token, piece.data(), static_cast<int32_t>(piece.size()), 0, special);
        }
        piece.resize(static_cast<size_t>(std::max(n, 0)));
    } catch (const std::exception& e) {
        log::error("token_to_piece({}): {}", token, e.what());
        piece.clear();
    }
    return piece;
}

Result<std::vector<int32_t>> LlamaTextEngine::tokenize(std::string_view text, bool add_special,
                                                       bool parse_special) const {
    return tokenize_text(vocab_, text, add_special, parse_special);
}

// --- engine thread ---

void LlamaTextEngine::check_engine_thread() {
#ifndef NDEBUG
    std::thread::id expected{};
    const std::thread::id self = std::this_thread::get_id();
    if (!engine_thread_.compare_exchange_strong(expected, self)) {
        assert(expected == self && "LlamaTextEngine step API called from a second thread");
    }
#endif
}

void LlamaTextEngine::note_refused(std::string reason) {
    if (!refused_) {
        refused_ = std::move(reason);
    }
}

void LlamaTextEngine::batch_clear() {
    check_engine_thread();
    batch_.clear();
    refused_.reset();
}

bool LlamaTextEngine::batch_add(int32_t token, int32_t pos, int32_t seq, bool want_logits) {
    check_engine_thread();
    if (valid_token(token) && valid_seq(seq) && pos >= 0 && pos < n_ctx_per_slot_) {
        return batch_.add(token, pos, seq, want_logits);
    }
    const std::string where = " at batch index " + std::to_string(batch_.size());
    if (!valid_token(token)) {
        note_refused("token id " + std::to_string(token) + where + " is outside the vocabulary [0, " +
                     std::to_string(sampler_vocab_.n_vocab) + ")");
    } else if (!valid_seq(seq)) {
        note_refused("sequence " + std::to_string(seq) + where + " is outside [0, " + std::to_string(n_slots_) + ")");
    } else {
        note_refused("position " + std::to_string(pos) + where + " is outside the context [0, " +
                     std::to_string(n_ctx_per_slot_) + ")");
    }
    return true;
}

Result<void> LlamaTextEngine::decode() {
    check_engine_thread();
    output_seqs_.clear();  // whatever happens, the previous outputs are no longer the current ones
    if (refused_) {
        return invalid(*refused_);
    }
    if (batch_.empty()) {
        return invalid("decode of an empty batch");
    }
    int32_t rc = 0;
    if (fault_) {
        fault_->before_decode();
    }
    try {
        rc = llama_decode(ctx_.get(), batch_.view());
    } catch (const std::exception& e) {
        abort_.store(false);
        return make_error(ErrorCode::INTERNAL, std::string("llama_decode threw: ") + e.what());
    }
    abort_.store(false);  // an abort request covers one decode
    if (rc != 0) {
        return decode_error(rc);
    }
    output_seqs_.resize(static_cast<size_t>(batch_.size()));
    for (int32_t i = 0; i < batch_.size(); ++i) {
        output_seqs_[static_cast<size_t>(i)] = batch_.wants_logits(i) ? batch_.seq(i) : -1;
    }
    return {};
}

int32_t LlamaTextEngine::output_seq(int32_t batch_index) const {
    if (batch_index < 0 || static_cast<size_t>(batch_index) >= output_seqs_.size()) {
        return -1;
    }
    return output_seqs_[static_cast<size_t>(batch_index)];
}

void LlamaTextEngine::reset_sampler(int32_t seq, const core::SamplingParams& params) {
    check_engine_thread();
    if (!valid_seq(seq)) {
        log::warn("reset_sampler: sequence {} is outside [0, {})", seq, n_slots_);
        return;
    }
    const auto index = static_cast<size_t>(seq);
    samplers_[index] = make_sampler_chain(params, sampler_vocab_);
    greedy_[index].reset();
    if (auto biases = greedy_biases(params, sampler_vocab_)) {
        greedy_[index].emplace(std::move(*biases), sampler_vocab_.n_vocab);
    }
    grammar_errors_[index].reset();
    const core::GrammarConstraint& constraint = params.grammar;
    reasoning_gates_[index] = constraint.lazy ? ReasoningGate(constraint.reasoning_start, constraint.reasoning_ends,
                                                              constraint.starts_in_reasoning)
                                              : ReasoningGate();
    auto grammar = make_grammar_sampler(vocab_, params.grammar);
    if (grammar) {
        grammars_[index] = std::move(grammar).value();
    } else {
        grammars_[index].reset();
        grammar_errors_[index] = grammar.error();
    }
}

Result<int32_t> LlamaTextEngine::sample(int32_t seq, int32_t batch_index) {
    check_engine_thread();
    if (!valid_seq(seq)) {
        return invalid("sample: sequence " + std::to_string(seq) + " is outside [0, " + std::to_string(n_slots_) + ")");
    }
    if (output_seq(batch_index) != seq) {
        return invalid("sample: batch index " + std::to_string(batch_index) + " is not an output of sequence " +
                       std::to_string(seq) + " in the last decode");
    }
    const auto index = static_cast<size_t>(seq);
    if (grammar_errors_[index]) {
        return *grammar_errors_[index];
    }
    if (grammars_[index]) {
        return sample_with_grammar(ctx_.get(), batch_index, sampler_vocab_.n_vocab, samplers_[index].get(),
                                   grammars_[index].get(), reasoning_gates_[index]);
    }
    return draw(seq, llama_get_logits_ith(ctx_.get(), batch_index));
}

// llama_sampler_sample's work, on a candidate buffer of this thread's own rather than the chain's, so that
// several sequences can draw at once.
Result<int32_t> LlamaTextEngine::draw(int32_t seq, const float* logits) {
    if (logits == nullptr) {
        return make_error(ErrorCode::INTERNAL, "sample: no logits for sequence " + std::to_string(seq));
    }
    const auto index = static_cast<size_t>(seq);
    if (greedy_[index]) {  // the chain's answer without a copy of the vocabulary: see GreedySampler
        return greedy_[index]->pick(logits);
    }
    thread_local std::vector<llama_token_data> candidates;
    fill_candidates(logits, sampler_vocab_.n_vocab, candidates);
    llama_token_data_array cur{candidates.data(), candidates.size(), -1, false};
    try {
        llama_sampler_apply(samplers_[index].get(), &cur);
    } catch (const std::exception& e) {
        return make_error(ErrorCode::INTERNAL, std::string("sampling failed: ") + e.what());
    }
    if (cur.selected < 0 || static_cast<size_t>(cur.selected) >= cur.size) {
        return make_error(ErrorCode::INTERNAL, "sampling selected no token");
    }
    const int32_t token = cur.data[cur.selected].id;
    llama_sampler_accept(samplers_[index].get(), token);
    return token;
}

std::vector<Result<int32_t>> LlamaTextEngine::sample_batch(std::span<const SampleRequest> items) {
    check_engine_thread();
    std::vector<Result<int32_t>> out(items.size(), make_error(ErrorCode::INTERNAL, "not sampled"));
    std::vector<size_t> pooled;
    std::vector<const float*> rows(items.size(), nullptr);
    std::vector<bool> taken(static_cast<size_t>(n_slots_), false);  // a chain is drawn by one thread at a time
    for (size_t i = 0; i < items.size(); ++i) {
        const auto [seq, batch_index] = items[i];
        const bool plain = valid_seq(seq) && output_seq(batch_index) == seq && !taken[static_cast<size_t>(seq)] &&
                           !grammar_errors_[static_cast<size_t>(seq)] && !grammars_[static_cast<size_t>(seq)];
        if (!plain) {
            out[i] = sample(seq, batch_index);  // errors and grammars, one at a time on this thread
            continue;
        }
        rows[i] = llama_get_logits_ith(ctx_.get(), batch_index);  // here: it synchronizes the context
        taken[static_cast<size_t>(seq)] = true;
        pooled.push_back(i);
    }
    sampling_pool_->run(pooled.size(), [&](size_t k) {
        const size_t i = pooled[k];
        out[i] = draw(items[i].seq, rows[i]);
    });
    return out;
}

Result<void> LlamaTextEngine::accept(int32_t seq, int32_t token) {
    check_engine_thread();
    if (!valid_seq(seq) || !valid_token(token)) {
        return invalid("accept: sequence " + std::to_string(seq) + " or token " + std::to_string(token) +
                       " out of range");
    }
    llama_sampler_accept(samplers_[static_cast<size_t>(seq)].get(), token);
    return {};
}

std::vector<core::TokenLogprob> LlamaTextEngine::logprobs(int32_t batch_index, int32_t chosen, int32_t top_n) {
    check_engine_thread();
    if (output_seq(batch_index) < 0 || !valid_token(chosen)) {
        return {};
    }
    const float* logits = llama_get_logits_ith(ctx_.get(), batch_index);
    std::vector<core::TokenLogprob> out = logprobs_from_logits(logits, sampler_vocab_.n_vocab, chosen, top_n);
    for (core::TokenLogprob& entry : out) {
        entry.text = token_to_piece(entry.token);
    }
    return out;
}

void LlamaTextEngine::seq_clear(int32_t seq) {
    check_engine_thread();
    if (valid_seq(seq)) {
        llama_memory_seq_rm(llama_get_memory(ctx_.get()), seq, -1, -1);
    }
}

bool LlamaTextEngine::seq_truncate(int32_t seq, int32_t from_pos) {
    check_engine_thread();
    if (!valid_seq(seq)) {
        return false;
    }
    llama_memory_t memory = llama_get_memory(ctx_.get());
    // A sliding-window cache (Gemma 2/3, ...) drops cells that left every window: a prefix of from_pos tokens is
    // usable only while the cells its next token attends to are still there (llama-server's test), else the kept
    // cells would answer as if the dropped ones were there. The end-to-end vision test met it: a Gemma 3
    // conversation reusing a prefix through an image answered other tokens than llama-server.
    const int32_t n_swa = llama_model_n_swa(model_.get());
    const int32_t pos_min = llama_memory_seq_pos_min(memory, seq);
    if (n_swa > 0 && from_pos > 0 && pos_min > std::max(0, from_pos - n_swa)) {
        return false;
    }
    // Recurrent and hybrid memories cannot drop a tail; they answer false and keep everything.
    return llama_memory_seq_rm(memory, seq, std::max(from_pos, 0), -1);
}

Result<std::vector<uint8_t>> LlamaTextEngine::seq_state_save(int32_t seq) {
    check_engine_thread();
    if (!valid_seq(seq)) {
        return invalid("seq_state_save: sequence " + std::to_string(seq) + " is outside [0, " +
                       std::to_string(n_slots_) + ")");
    }
    std::vector<uint8_t> state(llama_state_seq_get_size_ext(ctx_.get(), seq, 0));
    if (state.empty() || llama_state_seq_get_data_ext(ctx_.get(), state.data(), state.size(), seq, 0) != state.size()) {
        return make_error(ErrorCode::INTERNAL, "could not copy the state of sequence " + std::to_string(seq));
    }
    return state;
}

Result<void> LlamaTextEngine::seq_state_load(int32_t seq, std::span<const uint8_t> state) {
    check_engine_thread();
    if (!valid_seq(seq)) {
        return invalid("seq_state_load: sequence " + std::to_string(seq) + " is outside [0, " +
                       std::to_string(n_slots_) + ")");
    }
    // 0 is llama.cpp's failure (a state of another shape, or no room); it may have cleared the sequence.
    if (llama_state_seq_set_data_ext(ctx_.get(), state.data(), state.size(), seq, 0) != state.size()) {
        return make_error(ErrorCode::INTERNAL, "could not restore a state into sequence " + std::to_string(seq));
    }
    return {};
}

int32_t LlamaTextEngine::seq_pos_max(int32_t seq) const {
    if (!valid_seq(seq)) {
        return -1;
    }
    return llama_memory_seq_pos_max(llama_get_memory(ctx_.get()), seq);
}

}  // namespace hearth::engine
