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

std::vector<std::pair<int, int>> pairs(const std::vector<LengthPair>& lengths) {
    std::vector<std::pair<int, int>> out;
    for (const auto& l : lengths) {
        out.emplace_back(l.input, l.output);
    }
    return out;
}

TEST(LengthsFile, JsonPairsObjectsAndCsv) {
    testing::TempDir dir;
    auto json = read_lengths_file(dir.write("l.json", " [[12, 34], {\"input\": 5, \"output\": 6}]"));
    ASSERT_TRUE(json) << json.error().message;
    EXPECT_EQ(pairs(*json), (std::vector<std::pair<int, int>>{{12, 34}, {5, 6}}));
    auto csv = read_lengths_file(dir.write("l.csv", "input,output\n100, 20\n\n7,8\r\n"));
    ASSERT_TRUE(csv) << csv.error().message;
    EXPECT_EQ(pairs(*csv), (std::vector<std::pair<int, int>>{{100, 20}, {7, 8}}));
}

TEST(LengthsFile, NamesWhatIsWrong) {
    testing::TempDir dir;
    const auto refused = [&](const std::string& text, const std::string& where) {
        auto lengths = read_lengths_file(dir.write("bad", text));
        ASSERT_FALSE(lengths) << text;
        EXPECT_EQ(lengths.error().code, ErrorCode::INVALID_ARGUMENT) << text;
        EXPECT_NE(lengths.error().message.find(where), std::string::npos) << lengths.error().message;
    };
    refused("[[1, 2], [3]]", "entry 1");
    refused("[[1, 2], [0, 5]]", "entry 1");
    refused("[[1.5, 2]]", "entry 0");
    refused("[{\"input\": 3}]", "entry 0");
    refused("[[1, 2]", "not JSON");
    refused("{\"input\": 3, \"output\": 4}", ":1");  // not an array: read as CSV, and not numbers
    refused("1,2\n3;4\n", ":2");
    refused("1,2\n3,4,5\n", ":2");
    refused("1,2\n-3,4\n", ":2");
    refused("in,out\n", "no length pairs");
    refused("[]", "no length pairs");
    EXPECT_EQ(read_lengths_file((dir.path() / "missing").string()).error().code, ErrorCode::NOT_FOUND);
}

}  // namespace
}  // namespace hearth::bench
