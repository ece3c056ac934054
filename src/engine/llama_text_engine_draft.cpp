// LlamaTextEngine's part in speculative decoding with a draft model: the draft's proposal at an output row,
// and the vocabulary test a draft must pass before its tokens can stand for the target's.
#include <cstring>

#include "engine/llama_text_engine.h"
#include "engine/token_logprobs.h"

namespace hearth::engine {

namespace {

// llama-server's limits (common/speculative.cpp): vocabularies may differ in size by this much (added tokens at
// the end), and the first few ids (special tokens) may differ in text.
constexpr int32_t VOCAB_MAX_SIZE_DIFFERENCE = 128;
constexpr int32_t VOCAB_CHECK_START_TOKEN_ID = 5;

Error mismatch(const std::string& what) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "the draft model does not share the model's vocabulary: " + what);
}

}  // namespace

Result<TokenGuess> LlamaTextEngine::most_likely(int32_t batch_index, bool with_p) {
    check_engine_thread();
    if (output_seq(batch_index) < 0) {
        return make_error(ErrorCode::INVALID_ARGUMENT,
                          "most_likely: row " + std::to_string(batch_index) + " is no output of the last decode");
    }
    return most_likely_token(llama_get_logits_ith(ctx_.get(), batch_index), sampler_vocab_.n_vocab, with_p);
}

Result<void> LlamaTextEngine::check_draft_vocab(const LlamaTextEngine& draft) const {
    const llama_vocab* mine = vocab_;
    const llama_vocab* theirs = draft.vocab_;
    if (llama_vocab_type(mine) != llama_vocab_type(theirs)) {
        return mismatch("tokenizer types differ (" + std::to_string(llama_vocab_type(mine)) + " and " +
                        std::to_string(llama_vocab_type(theirs)) + ")");
    }
    const bool add_bos = llama_vocab_get_add_bos(mine);
    if (add_bos != llama_vocab_get_add_bos(theirs) || (add_bos && llama_vocab_bos(mine) != llama_vocab_bos(theirs))) {
        return mismatch("their BOS tokens differ");
    }
    const bool add_eos = llama_vocab_get_add_eos(mine);
    if (add_eos != llama_vocab_get_add_eos(theirs) || (add_eos && llama_vocab_eos(mine) != llama_vocab_eos(theirs))) {
        return mismatch("their EOS tokens differ");
    }
    const int32_t n_mine = llama_vocab_n_tokens(mine);
    const int32_t n_theirs = llama_vocab_n_tokens(theirs);
    if (std::abs(n_mine - n_theirs) > VOCAB_MAX_SIZE_DIFFERENCE) {
        return mismatch(std::to_string(n_mine) + " tokens against the draft's " + std::to_string(n_theirs));
    }
    for (int32_t id = VOCAB_CHECK_START_TOKEN_ID; id < std::min(n_mine, n_theirs); ++id) {
        if (std::strcmp(llama_vocab_get_text(mine, id), llama_vocab_get_text(theirs, id)) != 0) {
            return mismatch("token " + std::to_string(id) + " is '" + llama_vocab_get_text(mine, id) + "' here and '" +
                            llama_vocab_get_text(theirs, id) + "' in the draft");
        }
    }
    return {};
}

}  // namespace hearth::engine
