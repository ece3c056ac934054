// OuteTTS's text side: the normalizer's words, the exact prompts of 0.2 and 0.3 (spelled out here by hand from
// OuteTTS's format, not built by the code under test), speaker files and their faults, and the sentence
// splitter's cuts and its no-loss guarantee on random text.

#include "engine/outetts_text.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "util/utf8.h"

namespace hearth::engine {
namespace {

using Words = std::vector<std::string>;

TEST(OuteTtsWordsTest, LowercasesAndSplitsOnPunctuation) {
    EXPECT_EQ(outetts_words("Hello, World!"), (Words{"hello", "world"}));
    EXPECT_EQ(outetts_words("  don't stop_now/here\\there.  e-mail  "),
              (Words{"dont", "stop", "now", "here", "there", "e", "mail"}));
    EXPECT_EQ(outetts_words("tabs\tand\nnewlines"), (Words{"tabs", "and", "newlines"}));
    EXPECT_EQ(outetts_words("(quoted) \"text\" [x]"), (Words{"quoted", "text", "x"}));
    EXPECT_EQ(outetts_words("50% & more"), (Words{"fifty", "percent", "and", "more"}));
}

TEST(OuteTtsWordsTest, SpellsIntegers) {
    EXPECT_EQ(outetts_words("I have 3 apples and 21 pears"),
              (Words{"i", "have", "three", "apples", "and", "twenty", "one", "pears"}));
    EXPECT_EQ(outetts_words("0 007 10 19 40 100 110"),
              (Words{"zero", "seven", "ten", "nineteen", "forty", "one", "hundred", "one", "hundred", "ten"}));
    EXPECT_EQ(outetts_words("1234567"), (Words{"one", "million", "two", "hundred", "thirty", "four", "thousand", "five",
                                               "hundred", "sixty", "seven"}));
    EXPECT_EQ(outetts_words("1,000,000 and 12,345"),
              (Words{"one", "million", "and", "twelve", "thousand", "three", "hundred", "forty", "five"}));
    EXPECT_EQ(outetts_words("12,34"), (Words{"twelve", "thirty", "four"}));
    EXPECT_EQ(outetts_words("1000000000000"), (Words{"one", "trillion"}));
    EXPECT_EQ(outetts_words("2000000000005"), (Words{"two", "trillion", "five"}));
    EXPECT_EQ(
        outetts_words("999999999999999999"),
        (Words{"nine", "hundred", "ninety", "nine", "quadrillion", "nine", "hundred", "ninety", "nine", "trillion",
               "nine", "hundred", "ninety", "nine", "billion",     "nine", "hundred", "ninety", "nine", "million",
               "nine", "hundred", "ninety", "nine", "thousand",    "nine", "hundred", "ninety", "nine"}));
    // Past 18 digits: a code, read digit by digit.
    EXPECT_EQ(outetts_words("1234567890123456789").size(), 19u);
    EXPECT_EQ(outetts_words("1234567890123456789").front(), "one");
    EXPECT_EQ(outetts_words("mp3 abc1def"), (Words{"mp", "three", "abc", "one", "def"}));
}

TEST(OuteTtsWordsTest, SpellsDecimalsAndOrdinals) {
    EXPECT_EQ(outetts_words("3.5"), (Words{"three", "point", "five"}));
    EXPECT_EQ(outetts_words("0.05."), (Words{"zero", "point", "zero", "five"}));
    EXPECT_EQ(outetts_words("1.2.3"), (Words{"one", "point", "two", "three"}));
    EXPECT_EQ(outetts_words("It costs 3."), (Words{"it", "costs", "three"}));
    EXPECT_EQ(outetts_words("1st 2nd 3rd 4th 5th 8th 9th 12th 20th 21st 100th"),
              (Words{"first", "second", "third", "fourth", "fifth", "eighth", "ninth", "twelfth", "twentieth", "twenty",
                     "first", "one", "hundredth"}));
    EXPECT_EQ(outetts_words("2ND"), (Words{"second"}));
    EXPECT_EQ(outetts_words("4three 5stx"), (Words{"four", "three", "five", "stx"}));
}

TEST(OuteTtsWordsTest, FoldsAccentsAndDropsOtherScripts) {
    EXPECT_EQ(outetts_words("Café naïve Ærø Straße Łódź ÉCOLE"),
              (Words{"cafe", "naive", "aero", "strasse", "lodz", "ecole"}));
    EXPECT_EQ(outetts_words("word\u2014word\u2026next\u00A0one\u3000two"),
              (Words{"word", "word", "next", "one", "two"}));
    EXPECT_EQ(outetts_words("it\u2019s \u201Cquoted\u201D"), (Words{"its", "quoted"}));
    EXPECT_EQ(outetts_words("日本語 text"), (Words{"text"}));
    EXPECT_EQ(outetts_words("ab\xFF"
                            "cd \xE2\x82"),
              (Words{"abcd"}));
}

TEST(OuteTtsWordsTest, NothingSpeakableGivesNoWords) {
    EXPECT_TRUE(outetts_words("").empty());
    EXPECT_TRUE(outetts_words("   \n\t ").empty());
    EXPECT_TRUE(outetts_words("!!! ??? ... -- ()").empty());
    EXPECT_TRUE(outetts_words("日本語").empty());
}

core::SpeakerProfile two_word_speaker() {
    core::SpeakerProfile speaker;
    speaker.name = "test";
    speaker.words = {{"hello", 0.25, {1, 2}}, {"world", 0.5, {3}}};
    return speaker;
}

TEST(OuteTtsPromptTest, Version02WithSpeaker) {
    EXPECT_EQ(outetts_prompt({"good", "day"}, two_word_speaker(), OuteTtsVersion::V0_2),
              "<|im_start|>\n<|text_start|>hello<|text_sep|>world<|text_sep|>good<|text_sep|>day<|text_end|>\n"
              "<|audio_start|>\n"
              "hello<|t_0.25|><|code_start|><|1|><|2|><|code_end|>\n"
              "world<|t_0.50|><|code_start|><|3|><|code_end|>\n");
}

TEST(OuteTtsPromptTest, Version03WithSpeaker) {
    EXPECT_EQ(outetts_prompt({"good", "day"}, two_word_speaker(), OuteTtsVersion::V0_3),
              "<|im_start|>\n<|text_start|>hello<|space|>world<|space|>good<|space|>day<|text_end|>\n"
              "<|audio_start|>\n"
              "hello<|t_0.25|><|1|><|2|><|space|>\n"
              "world<|t_0.50|><|3|><|space|>\n");
}

TEST(OuteTtsPromptTest, WithoutSpeaker) {
    const core::SpeakerProfile none;
    EXPECT_EQ(outetts_prompt({"good", "day"}, none, OuteTtsVersion::V0_2),
              "<|im_start|>\n<|text_start|>good<|text_sep|>day<|text_end|>\n<|audio_start|>\n");
    EXPECT_EQ(outetts_prompt({"hi"}, none, OuteTtsVersion::V0_3),
              "<|im_start|>\n<|text_start|>hi<|text_end|>\n<|audio_start|>\n");
}

TEST(OuteTtsPromptTest, DurationsHaveTwoDecimals) {
    core::SpeakerProfile speaker;
    speaker.words = {{"a", 1.006, {4095}}, {"b", 0, {0}}, {"c", 12.3, {7}}};
    EXPECT_EQ(outetts_prompt({}, speaker, OuteTtsVersion::V0_3),
              "<|im_start|>\n<|text_start|>a<|space|>b<|space|>c<|space|><|text_end|>\n<|audio_start|>\n"
              "a<|t_1.01|><|4095|><|space|>\nb<|t_0.00|><|0|><|space|>\nc<|t_12.30|><|7|><|space|>\n");
}

TEST(SpeakerProfileTest, ParsesAnOuteTtsSpeakerFile) {
    const Result<core::SpeakerProfile> profile = parse_speaker_profile(
        R"({"text": "hello world", "version": "0.2", "global_features": {"energy": 1},
            "words": [{"word": "hello", "duration": 0.25, "codes": [1, 4095]},
                      {"word": "world", "duration": 0, "codes": [0], "features": {"pitch": 3}}]})",
        "en_male_1");
    ASSERT_TRUE(profile) << profile.error().message;
    EXPECT_EQ(profile->name, "en_male_1");
    EXPECT_EQ(profile->text, "hello world");
    ASSERT_EQ(profile->words.size(), 2u);
    EXPECT_EQ(profile->words[0].word, "hello");
    EXPECT_DOUBLE_EQ(profile->words[0].duration, 0.25);
    EXPECT_EQ(profile->words[0].codes, (std::vector<int32_t>{1, 4095}));
    EXPECT_EQ(profile->words[1].word, "world");
    EXPECT_EQ(profile->words[1].codes, (std::vector<int32_t>{0}));
}

