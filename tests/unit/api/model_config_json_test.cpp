// The model config file and load-option JSON: round trip, and every malformed input refused with its path.

#include "api/model_config_json.h"

#include <gtest/gtest.h>

namespace hearth::api {
namespace {

TEST(ModelConfigJson, RoundTrip) {
    core::ModelSpec a;
    a.name = "qwen";
    a.path = "/m/qwen.gguf";
    a.kind = core::ModelKind::LLM;
    a.options.n_ctx = 8192;
    a.options.n_slots = 8;
    a.options.flash_attn = "on";
    a.options.keep_alive_s = 300;
    a.options.tensor_split = {3, 1};
    a.options.lookup_draft_max = 8;
    a.options.rpc = {"10.0.0.2:50052", "10.0.0.3:50052"};
    a.options.split_mode = "layer";
    a.options.main_gpu = 1;
    a.options.isolate = true;
    core::ModelSpec b;
    b.name = "vision";
    b.path = "/m/v.gguf";
    b.kind = core::ModelKind::VLM;
    b.mmproj = "/m/v-mmproj.gguf";
    const std::string text = format_model_config({a, b});
    auto parsed = parse_model_config(text);
    ASSERT_TRUE(parsed) << parsed.error().message;
    ASSERT_EQ(parsed->size(), 2u);
    EXPECT_EQ((*parsed)[0], a);
    EXPECT_EQ((*parsed)[1], b);
    EXPECT_TRUE(parse_model_config("{}")->empty());
}

TEST(ModelConfigJson, KeepAliveForms) {
    EXPECT_EQ(*parse_keep_alive(nlohmann::json(30), "k"), 30);
    EXPECT_EQ(*parse_keep_alive(nlohmann::json("30s"), "k"), 30);
    EXPECT_EQ(*parse_keep_alive(nlohmann::json("5m"), "k"), 300);
    EXPECT_EQ(*parse_keep_alive(nlohmann::json("2h"), "k"), 7200);
    EXPECT_EQ(*parse_keep_alive(nlohmann::json("-1"), "k"), -1);
    EXPECT_EQ(*parse_keep_alive(nlohmann::json(-1), "k"), -1);
    for (const auto& bad :
         {nlohmann::json("5x"), nlohmann::json("m"), nlohmann::json(-3), nlohmann::json(true), nlohmann::json("")}) {
        EXPECT_FALSE(parse_keep_alive(bad, "k")) << bad.dump();
    }
}

TEST(ModelConfigJson, ErrorsNameTheField) {
    const auto refused = [](const std::string& text, const std::string& needle) {
        auto parsed = parse_model_config(text);
        ASSERT_FALSE(parsed) << text;
        EXPECT_EQ(parsed.error().code, ErrorCode::INVALID_ARGUMENT);
        EXPECT_NE(parsed.error().message.find(needle), std::string::npos) << parsed.error().message;
    };
    refused("not json", "");
    refused(R"({"modles": []})", "modles");
    refused(R"({"models": {}})", "models");
    refused(R"({"models": [{"name": "a"}]})", "models[0].path");
    refused(R"({"models": [{"name": "a b", "path": "/x"}]})", "models[0].name");
    refused(R"({"models": [{"name": "a", "path": "/x", "kind": "music"}]})", "models[0].kind");
    refused(R"({"models": [{"name": "a", "path": "/x", "size": 3}]})", "models[0].size");
    refused(R"({"models": [{"name": "a", "path": "/x"}, {"name": "a", "path": "/y"}]})", "duplicate name 'a'");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"n_ctx": "big"}}]})", "n_ctx");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"n_ctxx": 5}}]})", "models[0].options.n_ctxx");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"n_slots": 0}}]})", "n_slots");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"lookup_draft_max": 65}}]})", "lookup_draft_max");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"tensor_split": [1, "x"]}}]})", "tensor_split");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"rpc": [5]}}]})", "models[0].options.rpc");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"rpc": {"h": 1}}}]})", "models[0].options.rpc");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"rpc": "h:1,nohost"}}]})", "'nohost'");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"split_mode": "diagonal"}}]})", "split_mode");
    refused(R"({"models": [{"name": "a", "path": "/x", "options": {"main_gpu": -2}}]})", "main_gpu");
}

TEST(ModelConfigJson, RpcAsAListOrOneCommaSeparatedString) {
    auto listed = parse_load_options(nlohmann::json{{"rpc", {"a:1", "b:2"}}}, "");
    auto joined = parse_load_options(nlohmann::json{{"rpc", "a:1,b:2"}}, "");
    ASSERT_TRUE(listed) << listed.error().message;
    ASSERT_TRUE(joined) << joined.error().message;
    EXPECT_EQ(listed->rpc, (std::vector<std::string>{"a:1", "b:2"}));
    EXPECT_EQ(joined->rpc, listed->rpc);
    EXPECT_EQ(load_options_json(*joined), (nlohmann::json{{"rpc", {"a:1", "b:2"}}}));
}

TEST(ModelConfigJson, LoadOptionsBody) {
    auto options = parse_load_options(nlohmann::json{{"n_ctx", 1024}, {"keep_alive", "1m"}}, "");
    ASSERT_TRUE(options) << options.error().message;
    EXPECT_EQ(options->n_ctx, 1024);
    EXPECT_EQ(options->keep_alive_s, 60);
    auto bad = parse_load_options(nlohmann::json{{"flash_attn", "sometimes"}}, "");
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().param, "flash_attn");
    EXPECT_EQ(load_options_json(*options), (nlohmann::json{{"n_ctx", 1024}, {"keep_alive", 60}}));
}

}  // namespace
}  // namespace hearth::api
