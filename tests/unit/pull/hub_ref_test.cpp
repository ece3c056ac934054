#include "pull/hub_ref.h"

#include <gtest/gtest.h>

namespace hearth::pull {
namespace {

HubRef parsed(const std::string& text) {
    auto ref = parse_hub_ref(text);
    EXPECT_TRUE(ref.has_value()) << text << ": " << (ref ? "" : ref.error().message);
    return ref ? *ref : HubRef{};
}

TEST(HubRef, EveryFormUsersWrite) {
    EXPECT_EQ(parsed("Qwen/Qwen2.5-0.5B-Instruct-GGUF").repo, "Qwen/Qwen2.5-0.5B-Instruct-GGUF");
    const HubRef tagged = parsed("org/repo:q8_0");
    EXPECT_EQ(tagged.repo, "org/repo");
    EXPECT_EQ(tagged.tag, "q8_0");
    EXPECT_EQ(tagged.revision, "main");
    const HubRef file = parsed("org/repo/sub/Model-F16.gguf");
    EXPECT_EQ(file.file, "sub/Model-F16.gguf");
    EXPECT_EQ(file.tag, "");
    EXPECT_EQ(parsed("hf.co/org/repo:Q4_K_M").tag, "Q4_K_M");
    const HubRef url = parsed("https://huggingface.co/org/repo/resolve/v1.0/Model-Q8_0.gguf?download=true");
    EXPECT_EQ(url.repo, "org/repo");
    EXPECT_EQ(url.revision, "v1.0");
    EXPECT_EQ(url.file, "Model-Q8_0.gguf");
    EXPECT_EQ(parsed("https://huggingface.co/org/repo/blob/main/ggml-tiny.bin").file, "ggml-tiny.bin");
    EXPECT_EQ(parsed("https://huggingface.co/org/repo/").repo, "org/repo");
    EXPECT_EQ(parsed("https://huggingface.co/org/repo/tree/dev").revision, "dev");
}

TEST(HubRef, RoundTrip) {
    for (const char* text : {"org/repo", "org/repo:Q8_0", "org/repo/a/b.gguf"}) {
        EXPECT_EQ(to_string(parsed(text)), text);
    }
}

TEST(HubRef, RefusedWithTheReason) {
    const char* bad[] = {"",
                         "repo",
                         "org/",
                         "/repo",
                         "org/re po",
                         "org/../x",
                         "org/repo:",
                         "org/repo:a b",
                         "org/repo/file.txt",
                         "org/repo/../x.gguf",
                         "org/repo//x.gguf",
                         "org/repo:Q8_0/x.gguf",
                         "o$g/repo"};
    for (const char* text : bad) {
        auto ref = parse_hub_ref(text);
        ASSERT_FALSE(ref.has_value()) << text;
        EXPECT_EQ(ref.error().code, ErrorCode::INVALID_ARGUMENT) << text;
        EXPECT_NE(ref.error().message.find("not a model reference"), std::string::npos) << ref.error().message;
    }
    EXPECT_FALSE(parse_hub_ref("org/" + std::string(97, 'a')).has_value());
}

}  // namespace
}  // namespace hearth::pull