TEST(SpeakerProfileTest, TextIsOptional) {
    const Result<core::SpeakerProfile> profile =
        parse_speaker_profile(R"({"words": [{"word": "a", "duration": 1, "codes": [5]}]})", "x");
    ASSERT_TRUE(profile) << profile.error().message;
    EXPECT_TRUE(profile->text.empty());
    EXPECT_DOUBLE_EQ(profile->words[0].duration, 1.0);
}

void expect_bad_profile(const std::string& json, const std::string& needle) {
    SCOPED_TRACE(json);
    const Result<core::SpeakerProfile> profile = parse_speaker_profile(json, "voice7");
    ASSERT_FALSE(profile);
    EXPECT_EQ(profile.error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(profile.error().message.find("speaker profile 'voice7': "), std::string::npos) << profile.error().message;
    EXPECT_NE(profile.error().message.find(needle), std::string::npos) << profile.error().message;
}

std::string one_word(const std::string& fields) {
    return R"({"words": [{"word": "ok", "duration": 0.1, "codes": [1]}, {)" + fields + "}]}";
}

TEST(SpeakerProfileTest, RejectsBadFiles) {
    expect_bad_profile("", "not valid JSON");
    expect_bad_profile(R"({"words": [)", "not valid JSON");
    expect_bad_profile("[]", "not a JSON object");
    expect_bad_profile(R"({"text": "hi"})", "words must be a non-empty array");
    expect_bad_profile(R"({"words": []})", "words must be a non-empty array");
    expect_bad_profile(R"({"words": {"word": "a"}})", "words must be a non-empty array");
    expect_bad_profile(R"({"text": 5, "words": [{"word": "a", "duration": 1, "codes": [1]}]})", "text is not a string");
    expect_bad_profile(R"({"words": [3]})", "words[0] is not an object");
}

TEST(SpeakerProfileTest, RejectsBadWords) {
    expect_bad_profile(one_word(R"("duration": 0.1, "codes": [1])"), "words[1].word must be one word");
    expect_bad_profile(one_word(R"("word": 7, "duration": 0.1, "codes": [1])"), "words[1].word must be one word");
    expect_bad_profile(one_word(R"("word": "", "duration": 0.1, "codes": [1])"), "words[1].word must be one word");
    expect_bad_profile(one_word(R"("word": "a b", "duration": 0.1, "codes": [1])"), "words[1].word");
    expect_bad_profile(one_word(R"("word": "a<|im_end|>", "duration": 0.1, "codes": [1])"), "words[1].word");
    expect_bad_profile(one_word(R"("word": "a", "codes": [1])"), "words[1].duration must be a number");
    expect_bad_profile(one_word(R"("word": "a", "duration": "0.1", "codes": [1])"), "words[1].duration must be");
    expect_bad_profile(one_word(R"("word": "a", "duration": -0.01, "codes": [1])"), "words[1].duration is negative");
    // A number past double's range is a JSON parse error here, before any duration check.
    expect_bad_profile(one_word(R"("word": "a", "duration": 1e999, "codes": [1])"), "not valid JSON");
}

TEST(SpeakerProfileTest, RejectsBadCodes) {
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1)"), "words[1] has no codes");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": [])"), "words[1].codes must be a non-empty");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": 5)"), "words[1].codes must be a non-empty");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": [1, 2.5])"),
                       "words[1].codes[1] is not an integer");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": [1, 2.0])"),
                       "words[1].codes[1] is not an integer");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": ["3"])"),
                       "words[1].codes[0] is not an integer");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": [-1])"),
                       "words[1].codes[0] is outside 0..4095");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": [0, 4096])"),
                       "words[1].codes[1] is outside 0..4095");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": [18446744073709551615])"),
                       "words[1].codes[0] is outside 0..4095");
    expect_bad_profile(one_word(R"("word": "a", "duration": 0.1, "codes": [-9223372036854775808])"),
                       "words[1].codes[0] is outside 0..4095");
}

