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
