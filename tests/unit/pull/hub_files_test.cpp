#include "pull/hub_files.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hearth::pull {
namespace {

// A hub answer listing `files` (path, size), every one an LFS file with a made-up sha256.
std::string repo_json(const std::vector<std::pair<std::string, int64_t>>& files) {
    nlohmann::json siblings = nlohmann::json::array();
    siblings.push_back({{"rfilename", "README.md"}, {"size", 10}});  // a plain git file: never a model
    for (const auto& [path, size] : files) {
        siblings.push_back({{"rfilename", path},
                            {"size", size},
                            {"lfs", {{"sha256", std::string(63, 'a') + std::to_string(size % 10)}, {"size", size}}}});
    }
    return nlohmann::json{{"id", "org/repo"}, {"sha", "c0ffee"}, {"siblings", siblings}}.dump();
}

RepoInfo info_of(const std::vector<std::pair<std::string, int64_t>>& files) {
    auto info = parse_repo_info(repo_json(files), "org/repo");
    EXPECT_TRUE(info.has_value());
    return info ? *info : RepoInfo{};
}

Selection picked(const RepoInfo& info, const std::string& ref) {
    auto selection = select_files(info, *parse_hub_ref(ref));
    EXPECT_TRUE(selection.has_value()) << ref << ": " << (selection ? "" : selection.error().message);
    return selection ? *selection : Selection{};
}

TEST(HubFiles, ParsesTheListing) {
    const RepoInfo info = info_of({{"M-Q8_0.gguf", 100}});
    EXPECT_EQ(info.commit, "c0ffee");
    ASSERT_EQ(info.files.size(), 1U);  // README.md has no LFS object
    EXPECT_EQ(info.files[0].path, "M-Q8_0.gguf");
    EXPECT_EQ(info.files[0].size, 100);
    EXPECT_EQ(info.files[0].sha256.size(), 64U);
    for (const char* bad : {"", "[]", "{}", "{\"siblings\": 3}", "not json"}) {
        auto parsed = parse_repo_info(bad, "org/repo");
        ASSERT_FALSE(parsed.has_value()) << bad;
        EXPECT_EQ(parsed.error().code, ErrorCode::UPSTREAM);
    }
}

TEST(HubFiles, DefaultTagIsQ4KMElseTheSmallestOfFourBitsOrMore) {
    const RepoInfo all =
        info_of({{"M-F16.gguf", 1000}, {"M-Q4_K_M.gguf", 300}, {"M-Q2_K.gguf", 100}, {"M-Q8_0.gguf", 500}});
    EXPECT_EQ(picked(all, "org/repo").tag, "Q4_K_M");
    const RepoInfo no_q4km =
        info_of({{"M-F16.gguf", 1000}, {"M-Q5_K_S.gguf", 350}, {"M-Q2_K.gguf", 100}, {"M-Q8_0.gguf", 500}});
    EXPECT_EQ(picked(no_q4km, "org/repo").tag, "Q5_K_S");  // Q2_K is smaller but under 4 bits
    const RepoInfo low = info_of({{"M-Q3_K_M.gguf", 200}, {"M-Q2_K.gguf", 100}});
    EXPECT_EQ(picked(low, "org/repo").tag, "Q2_K");
    EXPECT_EQ(picked(all, "org/repo:q8_0").tag, "Q8_0");  // any case
    EXPECT_EQ(picked(all, "org/repo/M-F16.gguf").files.at(0).file.path, "M-F16.gguf");
}

TEST(HubFiles, UnknownTagListsTheTags) {
    const RepoInfo info = info_of({{"M-F16.gguf", 10}, {"M-Q8_0.gguf", 5}});
    auto missing = select_files(info, *parse_hub_ref("org/repo:Q3_K_S"));
    ASSERT_FALSE(missing.has_value());
    EXPECT_EQ(missing.error().code, ErrorCode::MODEL_NOT_FOUND);
    EXPECT_EQ(missing.error().message, "org/repo has no file for tag Q3_K_S; tags: F16, Q8_0");
    EXPECT_EQ(select_files(info, *parse_hub_ref("org/repo/other.gguf")).error().code, ErrorCode::MODEL_NOT_FOUND);
    EXPECT_EQ(select_files(info_of({{"mmproj-f16.gguf", 5}}), *parse_hub_ref("org/repo")).error().code,
              ErrorCode::MODEL_NOT_FOUND);
}

TEST(HubFiles, SplitPartsComeTogetherAndInOrder) {
    const RepoInfo info = info_of({{"Q8_0/M-Q8_0-00002-of-00003.gguf", 10},
                                   {"Q8_0/M-Q8_0-00001-of-00003.gguf", 10},
                                   {"Q8_0/M-Q8_0-00003-of-00003.gguf", 5},
                                   {"M-F16.gguf", 100}});
    const Selection selection = picked(info, "org/repo:Q8_0");
    ASSERT_EQ(selection.files.size(), 3U);
    EXPECT_EQ(selection.files[0].role, FileRole::MODEL);
    EXPECT_EQ(selection.files[0].file.path, "Q8_0/M-Q8_0-00001-of-00003.gguf");
    EXPECT_EQ(selection.files[1].file.path, "Q8_0/M-Q8_0-00002-of-00003.gguf");
    EXPECT_EQ(selection.files[2].role, FileRole::PART);
    EXPECT_EQ(repo_tags(info), (std::vector<std::string>{"F16", "Q8_0"}));
    // The default takes the split (25 bytes in all) over the 100-byte F16.
    EXPECT_EQ(picked(info, "org/repo").tag, "Q8_0");
    const RepoInfo missing = info_of({{"M-Q8_0-00001-of-00003.gguf", 10}, {"M-Q8_0-00003-of-00003.gguf", 10}});
    auto incomplete = select_files(missing, *parse_hub_ref("org/repo"));
    ASSERT_FALSE(incomplete.has_value());
    EXPECT_EQ(incomplete.error().code, ErrorCode::UPSTREAM);
}

TEST(HubFiles, ProjectorAndVocoderGoAlong) {
    const RepoInfo info = info_of({{"M-Q8_0.gguf", 10},
                                   {"mmproj-M-Q8_0.gguf", 4},
                                   {"mmproj-M-F16.gguf", 8},
                                   {"WavTokenizer-Large-75-F16.gguf", 3}});
    const Selection selection = picked(info, "org/repo");
    ASSERT_EQ(selection.files.size(), 3U);
    EXPECT_EQ(selection.files[1].role, FileRole::MMPROJ);
    EXPECT_EQ(selection.files[1].file.path, "mmproj-M-F16.gguf");  // F16 preferred
    EXPECT_EQ(selection.files[2].role, FileRole::VOCODER);
    EXPECT_EQ(to_string(FileRole::VOCODER), "vocoder");
}

TEST(HubFiles, WhisperRepos) {
    const RepoInfo info = info_of({{"ggml-tiny.bin", 70}, {"ggml-base.en.bin", 140}, {"ggml-tiny-q5_1.bin", 30}});
    EXPECT_EQ(picked(info, "org/repo:base.en").files.at(0).file.path, "ggml-base.en.bin");
    EXPECT_EQ(picked(info, "org/repo").tag, "tiny-q5_1");  // no 4-bit-or-more tag: the smallest
}

}  // namespace
}  // namespace hearth::pull