using Pieces = std::vector<std::string>;

TEST(SplitSentencesTest, CutsAfterSentenceMarks) {
    EXPECT_EQ(split_sentences("Hello world. How are you? I am fine!", 0),
              (Pieces{"Hello world.", "How are you?", "I am fine!"}));
    EXPECT_EQ(split_sentences("Wait... What?! \"Really.\" (Yes.) No", 0),
              (Pieces{"Wait...", "What?!", "\"Really.\"", "(Yes.)", "No"}));
    EXPECT_EQ(split_sentences("Wait\u2026 Go on.\u201D Next", 0), (Pieces{"Wait\u2026", "Go on.\u201D", "Next"}));
    EXPECT_EQ(split_sentences("no marks at all", 0), (Pieces{"no marks at all"}));
    EXPECT_EQ(split_sentences("  padded.   \n  ", 0), (Pieces{"padded."}));
}

TEST(SplitSentencesTest, KeepsAbbreviationsAndNumbersTogether) {
    EXPECT_EQ(split_sentences("Mr. Smith met Dr. Jones. They spoke e.g. about U.S. Law. Pi is 3.14. Done.", 0),
              (Pieces{"Mr. Smith met Dr. Jones.", "They spoke e.g. about U.S. Law.", "Pi is 3.14.", "Done."}));
    EXPECT_EQ(split_sentences("J. R. R. Tolkien wrote books. Many.", 0),
              (Pieces{"J. R. R. Tolkien wrote books.", "Many."}));
    EXPECT_EQ(split_sentences("It ended. and then it went on", 0), (Pieces{"It ended. and then it went on"}));
    EXPECT_EQ(split_sentences("Visit example.com today. Yes", 0), (Pieces{"Visit example.com today.", "Yes"}));
}

