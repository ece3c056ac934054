// Percentiles and summaries of benchmark samples.

#include "bench/distribution.h"

#include <gtest/gtest.h>

namespace hearth::bench {
namespace {

TEST(Distribution, InterpolatesBetweenRanks) {
    const std::vector<double> samples = {40, 10, 30, 20};  // unsorted on purpose
    EXPECT_DOUBLE_EQ(percentile(samples, 0.0), 10);
    EXPECT_DOUBLE_EQ(percentile(samples, 1.0), 40);
    EXPECT_DOUBLE_EQ(percentile(samples, 0.5), 25);
    EXPECT_DOUBLE_EQ(percentile(samples, 0.9), 37);
}

TEST(Distribution, SummarizesInOrder) {
    std::vector<double> samples;
    for (int i = 1; i <= 100; ++i) {
        samples.push_back(i);
    }
    const Distribution d = summarize(samples);
    EXPECT_EQ(d.count, 100u);
    EXPECT_DOUBLE_EQ(d.mean, 50.5);
    EXPECT_DOUBLE_EQ(d.p50, 50.5);
    EXPECT_NEAR(d.p90, 90.1, 1e-9);
    EXPECT_NEAR(d.p99, 99.01, 1e-9);
    EXPECT_DOUBLE_EQ(d.max, 100);
}

TEST(Distribution, EmptyAndSingle) {
    EXPECT_EQ(summarize({}).count, 0u);
    EXPECT_DOUBLE_EQ(summarize({}).p99, 0);
    const Distribution one = summarize({7});
    EXPECT_DOUBLE_EQ(one.p50, 7);
    EXPECT_DOUBLE_EQ(one.p99, 7);
}

}  // namespace
}  // namespace hearth::bench
