// An engine that breaks while serving (as a lost device or a failed allocation would make llama_decode fail),
// seen through the route table on the real stories260K model: the request in flight gets an OpenAI-shaped
// error, the model goes to failed with the reason in /health and GET /v1/models/{id}, another model keeps
// serving throughout, and the next request to the broken model loads it again.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <vector>

#include "engine/backend.h"
#include "route_call.h"
#include "server/routes.h"

namespace hearth::server {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

std::string shared_models() {
    const char* env = std::getenv("HEARTH_MODELS");
    return env != nullptr && *env != '\0' ? env : HEARTH_TEST_MODELS;
}

// Forwards everything to the real engine; once `broken` is set, every decode fails the way llama_decode's
// negative return codes do.
class BreakableEngine final : public engine::TextEngine {
public:
    BreakableEngine(engine::TextEngine& real, std::shared_ptr<std::atomic<bool>> broken)
        : real_(real), broken_(std::move(broken)) {}
    int32_t n_slots() const override { return real_.n_slots(); }
    int32_t n_ctx_per_slot() const override { return real_.n_ctx_per_slot(); }
    int32_t n_batch() const override { return real_.n_batch(); }
    int32_t n_vocab() const override { return real_.n_vocab(); }
    bool is_eog(int32_t token) const override { return real_.is_eog(token); }
    std::string token_to_piece(int32_t token) const override { return real_.token_to_piece(token); }
    std::string token_text(int32_t token, bool special) const override { return real_.token_text(token, special); }
    void batch_clear() override { real_.batch_clear(); }
    bool batch_add(int32_t token, int32_t pos, int32_t seq, bool want_logits) override {
        return real_.batch_add(token, pos, seq, want_logits);
    }
    Result<void> decode() override {
        if (broken_->load()) {
            return make_error(ErrorCode::INTERNAL, "llama_decode failed with code -3 (device lost)");
        }
        return real_.decode();
    }
    void reset_sampler(int32_t seq, const core::SamplingParams& params) override { real_.reset_sampler(seq, params); }
    Result<int32_t> sample(int32_t seq, int32_t batch_index) override { return real_.sample(seq, batch_index); }
    Result<void> accept(int32_t seq, int32_t token) override { return real_.accept(seq, token); }
    std::vector<core::TokenLogprob> logprobs(int32_t batch_index, int32_t chosen, int32_t top_n) override {
        return real_.logprobs(batch_index, chosen, top_n);
    }
    void seq_clear(int32_t seq) override { real_.seq_clear(seq); }
    bool seq_truncate(int32_t seq, int32_t from_pos) override { return real_.seq_truncate(seq, from_pos); }

private:
    engine::TextEngine& real_;
    std::shared_ptr<std::atomic<bool>> broken_;
};

core::ModelSpec spec(const std::string& name) {
    core::ModelSpec s;
    s.name = name;
    s.path = shared_models() + "/stories260K/stories260K-f32.gguf";
    s.options.n_threads = 1;
    s.options.n_ctx = 256;
    s.options.n_slots = 2;
    return s;
}

class EngineFailureTest : public ::testing::Test {
protected:
    EngineFailureTest() {
        registry::RegistryConfig config;
        config.configured = {spec("a"), spec("b")};
        // One switch per engine, in load order: breaking one model's leaves the others (and its reload) whole.
        config.wrap_text_engine = [this](engine::TextEngine& real) {
            auto broken = std::make_shared<std::atomic<bool>>(false);
            switches_.push_back(broken);
            return std::make_unique<BreakableEngine>(real, broken);
        };
        registry_ = std::make_unique<registry::ModelRegistry>(config);
        context_ = std::make_unique<RouteContext>(*registry_, metrics_);
        register_routes(router_, *context_);
    }
    http::HttpResponse call(const std::string& method, const std::string& path, const std::string& body = "") {
        return hearth::testing::call_route(router_, method, path, body);
    }
    http::HttpResponse complete(const std::string& model) {
        return call("POST", "/v1/completions",
                    json{{"model", model}, {"prompt", "Once upon a time"}, {"max_tokens", 8}}.dump());
    }
    json get_json(const std::string& path) { return json::parse(call("GET", path).body); }

    engine::BackendGuard backends_;
    std::vector<std::shared_ptr<std::atomic<bool>>> switches_;  // written on loading threads, one at a time
    metrics::Registry metrics_;
    std::unique_ptr<registry::ModelRegistry> registry_;
    std::unique_ptr<RouteContext> context_;
    http::Router router_;
};

TEST_F(EngineFailureTest, RequestFailsModelIsMarkedFailedOthersServeAndItReloads) {
    ASSERT_TRUE(registry_->load("a"));
    ASSERT_TRUE(registry_->load("b"));
    ASSERT_EQ(switches_.size(), 2u);
    ASSERT_EQ(complete("a").status, 200);

    switches_[0]->store(true);
    const auto broken = complete("a");
    EXPECT_EQ(broken.status, 500);
    const json error = json::parse(broken.body)["error"];
    EXPECT_NE(error["message"].get<std::string>().find("device lost"), std::string::npos) << broken.body;
    EXPECT_EQ(error["type"], "server_error");

    // The registry notices within its next round (every 250 ms) and unloads the broken model.
    json health;
    for (int i = 0; i < 40; ++i) {
        health = get_json("/health");
        if (health["models"]["a"] == "failed") {
            break;
        }
        std::this_thread::sleep_for(100ms);
    }
    EXPECT_EQ(health["status"], "ok");
    ASSERT_EQ(health["models"]["a"], "failed") << health.dump();
    EXPECT_NE(health["failed"]["a"].get<std::string>().find("engine failed"), std::string::npos) << health.dump();
    EXPECT_EQ(health["models"]["b"], "ready");
    const json status = get_json("/v1/models/a");
    EXPECT_EQ(status["state"], "failed");
    EXPECT_NE(status["last_error"].get<std::string>().find("device lost"), std::string::npos) << status.dump();
    EXPECT_EQ(status["memory_bytes"], 0);

    EXPECT_EQ(complete("b").status, 200);  // the other model never stopped serving

    const auto again = complete("a");  // loads a fresh engine
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(switches_.size(), 3u);
    EXPECT_EQ(get_json("/v1/models/a")["state"], "ready");
    EXPECT_EQ(get_json("/health")["failed"].size(), 0u);
}

// The next request gets a fresh engine at once, whether the registry's round has marked the model failed yet
// or the request finds the broken engine first.
TEST_F(EngineFailureTest, TheNextRequestReloadsABrokenEngineAtOnce) {
    ASSERT_TRUE(registry_->load("a"));
    switches_[0]->store(true);
    EXPECT_EQ(complete("a").status, 500);
    const auto again = complete("a");
    EXPECT_EQ(again.status, 200) << again.body;
    EXPECT_EQ(switches_.size(), 2u);
    EXPECT_EQ(get_json("/v1/models/a")["state"], "ready");
}

}  // namespace
}  // namespace hearth::server
