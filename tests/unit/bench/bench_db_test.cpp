// The results database: rows appended per level and read back, newest first, across reopenings.

#include "bench/bench_db.h"

#include <gtest/gtest.h>

#include "temp_dir.h"

namespace hearth::bench {
namespace {

LevelResult level(int concurrency, double tokens_per_s) {
    LevelResult out;
    out.concurrency = concurrency;
    out.requests = 10;
    out.ok = 9;
    out.errors = 1;
    out.error_samples = {"HTTP 500: boom"};
    out.output_tokens_per_s = tokens_per_s;
    out.ttft_ms = summarize({100, 200, 300});
    out.itl_ms = summarize({10, 20, 30});
    return out;
}

TEST(BenchDb, AppendsAndListsNewestFirst) {
    testing::TempDir dir;
    const std::string path = (dir.path() / "bench.db").string();
    ServeBenchConfig config;
    config.model = "m";
    {
        auto db = BenchDb::open(path);
        ASSERT_TRUE(db) << db.error().message;
        ASSERT_TRUE(db->add_serve_level(current_context("first"), config, level(1, 10)));
    }
    auto db = BenchDb::open(path);  // reopening keeps what was there
    ASSERT_TRUE(db);
    ASSERT_TRUE(db->add_serve_level(current_context("second"), config, level(4, 40)));
    auto rows = db->serve_rows(10);
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].label, "second");
    EXPECT_EQ((*rows)[0].concurrency, 4);
    EXPECT_DOUBLE_EQ((*rows)[0].output_tokens_per_s, 40);
    EXPECT_EQ((*rows)[1].label, "first");
    EXPECT_EQ((*rows)[1].model, "m");
    EXPECT_EQ((*rows)[1].endpoint, "chat");
    EXPECT_EQ((*rows)[1].ok, 9);
    EXPECT_EQ((*rows)[1].errors, 1);
    EXPECT_DOUBLE_EQ((*rows)[1].ttft_p99_ms, percentile({100, 200, 300}, 0.99));
    EXPECT_FALSE((*rows)[1].started_at.empty());
    EXPECT_EQ(db->serve_rows(1)->size(), 1u);
}

ModelRun model_run(const std::string& test, double tps) {
    ModelRun run;
    run.model = {"m.gguf", "/models/m.gguf", 1234, std::string(64, 'a'), "llama", "Q8_0", 260000};
    run.settings.threads = 2;
    run.settings.device = "none";
    run.test = test[0] == 'p' ? TestSpec{std::stoi(test.substr(2)), 0} : TestSpec{0, std::stoi(test.substr(2))};
    run.tokens_per_s = {tps - 1, tps + 1};
    summarize(run);
    return run;
}

TEST(BenchDb, StoresEngineRunsWithEveryField) {
    testing::TempDir dir;
    auto db = BenchDb::open((dir.path() / "bench.db").string());
    ASSERT_TRUE(db) << db.error().message;
    RunContext context = current_context("lab");
    context.build = "hearth x; llama.cpp y";
    context.gpu = "CUDA0 H100 (80.0 GiB)";
    ASSERT_TRUE(db->add_model_run(context, model_run("pp512", 100)));
    ASSERT_TRUE(db->add_model_run(context, model_run("tg128", 20)));
    auto rows = db->model_rows(10);
    ASSERT_TRUE(rows) << rows.error().message;
    ASSERT_EQ(rows->size(), 2u);
    EXPECT_EQ((*rows)[0].test, "tg128");
    EXPECT_DOUBLE_EQ((*rows)[0].mean_tokens_per_s, 20);
    EXPECT_EQ((*rows)[1].test, "pp512");
    EXPECT_EQ((*rows)[1].sha256_prefix, std::string(16, 'a'));  // a prefix of the digest is kept
    EXPECT_EQ((*rows)[1].repetitions, 2);
    EXPECT_EQ((*rows)[1].device, "none");

    auto all = db->all_columns("model_runs", 1);
    ASSERT_TRUE(all) << all.error().message;
    ASSERT_EQ(all->size(), 1u);
    const auto& row = (*all)[0];
    for (const auto& [column, value] : row.items()) {
        EXPECT_FALSE(value.is_null()) << column;
        EXPECT_FALSE(value.is_string() && value.get<std::string>().empty()) << column;
    }
    EXPECT_EQ(row["model_size"], 1234);
    EXPECT_EQ(row["n_params"], 260000);
    EXPECT_EQ(row["architecture"], "llama");
    EXPECT_EQ(row["quantization"], "Q8_0");
    EXPECT_EQ(row["gpu"], "CUDA0 H100 (80.0 GiB)");
    EXPECT_EQ(row["build"], "hearth x; llama.cpp y");
    EXPECT_EQ(row["n_gen"], 128);
    EXPECT_EQ(row["samples"], "[19.000,21.000]");
    EXPECT_FALSE(db->all_columns("sqlite_master; DROP TABLE model_runs", 1));
}

TEST(BenchDb, UnwritablePathIsAnError) {
    testing::TempDir dir;
    auto db = BenchDb::open((dir.path() / "no-such-dir" / "bench.db").string());
    ASSERT_FALSE(db);
    EXPECT_EQ(db.error().code, ErrorCode::INTERNAL);
}

TEST(BenchDb, ContextDescribesTheMachine) {
    const RunContext context = current_context("x");
    EXPECT_GT(context.cpu_cores, 0);
    EXPECT_FALSE(context.cpu_model.empty());
    EXPECT_EQ(context.started_at.size(), 20u);  // 2026-01-02T03:04:05Z
}

}  // namespace
}  // namespace hearth::bench
