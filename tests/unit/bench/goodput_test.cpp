// The goodput search: bisection for the highest rate that keeps 90% of requests within the SLOs, over a
// scripted server whose attainment falls past a knee.

#include "bench/goodput.h"

#include <gtest/gtest.h>

#include <vector>

namespace hearth::bench {
namespace {

// Attains 100% up to `knee` req/s and 50% above it; records every rate measured.
struct Knee {
    double knee;
    std::vector<double> tried;
    double operator()(double rate) {
        tried.push_back(rate);
        return rate <= knee ? 1.0 : 0.5;
    }
};

double search(Knee& k, double low, double high, int steps) {
    return find_goodput_rate(low, high, steps, 0.9, [&k](double r) { return k(r); });
}

TEST(GoodputSearch, BisectsTowardsTheKnee) {
    Knee k{7.0, {}};
    const double rate = search(k, 1, 17, 4);
    EXPECT_EQ(k.tried, (std::vector<double>{17, 9, 5, 7, 8}));
    EXPECT_DOUBLE_EQ(rate, 7);  // 8 failed: the last rate that passed
    EXPECT_LE(k.tried.size(), 4u + 2u);
}

TEST(GoodputSearch, TheHighEndWhenItPasses) {
    Knee k{100.0, {}};
    EXPECT_DOUBLE_EQ(search(k, 1, 17, 4), 17);
    EXPECT_EQ(k.tried.size(), 1u);
}

TEST(GoodputSearch, LowIsTriedLastAndZeroWhenEvenItFails) {
    Knee passes_low{1.5, {}};
    EXPECT_DOUBLE_EQ(search(passes_low, 1, 17, 3), 1);  // 17, 9, 5, 3 fail; then 1 passes
    EXPECT_EQ(passes_low.tried.back(), 1);
    Knee fails_all{0.5, {}};
    EXPECT_DOUBLE_EQ(search(fails_all, 1, 17, 3), 0);
    EXPECT_EQ(fails_all.tried.size(), 1u + 3u + 1u);
}

}  // namespace
}  // namespace hearth::bench