TEST(SplitSentencesTest, CutsCjkAndBlankLines) {
    EXPECT_EQ(split_sentences("你好。我是AI！谢谢？「好。」完", 0),
              (Pieces{"你好。", "我是AI！", "谢谢？", "「好。」", "完"}));
    EXPECT_EQ(split_sentences("Title\n\nBody text here\nstill body", 0),
              (Pieces{"Title", "Body text here\nstill body"}));
    EXPECT_EQ(split_sentences("A\n \r\n B", 0), (Pieces{"A", "B"}));
}

TEST(SplitSentencesTest, EmptyInputGivesNoPieces) {
    EXPECT_TRUE(split_sentences("", 0).empty());
    EXPECT_TRUE(split_sentences(" \n\n\t ", 10).empty());
}

TEST(SplitSentencesTest, HardSplitsLongPieces) {
    EXPECT_EQ(split_sentences("one two three four five six", 10), (Pieces{"one two", "three four", "five six"}));
    EXPECT_EQ(split_sentences("alpha beta, gamma delta epsilon", 20), (Pieces{"alpha beta,", "gamma delta epsilon"}));
    // A clause mark early in the window loses to a later space.
    EXPECT_EQ(split_sentences("ab, cdefgh ijklmnop", 12), (Pieces{"ab, cdefgh", "ijklmnop"}));
    EXPECT_EQ(split_sentences("abcdefghij", 4), (Pieces{"abcd", "efgh", "ij"}));
    EXPECT_EQ(split_sentences("\u00E9\u00E9\u00E9\u00E9\u00E9", 2), (Pieces{"\u00E9\u00E9", "\u00E9\u00E9", "\u00E9"}));
    EXPECT_EQ(split_sentences("日本語日本語", 4), (Pieces{"日本語日", "本語"}));
    EXPECT_EQ(split_sentences("日本，語日本語", 5), (Pieces{"日本，", "語日本語"}));
    EXPECT_EQ(split_sentences("Short. A much longer sentence here.", 12),
              (Pieces{"Short.", "A much", "longer", "sentence", "here."}));
}

