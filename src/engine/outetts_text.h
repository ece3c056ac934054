#pragma once
// The model-independent text side of OuteTTS 0.2 / 0.3 (the WavTokenizer-based models): the English
// normalizer that turns input into the words the model was trained on, the prompt that puts a speaker's
// recorded words and audio codes before the input words, speaker profiles read from OuteTTS speaker JSON,
// and the sentence splitter every speech engine streams long input with (sentence_split.cpp).
// Thread-safe: pure functions.

#include <string>
#include <string_view>
#include <vector>

#include "core/speech_synthesis.h"
#include "util/result.h"

namespace hearth::engine {

// 0.2 separates words with <|text_sep|> and wraps each word's codes in <|code_start|> <|code_end|>;
// 0.3 separates with <|space|> and ends each word's codes with <|space|>.
enum class OuteTtsVersion { V0_2, V0_3 };

// OuteTTS's English normalization, as a list of words (empty when nothing speakable is left): numbers spelled
// out ("42" -> forty two, "3.5" -> three point five, "1,000" -> one thousand, "2nd" -> second; more than 18
// digits digit by digit), "%" -> percent, "&" -> and, accented Latin letters folded to a-z, lowercase;
// - _ / , . \ and Unicode dashes and spaces separate words; every other character is dropped (so "don't" ->
// dont, as the model was trained).
std::vector<std::string> outetts_words(std::string_view text);

// The prompt the language model continues: the speaker's words then `words` in the text part, then the
// speaker's words with their durations and codes in the audio part; the model goes on with `words` in that
// form. An empty speaker (no words) leaves both speaker parts empty.
std::string outetts_prompt(const std::vector<std::string>& words, const core::SpeakerProfile& speaker,
                           OuteTtsVersion version);

// An OuteTTS speaker file: {"text": "...", "words": [{"word": "...", "duration": 0.08, "codes": [257, ...]},
// ...], ...} (other keys ignored). INVALID_ARGUMENT naming the file and the fault when it is not JSON, has no
// words, or a word is empty or holds spaces or "<|" "|>", a duration is negative or not a number, or a word
// has no codes or a code is not an integer in 0..4095 (the WavTokenizer codebook).
Result<core::SpeakerProfile> parse_speaker_profile(std::string_view json, std::string name);

// Splits text into sentences for streaming speech: after . ! ? and … (and runs of them, with closing quotes
// and brackets) followed by whitespace or the end, unless the next word starts in lowercase; after 。！？
// always; and at blank lines. A lone "." does not end a sentence after a known abbreviation ("Mr." "Dr."),
// dotted letters ("e.g." "U.S.") or an initial ("J."); "3.5" has no space after its dot. Pieces over
// max_chars code points (0: no limit) are cut after the last clause mark (", " "; " "，") in the second half of
// the window, else at its last space, else after max_chars code points. Pieces are trimmed and never empty;
// nothing but the whitespace between pieces is dropped, and cuts fall on UTF-8 character boundaries.
std::vector<std::string> split_sentences(std::string_view text, size_t max_chars);

}  // namespace hearth::engine
