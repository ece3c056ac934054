// Synthetic prompts and JSONL prompt files of the serving benchmark.

#include "bench/prompt_source.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "temp_dir.h"

namespace hearth::bench {
namespace {

TEST(SyntheticPrompt, HasTheWordCountAndDependsOnlyOnTheSeed) {
    const std::string a = synthetic_prompt(50, 1);
    EXPECT_EQ(std::count(a.begin(), a.end(), ' '), 49);
    EXPECT_EQ(a, synthetic_prompt(50, 1));
    EXPECT_NE(a, synthetic_prompt(50, 2));
    EXPECT_EQ(synthetic_prompt(1, 3).find(' '), std::string::npos);
}

TEST(PromptsFile, ReadsStringsAndObjects) {
    testing::TempDir dir;
    const std::string path =
        dir.write("p.jsonl", "\"plain\"\n\n{\"prompt\": \"from prompt\"}\n{\"text\": \"from text\"}\n");
    auto prompts = read_prompts_jsonl(path);
    ASSERT_TRUE(prompts) << prompts.error().message;
    EXPECT_EQ(*prompts, (std::vector<std::string>{"plain", "from prompt", "from text"}));
}

TEST(PromptsFile, NamesTheBadLine) {
    testing::TempDir dir;
    for (const char* bad : {"\"ok\"\n{\"prompt\": 5}\n", "\"ok\"\nnot json\n", "\"ok\"\n\"\"\n", "\"ok\"\n[1]\n"}) {
        auto prompts = read_prompts_jsonl(dir.write("bad.jsonl", bad));
        ASSERT_FALSE(prompts) << bad;
        EXPECT_EQ(prompts.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_NE(prompts.error().message.find(":2:"), std::string::npos) << prompts.error().message;
    }
    EXPECT_EQ(read_prompts_jsonl(dir.write("empty.jsonl", "\n \n")).error().code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(read_prompts_jsonl((dir.path() / "missing.jsonl").string()).error().code, ErrorCode::NOT_FOUND);
}

}  // namespace
}  // namespace hearth::bench
