#include "util/metrics.h"

#include <gtest/gtest.h>

namespace hearth::metrics {
namespace {

TEST(MetricsTest, CounterRendersHelpTypeAndLabels) {
    Registry m;
    m.declare("x_requests_total", MetricType::COUNTER, "Requests.");
    m.add("x_requests_total", {{"endpoint", "/a"}, {"status", "200"}});
    m.add("x_requests_total", {{"endpoint", "/a"}, {"status", "200"}}, 2);
    m.add("x_requests_total", {{"endpoint", "/a"}, {"status", "200"}}, -5);  // ignored: counters only go up
    EXPECT_EQ(m.render(),
              "# HELP x_requests_total Requests.\n"
              "# TYPE x_requests_total counter\n"
              "x_requests_total{endpoint=\"/a\",status=\"200\"} 3\n");
    EXPECT_EQ(m.value("x_requests_total", {{"endpoint", "/a"}, {"status", "200"}}), 3);
}

TEST(MetricsTest, HistogramBucketsAreCumulative) {
    Registry m;
    m.declare("x_seconds", MetricType::HISTOGRAM, "Latency.", {0.5, 0.1, 1});
    for (const double v : {0.0625, 0.25, 0.375, 2.0}) {
        m.observe("x_seconds", {}, v);
    }
    EXPECT_EQ(m.render(),
              "# HELP x_seconds Latency.\n"
              "# TYPE x_seconds histogram\n"
              "x_seconds_bucket{le=\"0.1\"} 1\n"
              "x_seconds_bucket{le=\"0.5\"} 3\n"
              "x_seconds_bucket{le=\"1\"} 3\n"
              "x_seconds_bucket{le=\"+Inf\"} 4\n"
              "x_seconds_sum 2.6875\n"
              "x_seconds_count 4\n");
    EXPECT_EQ(m.value("x_seconds", {}), 4);
}

TEST(MetricsTest, GaugesSetAddAndClear) {
    Registry m;
    m.declare("x_in_flight", MetricType::GAUGE, "In flight.");
    m.add("x_in_flight", {}, 1);
    m.add("x_in_flight", {}, 1);
    m.add("x_in_flight", {}, -1);
    EXPECT_EQ(m.value("x_in_flight", {}), 1);
    m.set("x_in_flight", {}, 7.5);
    EXPECT_EQ(m.value("x_in_flight", {}), 7.5);
    m.clear("x_in_flight");
    EXPECT_EQ(m.render(), "# HELP x_in_flight In flight.\n# TYPE x_in_flight gauge\n");
}

TEST(MetricsTest, UndeclaredAndMistypedCallsAreIgnoredButTotalsMayBeCopied) {
    Registry m;
    m.declare("x_total", MetricType::COUNTER, "C.");
    m.observe("x_total", {}, 1);
    m.add("nope_total", {});
    EXPECT_EQ(m.value("x_total", {}), 0);
    m.set("x_total", {}, 4);  // a running total kept elsewhere, copied in
    EXPECT_EQ(m.value("x_total", {}), 4);
    EXPECT_EQ(m.value("nope_total", {}), 0);
}

TEST(MetricsTest, LabelValuesAreEscaped) {
    EXPECT_EQ(escape_label_value("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    Registry m;
    m.declare("x_total", MetricType::COUNTER, "C.");
    m.add("x_total", {{"model", "we\"ird\n"}});
    EXPECT_NE(m.render().find("x_total{model=\"we\\\"ird\\n\"} 1\n"), std::string::npos);
}

TEST(MetricsTest, ValuesAreShortAndExact) {
    EXPECT_EQ(format_value(3), "3");
    EXPECT_EQ(format_value(0.005), "0.005");
    EXPECT_EQ(format_value(-2.5), "-2.5");
    EXPECT_EQ(format_value(1.0 / 0.0), "+Inf");
}

}  // namespace
}  // namespace hearth::metrics
