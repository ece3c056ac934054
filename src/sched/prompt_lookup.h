#pragma once
// Prompt lookup, the draft-free speculative decoding of llama.cpp's lookup examples and vLLM's n-gram proposer:
// when the sequence's last few tokens also occur earlier in it (in the prompt, or in what was generated), the
// tokens that followed them there are a cheap guess at what follows now. Outputs that repeat their input
// (code edits, summaries, extraction) guess right often; the target model verifies every guess.
// Thread-safe: a pure function.

#include <cstdint>
#include <span>
#include <vector>

namespace hearth::sched {

inline constexpr int32_t LOOKUP_DRAFT_DEFAULT = 8;  // tokens per step when neither request nor model says
inline constexpr int32_t LOOKUP_NGRAM_MAX = 3;      // the longest suffix matched; a longer match is a better guess
// One matching token is too weak a guess: measured on a generated qwen2.5-0.5b, drafts from single-token
// matches were mostly rejected, and a rejected draft still costs its rows in the decode.
inline constexpr int32_t LOOKUP_NGRAM_MIN = 2;

// Up to n_max tokens that followed the most recent earlier occurrence of the longest suffix of `history`
// (LOOKUP_NGRAM_MAX tokens down to LOOKUP_NGRAM_MIN) that occurs earlier. Empty when none does. Negative ids
// (media cells) never match and end a draft.
std::vector<int32_t> prompt_lookup_draft(std::span<const int32_t> history, int32_t n_max);

}  // namespace hearth::sched
