#pragma once
// Grammar-constrained sampling over llama.cpp's GBNF sampler, as llama.cpp common's sampler does it: the
// grammar is a sampler of its own beside the chain (so that prompt tokens fed to the chain for penalties never
// reach it), a token is drawn with the chain alone and kept when the grammar accepts it, else drawn again
// from the grammar-filtered candidates. Thread-safe: no shared state.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/sampling_params.h"
#include "engine/c_handles.h"
#include "engine/reasoning_gate.h"
#include "util/result.h"

namespace hearth::engine {

enum class TriggerKind { WORD, PATTERN, PATTERN_FULL, TOKEN };

// When a lazy grammar starts constraining, as the chat template states it.
struct GrammarTrigger {
    TriggerKind kind = TriggerKind::WORD;
    std::string value;   // the word or regex (TOKEN: the token's text)
    int32_t token = -1;  // TOKEN: the id, or -1 to look it up from value
};

// What a chat template asks of sampling, before token ids are resolved against a vocabulary.
struct GrammarRequest {
    std::string gbnf;
    bool lazy = false;
    std::vector<GrammarTrigger> triggers;
    std::vector<std::string> preserved_tokens;  // special tokens the grammar and parser see as text
    std::string generation_prompt;              // consumed by a non-lazy grammar before generation starts
    std::string thinking_start_tag;             // the model's thinking block, when it has one
    std::vector<std::string> thinking_end_tags;
};

// llama.cpp's tool-call grammars let the model write free text before its first call even when a call is
// required, and repeat a per-call block whatever parallel_tool_calls says; a random or stubborn model then
// talks until max_tokens without calling. For tool_choice required (or a named function) this drops the free
// text from the root rule, and without parallel calls it allows one call block. Grammars of another shape
// come back unchanged.
std::string tighten_tool_grammar(const std::string& gbnf, bool parallel_tool_calls);

// A repetition {m,n} with n < m outside literals and character classes, as text. llama.cpp's GBNF parser
// computes n - m unsigned and builds that many rules: a schema with minLength above maxLength (or minItems
// above maxItems) would exhaust memory instead of failing, so make_grammar_sampler refuses such grammars.
std::optional<std::string> contradictory_repetition(const std::string& gbnf);

// The constraint with every id resolved; compiled once here so that a grammar that does not build (or does
// not accept its own prefill) is an INVALID_ARGUMENT before any request is queued.
Result<core::GrammarConstraint> resolve_grammar(const llama_vocab* vocab, const GrammarRequest& request);

// The ids of those preserved tokens that are single tokens of the vocabulary.
std::vector<int32_t> preserved_token_ids(const llama_vocab* vocab, const std::vector<std::string>& tokens);

// A fresh grammar sampler with its prefill consumed; null when the constraint is empty.
Result<llama_sampler_ptr> make_grammar_sampler(const llama_vocab* vocab, const core::GrammarConstraint& grammar);

// Draws the token at batch output `index` with `chain` under `grammar` and records it in both (in the
// grammar only when `gate` admits its text).
// Errors: INVALID_ARGUMENT when the grammar allows no token the chain would draw (e.g. every allowed token
// banned by logit_bias), INTERNAL when llama.cpp throws.
Result<int32_t> sample_with_grammar(llama_context* ctx, int32_t index, int32_t n_vocab, llama_sampler* chain,
                                    llama_sampler* grammar, ReasoningGate& gate);

}  // namespace hearth::engine
