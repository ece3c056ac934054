#include "api/models_api.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace hearth::api {
namespace {

using nlohmann::json;

registry::ModelStatus make_model(const std::string& id, core::ModelKind kind, registry::ModelState state) {
    registry::ModelStatus m;
    m.entry.id = id;
    m.entry.created_unix = 1700000000;
    m.entry.info.kind = kind;
    m.entry.info.format = "gguf";
    m.entry.info.architecture = "qwen2";
    m.entry.info.quantization = "Q8_0";
    m.entry.info.size_bytes = 1234;
    m.entry.info.context_length = 32768;
    m.entry.info.path = "/m/" + id + ".gguf";
    m.state = state;
    return m;
}

TEST(ModelsApi, ListHasOpenAiShapeAndExtensions) {
    const std::vector<registry::ModelStatus> models = {
        make_model("a", core::ModelKind::LLM, registry::ModelState::UNLOADED),
        make_model("b", core::ModelKind::RERANK, registry::ModelState::READY)};
    const ApiReply reply = models_list_reply(models, {{"/m/bad.gguf", "truncated: ..."}});
    EXPECT_EQ(reply.status, 200);
    const json body = json::parse(reply.body);
    EXPECT_EQ(body["object"], "list");
    ASSERT_EQ(body["data"].size(), 2u);
    const json& a = body["data"][0];
    EXPECT_EQ(a["id"], "a");
    EXPECT_EQ(a["object"], "model");
    EXPECT_EQ(a["created"], 1700000000);
    EXPECT_EQ(a["owned_by"], "hearth");
    EXPECT_EQ(a["kind"], "llm");
    EXPECT_EQ(a["state"], "unloaded");
    EXPECT_EQ(a["context_length"], 32768);
    EXPECT_FALSE(a.contains("last_error"));
    EXPECT_EQ(body["data"][1]["kind"], "rerank");
    ASSERT_EQ(body["unservable"].size(), 1u);
    EXPECT_EQ(body["unservable"][0]["path"], "/m/bad.gguf");
}

TEST(ModelsApi, CapabilitiesSayWhatTheModelTakes) {
    auto vision = make_model("v", core::ModelKind::LLM, registry::ModelState::UNLOADED);
    vision.entry.mmproj = "/m/mmproj-v.gguf";
    const std::vector<registry::ModelStatus> models = {
        make_model("t", core::ModelKind::LLM, registry::ModelState::UNLOADED), vision,
        make_model("e", core::ModelKind::EMBEDDING, registry::ModelState::UNLOADED),
        make_model("w", core::ModelKind::WHISPER, registry::ModelState::UNLOADED)};
    const json body = json::parse(models_list_reply(models, {}).body);
    EXPECT_EQ(body["data"][0]["capabilities"], json({"completion", "chat"}));
    EXPECT_FALSE(body["data"][0].contains("mmproj"));
    EXPECT_EQ(body["data"][1]["capabilities"], json({"completion", "chat", "vision"}));
    EXPECT_EQ(body["data"][1]["mmproj"], "/m/mmproj-v.gguf");
    EXPECT_EQ(body["data"][2]["capabilities"], json({"embeddings"}));
    EXPECT_EQ(body["data"][3]["capabilities"], json({"transcription", "translation"}));
}

TEST(ModelsApi, HealthListsReadyModels) {
    auto failed = make_model("c", core::ModelKind::WHISPER, registry::ModelState::FAILED);
    failed.last_error = "out of memory";
    const std::vector<registry::ModelStatus> models = {
        make_model("a", core::ModelKind::LLM, registry::ModelState::UNLOADED),
        make_model("b", core::ModelKind::EMBEDDING, registry::ModelState::READY), failed};
    const json body = json::parse(health_reply(models, "9.9.9").body);
    EXPECT_EQ(body["status"], "ok");
    EXPECT_EQ(body["version"], "9.9.9");
    EXPECT_EQ(body["ready"], json::array({"b"}));
    EXPECT_EQ(body["models"]["c"], "failed");
    EXPECT_EQ(json::parse(model_reply(failed).body)["last_error"], "out of memory");
    EXPECT_EQ(health_reply(models, "9.9.9").status, 200);
    for (const char* phase : {"loading", "draining"}) {
        const ApiReply reply = health_reply(models, "9.9.9", phase);
        EXPECT_EQ(reply.status, 503) << phase;  // a proxy sends this replica no traffic
        EXPECT_EQ(json::parse(reply.body)["status"], phase);
        EXPECT_EQ(json::parse(reply.body)["ready"], json::array({"b"}));
    }
}

TEST(ModelsApi, LoadedTextModelShowsItsLayerPlacement) {
    auto model = make_model("t", core::ModelKind::LLM, registry::ModelState::READY);
    EXPECT_FALSE(json::parse(model_reply(model).body).contains("placement"));
    model.layer_placement = {{"CPU", 3}, {"RPC0", 2}, {"RPC1", 1}};
    EXPECT_EQ(json::parse(model_reply(model).body)["placement"],
              json({{"layers", {{"CPU", 3}, {"RPC0", 2}, {"RPC1", 1}}}}));
}

TEST(ModelsApi, EmbeddingModelShowsItsBatcherAndCache) {
    auto model = make_model("e", core::ModelKind::EMBEDDING, registry::ModelState::READY);
    EXPECT_FALSE(json::parse(model_reply(model).body).contains("embedding"));
    sched::EmbeddingStats stats;
    stats.jobs = 5;
    stats.batches = 2;
    stats.inputs = 9;
    stats.cache_hits = 3;
    stats.cache_misses = 9;
    stats.cache.entries = 9;
    stats.cache.capacity = 100;
    model.embedding = stats;
    const json e = json::parse(model_reply(model).body)["embedding"];
    EXPECT_EQ(e["requests"], 5);
    EXPECT_EQ(e["batches"], 2);
    EXPECT_EQ(e["inputs"], 9);
    EXPECT_EQ(e["cache"]["hits"], 3);
    EXPECT_EQ(e["cache"]["misses"], 9);
    EXPECT_EQ(e["cache"]["entries"], 9);
    EXPECT_EQ(e["cache"]["capacity"], 100);
}

}  // namespace
}  // namespace hearth::api
