#include "sched/prompt_lookup.h"

#include <gtest/gtest.h>

namespace hearth::sched {
namespace {

using Tokens = std::vector<int32_t>;

TEST(PromptLookup, DraftsWhatFollowedTheLongestEarlierMatch) {
    // The suffix [3, 4] occurred at 2: what followed it there is the draft.
    EXPECT_EQ(prompt_lookup_draft(Tokens{1, 2, 3, 4, 5, 6, 7, 9, 3, 4}, 4), (Tokens{5, 6, 7, 9}));
    // The longest suffix wins over a more recent shorter one: [8, 3, 4] at 0 beats [3, 4] at 6.
    EXPECT_EQ(prompt_lookup_draft(Tokens{8, 3, 4, 10, 11, 5, 3, 4, 12, 8, 3, 4}, 2), (Tokens{10, 11}));
    // Of two occurrences, the most recent.
    EXPECT_EQ(prompt_lookup_draft(Tokens{7, 8, 1, 7, 8, 2, 7, 8}, 1), (Tokens{2}));
    // The draft may run into the suffix itself (a repeating pattern).
    EXPECT_EQ(prompt_lookup_draft(Tokens{5, 6, 5, 6}, 8), (Tokens{5, 6}));
    // One matching token is no match.
    EXPECT_TRUE(prompt_lookup_draft(Tokens{7, 1, 7, 2, 7}, 4).empty());
}

TEST(PromptLookup, NothingToDraft) {
    EXPECT_TRUE(prompt_lookup_draft(Tokens{}, 8).empty());
    EXPECT_TRUE(prompt_lookup_draft(Tokens{1}, 8).empty());
    EXPECT_TRUE(prompt_lookup_draft(Tokens{1, 2, 3, 4}, 8).empty());
    EXPECT_TRUE(prompt_lookup_draft(Tokens{1, 2, 1}, 0).empty());
}

TEST(PromptLookup, MediaCellsNeverMatchAndEndADraft) {
    EXPECT_EQ(prompt_lookup_draft(Tokens{3, 4, -9, -9, 5, 3, 4}, 8), (Tokens{}));  // a draft may not start in media
    EXPECT_EQ(prompt_lookup_draft(Tokens{3, 4, 6, -9, 5, 3, 4}, 8), (Tokens{6}));
    EXPECT_TRUE(prompt_lookup_draft(Tokens{-9, 1, -9}, 8).empty());
}

}  // namespace
}  // namespace hearth::sched
