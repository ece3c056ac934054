// The serving benchmark against a scripted OpenAI-shaped server (hearth's own HttpServer): what it measures
// when every request succeeds, and how it counts each kind of failure.

#include "bench/serve_bench.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <set>
#include <thread>

#include "bench/request_driver.h"
#include "http/http_server.h"

namespace hearth::bench {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::json;

constexpr int TOKENS = 5;

std::string chunk(const std::string& text) {
    return "data: " + json{{"choices", {{{"index", 0}, {"delta", {{"content", text}}}}}}}.dump() + "\n\n";
}

// Streams max_tokens pieces (TOKENS unless a test asks for other lengths) 20 ms apart and then usage, as chat
// completions do; the model name picks a failure.
http::HttpResponse scripted(const http::HttpRequest& request, std::atomic<int>& active, std::atomic<int>& peak) {
    const json body = json::parse(request.body);
    const std::string model = body.at("model");
    http::HttpResponse response;
    if (model == "fail") {
        response.status = 500;
        response.body = R"({"error":{"message":"boom"}})";
        return response;
    }
    if (request.path == "/v1/embeddings") {
        response.body = R"({"data":[{"embedding":[0.5]}],"usage":{"prompt_tokens":3}})";
        return response;
    }
    const int tokens = body.at("max_tokens");
    EXPECT_EQ(body.at("ignore_eos"), true);
    EXPECT_EQ(body.at("stream"), true);
    response.content_type = "text/event-stream";
    response.stream = [model, tokens, &active, &peak](http::StreamWriter& out) {
        peak = std::max(peak.load(), ++active);
        for (int i = 0; i < tokens; ++i) {
            std::this_thread::sleep_for(20ms);
            out.write(chunk("t"));
            if (model == "errevent" && i == 1) {
                out.write(R"(data: {"error":{"message":"engine failed"}})"
                          "\n\n");
                --active;
                return;
            }
        }
        out.write(R"(data: {"choices":[],"usage":{"prompt_tokens":7,"completion_tokens":)" + std::to_string(tokens) +
                  "}}\n\n");
        if (model != "nodone") {
            out.write("data: [DONE]\n\n");
        }
        --active;
    };
    return response;
}

class ServeBenchTest : public ::testing::Test {
protected:
    void SetUp() override {
        http::HttpServerConfig config;
        config.port = 0;
        config.handler_threads = 16;
        server_ = std::make_unique<http::HttpServer>(
            config, [this](const http::HttpRequest& r) { return scripted(r, active_, peak_); },
            [](int status, const std::string& message, std::string_view) {
                return http::HttpResponse{status, "text/plain", {}, message, {}};
            });
        ASSERT_TRUE(server_->start());
        config_.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
        config_.model = "ok";
        config_.output_tokens = TOKENS;
        config_.input_tokens = 16;
        config_.requests = 8;
    }
    void TearDown() override { server_->stop(); }

