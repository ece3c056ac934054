#include "engine/llama_grammar.h"

#include <common.h>
#include <llama.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <exception>
#include <optional>
#include <regex>
#include <utility>

#include "engine/llama_sampler_chain.h"
#include "util/log.h"

namespace hearth::engine {

namespace {

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

// Special tokens parsed as such: trigger words and preserved tokens name control tokens ("<tool_call>").
std::vector<int32_t> tokenize_special(const llama_vocab* vocab, const std::string& text) {
    std::vector<int32_t> tokens(text.size() + 2);
    const auto len = static_cast<int32_t>(text.size());
    int32_t n =
        llama_tokenize(vocab, text.data(), len, tokens.data(), static_cast<int32_t>(tokens.size()), false, true);
    if (n < 0) {
        tokens.resize(static_cast<size_t>(-n));
        n = llama_tokenize(vocab, text.data(), len, tokens.data(), static_cast<int32_t>(tokens.size()), false, true);
    }
    tokens.resize(static_cast<size_t>(std::max(n, 0)));
    return tokens;
}

std::string special_piece(const llama_vocab* vocab, int32_t token) {
    std::string piece(32, '\0');
    int32_t n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, true);
    if (n < 0) {
        piece.resize(static_cast<size_t>(-n));
        n = llama_token_to_piece(vocab, token, piece.data(), static_cast<int32_t>(piece.size()), 0, true);
    }
    piece.resize(static_cast<size_t>(std::max(n, 0)));
    return piece;
}

// The generation prompt's tokens as the grammar must consume them. Some tokenizers put a space token before
// the first special token; the text has none, so neither does the grammar (as in common's sampler).
std::vector<int32_t> prefill_tokens(const llama_vocab* vocab, const std::string& generation_prompt) {
    std::vector<int32_t> tokens = tokenize_special(vocab, generation_prompt);
    if (!tokens.empty() && !generation_prompt.empty() &&
        std::isspace(static_cast<unsigned char>(generation_prompt[0])) == 0) {
        const std::string piece = special_piece(vocab, tokens[0]);
        if (!piece.empty() && std::isspace(static_cast<unsigned char>(piece[0])) != 0) {
            tokens.erase(tokens.begin());
        }
    }
    return tokens;
}

// A word that is one preserved token triggers on that token; any other word on its text (as llama-server).
void add_trigger(const llama_vocab* vocab, const GrammarTrigger& trigger, const std::vector<int32_t>& preserved,
                 core::GrammarConstraint& out) {
    switch (trigger.kind) {
        case TriggerKind::WORD: {
            const std::vector<int32_t> ids = tokenize_special(vocab, trigger.value);
            if (ids.size() == 1 && std::find(preserved.begin(), preserved.end(), ids[0]) != preserved.end()) {
                out.trigger_tokens.push_back(ids[0]);
            } else {
                out.trigger_patterns.push_back(regex_escape(trigger.value));
            }
            return;
        }
        case TriggerKind::PATTERN: out.trigger_patterns.push_back(trigger.value); return;
        case TriggerKind::PATTERN_FULL: {
            const std::string& p = trigger.value;
            out.trigger_patterns.push_back(
                p.empty() ? std::string("^$") : (p.front() == '^' ? "" : "^") + p + (p.back() == '$' ? "" : "$"));
            return;
        }
        case TriggerKind::TOKEN: {
            const std::vector<int32_t> ids = tokenize_special(vocab, trigger.value);
            if (trigger.token >= 0) {
                out.trigger_tokens.push_back(trigger.token);
            } else if (ids.size() == 1) {
                out.trigger_tokens.push_back(ids[0]);
            } else {
                out.trigger_patterns.push_back(regex_escape(trigger.value));
            }
            return;
        }
    }
}

llama_sampler* init_grammar(const llama_vocab* vocab, const core::GrammarConstraint& grammar) {
    if (!grammar.lazy) {
        return llama_sampler_init_grammar(vocab, grammar.gbnf.c_str(), "root");
    }
    std::vector<const char*> patterns;
    patterns.reserve(grammar.trigger_patterns.size());
    for (const std::string& pattern : grammar.trigger_patterns) {
        patterns.push_back(pattern.c_str());
    }
    return llama_sampler_init_grammar_lazy_patterns(vocab, grammar.gbnf.c_str(), "root", patterns.data(),
                                                    patterns.size(), grammar.trigger_tokens.data(),
                                                    grammar.trigger_tokens.size());
}

std::vector<llama_token_data> candidates(const float* logits, int32_t n_vocab) {
    std::vector<llama_token_data> out;
    fill_candidates(logits, n_vocab, out);
    return out;
}

bool grammar_allows(llama_sampler* grammar, int32_t token) {
    llama_token_data single{token, 1.0f, 0.0f};
    llama_token_data_array array{&single, 1, -1, false};
    llama_sampler_apply(grammar, &array);
    return std::isfinite(single.logit);
}

// The line of rule `name` ("name ::= ..."), as [begin, end) offsets; npos when absent.
std::pair<size_t, size_t> rule_line(const std::string& gbnf, const std::string& name) {
    const std::string head = name + " ::= ";
    size_t begin = gbnf.rfind(head, 0) == 0 ? 0 : gbnf.find("\n" + head);
    if (begin == std::string::npos) {
        return {std::string::npos, std::string::npos};
    }
    begin += gbnf[begin] == '\n' ? 1 : 0;
    const size_t end = gbnf.find('\n', begin);
    return {begin, end == std::string::npos ? gbnf.size() : end};
}

}  // namespace