std::string without_spaces(std::string_view s) {
    std::string out;
    for (const char c : s) {
        if (c != ' ' && c != '\n' && c != '\t' && c != '\r') {
            out += c;
        }
    }
    return out;
}

size_t code_point_count(const std::string& s) {
    size_t n = 0;
    for (const char c : s) {
        n += (static_cast<unsigned char>(c) & 0xC0) == 0x80 ? 0 : 1;
    }
    return n;
}

// Random text from pieces that stress every rule: whatever the cuts, no text is lost, pieces are trimmed,
// non-empty, valid UTF-8 and within the limit.
TEST(SplitSentencesTest, RandomTextLosesNothing) {
    const std::vector<std::string> tokens = {"word",   "Mr.",
                                             "e.g.",   "3.5",
                                             ".",      "!",
                                             "?",      "...",
                                             "\u2026", "\u3002",
                                             "\uFF01", "\u00E9t\u00E9",
                                             "日本語", "\"",
                                             ")",      ",",
                                             " ",      " ",
                                             " ",      "\n",
                                             "\n\n",   "A",
                                             "x",      "\u201D",
                                             "；",     "longerwordwithoutspaces"};
    for (uint32_t seed = 1; seed <= 200; ++seed) {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<size_t> pick(0, tokens.size() - 1);
        std::string text;
        for (int i = 0; i < 60; ++i) {
            text += tokens[pick(rng)];
        }
        for (const size_t max_chars : {size_t{0}, size_t{1}, size_t{3}, size_t{16}, size_t{80}}) {
            SCOPED_TRACE("seed " + std::to_string(seed) + " max " + std::to_string(max_chars) + ": " + text);
            const Pieces pieces = split_sentences(text, max_chars);
            std::string joined;
            for (const std::string& piece : pieces) {
                ASSERT_FALSE(piece.empty());
                ASSERT_NE(piece.front(), ' ');
                ASSERT_NE(piece.back(), '\n');
                ASSERT_TRUE(utf8::is_valid(piece)) << piece;
                if (max_chars > 0) {
                    ASSERT_LE(code_point_count(piece), max_chars) << piece;
                }
                joined += piece;
            }
            ASSERT_EQ(without_spaces(joined), without_spaces(text));
        }
    }
}

TEST(SplitSentencesTest, MalformedUtf8IsKeptWhole) {
    const std::string text = "ab\xFF\xFE cd. \xE2\x82 ef";
    const Pieces pieces = split_sentences(text, 2);
    std::string joined;
    for (const std::string& piece : pieces) {
        joined += piece;
    }
    EXPECT_EQ(without_spaces(joined), without_spaces(text));
}

}  // namespace
}  // namespace hearth::engine