    std::atomic<int> active_{0};
    std::atomic<int> peak_{0};
    std::unique_ptr<http::HttpServer> server_;
    ServeBenchConfig config_;
};

TEST_F(ServeBenchTest, MeasuresStreamsAsAClientSeesThem) {
    const LevelResult r = run_serve_level(config_, 4);
    EXPECT_EQ(r.concurrency, 4);
    EXPECT_EQ(r.requests, 8);
    EXPECT_EQ(r.ok, 8);
    EXPECT_EQ(r.errors, 0) << (r.error_samples.empty() ? "" : r.error_samples.front());
    EXPECT_EQ(peak_.load(), 4);  // the clients really ran at once, and never more than asked
    EXPECT_DOUBLE_EQ(r.mean_output_tokens, 5);
    EXPECT_DOUBLE_EQ(r.mean_input_tokens, 7);
    EXPECT_EQ(r.itl_ms.count, 8u * (TOKENS - 1));
    EXPECT_GE(r.ttft_ms.p50, 15);  // the first piece comes after the server's first 20 ms sleep
    EXPECT_GE(r.itl_ms.p50, 15);
    EXPECT_LT(r.itl_ms.p50, 200);
    EXPECT_GE(r.e2e_ms.p50, r.ttft_ms.p50 + 3 * 15);
    EXPECT_NEAR(r.tpot_ms.p50, r.itl_ms.p50, 15);
    EXPECT_LE(r.ttft_ms.p50, r.ttft_ms.p90);
    EXPECT_LE(r.ttft_ms.p90, r.ttft_ms.p99);
    EXPECT_LE(r.itl_ms.p99, r.itl_ms.max);
    // 8 requests of ~100 ms on 4 clients: about 0.2 s in all.
    EXPECT_GT(r.output_tokens_per_s, 0);
    EXPECT_NEAR(r.output_tokens_per_s, 40.0 / r.duration_s, 1e-6);
    EXPECT_NEAR(r.request_throughput, 8 / r.duration_s, 1e-6);
    EXPECT_LT(r.server_cpu_s, 0);  // no pid given: not measured
}

TEST_F(ServeBenchTest, CountsEveryKindOfFailure) {
    for (const char* model : {"fail", "nodone", "errevent"}) {
        config_.model = model;
        const LevelResult r = run_serve_level(config_, 2);
        EXPECT_EQ(r.requests, 8) << model;
        EXPECT_EQ(r.ok, 0) << model;
        EXPECT_EQ(r.errors, 8) << model;
        ASSERT_FALSE(r.error_samples.empty()) << model;
        EXPECT_EQ(r.output_tokens_per_s, 0) << model;
    }
    config_.model = "fail";
    EXPECT_NE(run_serve_level(config_, 1).error_samples.front().find("HTTP 500"), std::string::npos);
    config_.model = "errevent";
    EXPECT_NE(run_serve_level(config_, 1).error_samples.front().find("engine failed"), std::string::npos);
}

TEST_F(ServeBenchTest, RefusedConnectionsAreErrors) {
    server_->stop();
    const LevelResult r = run_serve_level(config_, 2);
    EXPECT_EQ(r.ok, 0);
    EXPECT_EQ(r.errors, 8);
    EXPECT_NE(r.error_samples.front().find("cannot connect"), std::string::npos) << r.error_samples.front();
}

TEST_F(ServeBenchTest, EmbeddingsAreTimedWhole) {
    config_.endpoint = Endpoint::EMBEDDINGS;
    const LevelResult r = run_serve_level(config_, 2);
    EXPECT_EQ(r.ok, 8);
    EXPECT_DOUBLE_EQ(r.mean_input_tokens, 3);
    EXPECT_EQ(r.itl_ms.count, 0u);
}

TEST_F(ServeBenchTest, ServerCpuIsMeasuredForAPid) {
    config_.server_pid = static_cast<int>(getpid());  // this process serves the scripted server
    const LevelResult r = run_serve_level(config_, 2);
    EXPECT_GE(r.server_cpu_s, 0);
}

// Open loop: requests arrive on the seeded schedule whatever the server does, several are in flight when the
// arrivals outpace the answers, and TTFT counts from the arrival.
TEST_F(ServeBenchTest, OpenLoopSendsOnTheArrivalSchedule) {
    config_.request_rate = 40;  // ~25 ms apart; each request streams for ~100 ms
    config_.arrival_seed = 7;
    config_.requests = 12;
    const auto arrivals = arrival_times(12, 40, 1.0, 7);
    const LevelResult r = run_serve_level(config_, 64);
    EXPECT_EQ(r.ok, 12);
    EXPECT_DOUBLE_EQ(r.request_rate, 40);
    EXPECT_GT(peak_.load(), 1);                // a later request started before an earlier one ended
    EXPECT_LT(peak_.load(), 12);               // but not all at once, as a closed loop of 64 would
    EXPECT_GE(r.duration_s, arrivals.back());  // the last one was not sent before it arrived
    EXPECT_EQ(r.slo_met, 12);                  // no SLO given: every success counts
    EXPECT_DOUBLE_EQ(r.slo_attainment, 1.0);
    EXPECT_NEAR(r.goodput, 12 / r.duration_s, 1e-9);
}

TEST_F(ServeBenchTest, OpenLoopWaitForAClientCountsInTtft) {
    config_.request_rate = 1000;  // all arrive at once, one client: each waits for the ones before it
    config_.requests = 4;
    const LevelResult r = run_serve_level(config_, 1);
    EXPECT_EQ(r.ok, 4);
    EXPECT_EQ(peak_.load(), 1);
    EXPECT_GT(r.ttft_ms.max, 3 * 90);  // the last waited for three streams of ~100 ms
}

TEST_F(ServeBenchTest, SloAttainmentAndGoodput) {
    config_.slo_ttft_ms = 1;  // no first token comes within 1 ms (the server sleeps 20 ms first)
    LevelResult r = run_serve_level(config_, 2);
    EXPECT_EQ(r.ok, 8);
    EXPECT_EQ(r.slo_met, 0);
    EXPECT_EQ(r.goodput, 0);
    config_.slo_ttft_ms = 10000;
    config_.slo_tpot_ms = 1;  // ~20 ms per token
    r = run_serve_level(config_, 2);
    EXPECT_EQ(r.slo_met, 0);
    config_.slo_tpot_ms = 10000;
    r = run_serve_level(config_, 2);
    EXPECT_EQ(r.slo_met, 8);
    EXPECT_DOUBLE_EQ(r.slo_attainment, 1.0);
    config_.model = "fail";  // a failed request never meets an SLO
    r = run_serve_level(config_, 2);
    EXPECT_EQ(r.slo_met, 0);
}

double mean_gap(const std::vector<double>& a) {
    return a.back() / static_cast<double>(a.size() - 1);
}

// Coefficient of variation of the gaps: 1 for exponential gaps, 1/sqrt(shape) for gamma ones.
double gap_cv(const std::vector<double>& a) {
    double sum = 0, sum2 = 0;
    for (size_t i = 1; i < a.size(); ++i) {
        const double g = a[i] - a[i - 1];
        sum += g;
        sum2 += g * g;
    }
    const double n = static_cast<double>(a.size() - 1);
    const double mean = sum / n;
    return std::sqrt(sum2 / n - mean * mean) / mean;
}

TEST(ArrivalTimes, SeededGammaGapsWithTheMeanOfTheRate) {
    const auto a = arrival_times(20000, 50, 1.0, 3);
    ASSERT_EQ(a.size(), 20000u);
    EXPECT_EQ(a.front(), 0);
    EXPECT_EQ(a, arrival_times(20000, 50, 1.0, 3));
    EXPECT_NE(a, arrival_times(20000, 50, 1.0, 4));
    EXPECT_TRUE(std::is_sorted(a.begin(), a.end()));
    EXPECT_NEAR(mean_gap(a), 1.0 / 50, 0.001);
    EXPECT_NEAR(gap_cv(a), 1.0, 0.05);  // Poisson: exponential gaps
    const auto bursty = arrival_times(20000, 50, 0.25, 3);
    EXPECT_NEAR(mean_gap(bursty), 1.0 / 50, 0.002);  // the same rate, burstier
    EXPECT_NEAR(gap_cv(bursty), 2.0, 0.15);
    EXPECT_NEAR(gap_cv(arrival_times(20000, 50, 4.0, 3)), 0.5, 0.05);  // steadier
    EXPECT_TRUE(arrival_times(0, 50, 1.0, 3).empty());
    EXPECT_TRUE(arrival_times(5, 0, 1.0, 3).empty());
    EXPECT_TRUE(arrival_times(5, 50, 0.0, 3).empty());
}

TEST(RequestLengths, FixedUniformOrReplayed) {
    ServeBenchConfig config;
    config.input_tokens = 32;
    config.output_tokens = 8;
    EXPECT_EQ(request_lengths(config, 1, 0).input, 32);
    EXPECT_EQ(request_lengths(config, 1, 0).output, 8);
    config.input_tokens_max = 512;
    config.output_tokens_max = 256;
    std::set<int> inputs;
    for (int i = 0; i < 400; ++i) {
        const LengthPair l = request_lengths(config, 1000 + static_cast<uint64_t>(i), i);
        EXPECT_GE(l.input, 32);
        EXPECT_LE(l.input, 512);
        EXPECT_GE(l.output, 8);
        EXPECT_LE(l.output, 256);
        inputs.insert(l.input);
        // The same seed gives the same lengths: both servers of a comparison get them.
        EXPECT_EQ(request_lengths(config, 1000 + static_cast<uint64_t>(i), i).output, l.output);
    }
    EXPECT_GT(inputs.size(), 200u);
    config.lengths = {{10, 20}, {30, 40}};
    EXPECT_EQ(request_lengths(config, 7, 0).input, 10);
    EXPECT_EQ(request_lengths(config, 7, 3).output, 40);
}

TEST_F(ServeBenchTest, EachRequestAsksForItsOwnLength) {
    config_.lengths = {{4, 2}, {4, 3}};  // the scripted server streams what max_tokens asks
    const LevelResult r = run_serve_level(config_, 1);
    EXPECT_EQ(r.ok, 8);
    EXPECT_DOUBLE_EQ(r.mean_output_tokens, 2.5);
    EXPECT_EQ(r.itl_ms.count, 4u * 1 + 4u * 2);  // one gap fewer than tokens, per request
}

TEST(ServeBenchConfig, RejectsWhatCannotRun) {
    ServeBenchConfig config;
    config.model = "m";
    EXPECT_TRUE(validate(config));
    auto bad = [&](auto change) {
        ServeBenchConfig c = config;
        change(c);
        return !validate(c);
    };
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.model.clear(); }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.base_url = "https://x:1"; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.concurrency = {}; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.concurrency = {4, 0}; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.output_tokens = 0; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.requests = -1; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.request_rate = -1; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.request_rate = std::nan(""); }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.slo_ttft_ms = -1; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.slo_tpot_ms = std::nan(""); }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.burstiness = 0; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.input_tokens_max = -1; }));
    EXPECT_TRUE(bad([](ServeBenchConfig& c) { c.lengths = {{5, 0}}; }));
}

TEST(RequestBody, AsksForAFixedLengthGreedyStream) {
    ServeBenchConfig config;
    config.model = "m";
    config.output_tokens = 9;
    const json chat = json::parse(request_body(config, "hello"));
    EXPECT_EQ(chat["messages"][0]["content"], "hello");
    EXPECT_EQ(chat["max_tokens"], 9);
    EXPECT_EQ(chat["ignore_eos"], true);
    EXPECT_EQ(chat["temperature"], 0);
    EXPECT_EQ(chat["stream_options"]["include_usage"], true);
    config.endpoint = Endpoint::COMPLETIONS;
    EXPECT_EQ(json::parse(request_body(config, "hi"))["prompt"], "hi");
    config.endpoint = Endpoint::EMBEDDINGS;
    const json embed = json::parse(request_body(config, "x"));
    EXPECT_EQ(embed["input"], "x");
    EXPECT_FALSE(embed.contains("stream"));
    EXPECT_EQ(endpoint_path(Endpoint::EMBEDDINGS), "/v1/embeddings");
}

}  // namespace
}  // namespace hearth::bench