std::optional<std::string> contradictory_repetition(const std::string& gbnf) {
    char open = 0;  // '"' inside a literal, '[' inside a character class
    for (size_t i = 0; i < gbnf.size(); ++i) {
        const char c = gbnf[i];
        if (open != 0) {
            i += c == '\\' ? 1 : 0;
            open = (open == '"' && c == '"') || (open == '[' && c == ']') ? 0 : open;
            continue;
        }
        if (c == '"' || c == '[') {
            open = c;
        } else if (c == '#') {
            i = std::min(gbnf.find('\n', i), gbnf.size());
        } else if (c == '{') {
            const char* const end = gbnf.data() + gbnf.size();
            uint64_t low = 0;
            uint64_t high = 0;
            const auto [after_low, low_ec] = std::from_chars(gbnf.data() + i + 1, end, low);
            if (low_ec != std::errc() || after_low == end || *after_low != ',') {
                continue;
            }
            const auto [after_high, high_ec] = std::from_chars(after_low + 1, end, high);
            if (high_ec == std::errc() && after_high != end && *after_high == '}' && high < low) {
                return std::string(gbnf.data() + i, after_high + 1);
            }
        }
    }
    return std::nullopt;
}

std::string tighten_tool_grammar(const std::string& gbnf, bool parallel_tool_calls) {
    std::string out = gbnf;
    const auto [root_begin, root_end] = rule_line(out, "root");
    if (root_begin != std::string::npos) {
        static const std::regex FREE_TEXT(R"( until-[0-9]+\?)");
        const std::string root = out.substr(root_begin, root_end - root_begin);
        out.replace(root_begin, root_end - root_begin, std::regex_replace(root, FREE_TEXT, ""));
    }
    if (!parallel_tool_calls) {
        const auto [calls_begin, calls_end] = rule_line(out, "tool-calls");
        if (calls_begin != std::string::npos &&
            out.compare(calls_begin, calls_end - calls_begin, "tool-calls ::= (tool-call space)+") == 0) {
            out.replace(calls_begin, calls_end - calls_begin, "tool-calls ::= tool-call space");
        }
    }
    return out;
}

Result<core::GrammarConstraint> resolve_grammar(const llama_vocab* vocab, const GrammarRequest& request) {
    core::GrammarConstraint out;
    if (request.gbnf.empty()) {
        return out;
    }
    out.gbnf = request.gbnf;
    out.lazy = request.lazy;
    try {
        const std::vector<int32_t> preserved = preserved_token_ids(vocab, request.preserved_tokens);
        for (const GrammarTrigger& trigger : request.triggers) {
            add_trigger(vocab, trigger, preserved, out);
        }
        if (out.lazy && out.trigger_patterns.empty() && out.trigger_tokens.empty()) {
            return invalid("the chat template asked for a lazy grammar without triggers");
        }
        if (!out.lazy) {
            out.prefill_tokens = prefill_tokens(vocab, request.generation_prompt);
        } else if (!request.thinking_start_tag.empty()) {
            out.reasoning_start = request.thinking_start_tag;
            out.reasoning_ends = request.thinking_end_tags;
            const std::string& prompt = request.generation_prompt;
            const size_t end = prompt.find_last_not_of(" \t\r\n");
            out.starts_in_reasoning =
                end != std::string::npos && prompt.substr(0, end + 1).ends_with(out.reasoning_start);
        }
    } catch (const std::exception& e) {
        return invalid(std::string("grammar triggers: ") + e.what());
    }
    if (auto compiled = make_grammar_sampler(vocab, out); !compiled) {
        return compiled.error();
    }
    return out;
}

std::vector<int32_t> preserved_token_ids(const llama_vocab* vocab, const std::vector<std::string>& tokens) {
    std::vector<int32_t> ids;
    for (const std::string& text : tokens) {
        const std::vector<int32_t> one = tokenize_special(vocab, text);
        if (one.size() == 1) {
            ids.push_back(one[0]);
        }
    }
    return ids;
}

Result<llama_sampler_ptr> make_grammar_sampler(const llama_vocab* vocab, const core::GrammarConstraint& grammar) {
    if (grammar.empty()) {
        return llama_sampler_ptr();
    }
    if (const std::optional<std::string> bad = contradictory_repetition(grammar.gbnf)) {
        return invalid("JSON schema bounds contradict each other: the grammar asks for " + *bad +
                       " repetitions (a minimum above its maximum: minLength/maxLength, minItems/maxItems?)");
    }
    try {
        llama_sampler_ptr sampler(init_grammar(vocab, grammar));
        if (!sampler) {
            return invalid("the output grammar does not compile (the engine log has the parser's reason)");
        }
        for (const int32_t token : grammar.prefill_tokens) {
            llama_sampler_accept(sampler.get(), token);
        }
        return sampler;
    } catch (const std::exception& e) {
        return invalid(std::string("the output grammar cannot start: ") + e.what());
    }
}

Result<int32_t> sample_with_grammar(llama_context* ctx, int32_t index, int32_t n_vocab, llama_sampler* chain,
                                    llama_sampler* grammar, ReasoningGate& gate) {
    try {
        const float* logits = llama_get_logits_ith(ctx, index);
        std::vector<llama_token_data> data = candidates(logits, n_vocab);
        llama_token_data_array cur{data.data(), data.size(), -1, false};
        llama_sampler_apply(chain, &cur);
        int32_t token = cur.selected >= 0 ? cur.data[cur.selected].id : -1;
        if (token < 0 || !grammar_allows(grammar, token)) {
            // Rare once the model follows the grammar: filter first, then draw again.
            data = candidates(logits, n_vocab);
            cur = {data.data(), data.size(), -1, false};
            llama_sampler_apply(grammar, &cur);
            const bool any =
                std::any_of(data.begin(), data.end(), [](const auto& d) { return std::isfinite(d.logit); });
            if (!any) {
                return invalid("the output grammar allows no further token");
            }
            llama_sampler_apply(chain, &cur);
            token = cur.selected >= 0 ? cur.data[cur.selected].id : -1;
            if (token < 0 || !std::isfinite(cur.data[cur.selected].logit)) {
                return invalid("no token the output grammar allows survives the sampling settings (logit_bias?)");
            }
        }
        if (gate.admit(special_piece(llama_model_get_vocab(llama_get_model(ctx)), token))) {
            llama_sampler_accept(grammar, token);
        }
        llama_sampler_accept(chain, token);
        return token;
    } catch (const std::exception& e) {
        return make_error(ErrorCode::INTERNAL, std::string("constrained sampling failed: ") + e.what());
    }
}

}  // namespace hearth::engine
