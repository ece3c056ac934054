// The serve runs drawn as SVG: one series per run (label, or one unlabelled invocation), the axis chosen by the
// newest row, the newest row winning a repeated level, labels filtered, names escaped, and no series at all
// as NOT_FOUND rather than an empty picture.

#include "bench/bench_plot.h"

#include <gtest/gtest.h>

#include <string>

namespace hearth::bench {
namespace {

using nlohmann::json;

json row(const std::string& label, int concurrency, double rate, double tok_s, const std::string& started = "t1") {
    return json{{"label", label},
                {"started_at", started},
                {"model", "qwen"},
                {"endpoint", "chat"},
                {"concurrency", concurrency},
                {"request_rate", rate > 0 ? json(rate) : json(nullptr)},
                {"output_tokens_per_s", tok_s},
                {"request_throughput", tok_s / 100},
                {"goodput", nullptr},
                {"ttft_p50_ms", 100.0},
                {"ttft_p99_ms", 300.0},
                {"tpot_p50_ms", 20.0},
                {"tpot_p99_ms", 30.0},
                {"itl_p50_ms", 20.0},
                {"itl_p99_ms", 60.0},
                {"e2e_p50_ms", 1000.0},
                {"e2e_p99_ms", 2000.0}};
}

size_t count(const std::string& text, const std::string& needle) {
    size_t n = 0;
    for (size_t at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) {
        ++n;
    }
    return n;
}

// Newest first, as BenchDb::all_columns gives them: a compare (two labels at 1, 4, 16) and an older
// unlabelled run.
json compare_rows() {
    json rows = json::array();
    for (const int c : {16, 4, 1}) {
        rows.push_back(row("hearth", c, 0, 10.0 * c));
        rows.push_back(row("llama-server", c, 0, 9.0 * c));
    }
    rows.push_back(row("", 4, 0, 1, "2026-01-01T00:00:00Z"));
    return rows;
}

TEST(BenchPlot, ASeriesPerRunAndALineEachPerPanel) {
    auto figure = serve_figure(compare_rows(), PlotOptions{});
    ASSERT_TRUE(figure) << figure.error().message;
    ASSERT_EQ(figure->series.size(), 3U);
    EXPECT_EQ(figure->series[0], "hearth, qwen");
    EXPECT_EQ(figure->series[1], "llama-server, qwen");
    EXPECT_EQ(figure->series[2], "run 2026-01-01T00:00:00Z, qwen");
    EXPECT_TRUE(figure->log_x);  // 1 to 16
    ASSERT_EQ(figure->panels.size(), 6U);
    const ChartPanel& throughput = figure->panels[0];
    ASSERT_EQ(throughput.lines.size(), 3U);
    ASSERT_EQ(throughput.lines[0].points.size(), 3U);
    EXPECT_EQ(throughput.lines[0].points[0].x, 1);  // sorted by x
    EXPECT_EQ(throughput.lines[0].points[2].y, 160);
    EXPECT_EQ(figure->panels[2].lines.size(), 6U);  // TTFT: p50 and p99 of each run
    const std::string svg = render_svg(*figure);
    EXPECT_EQ(svg.rfind("<?xml", 0), 0U);
    EXPECT_EQ(count(svg, "<g class=\"series\""), 3U);
    EXPECT_EQ(count(svg, "<polyline"), 3U + 3 + 4 * 6);  // tok/s; req/s (goodput null: no line); 4 latency panels
    EXPECT_EQ(count(svg, "<svg"), count(svg, "</svg>"));
}

TEST(BenchPlot, TheNewestRowOfARepeatedLevelWins) {
    json rows = json::array({row("hearth", 4, 0, 50), row("hearth", 4, 0, 20)});
    auto figure = serve_figure(rows, PlotOptions{});
    ASSERT_TRUE(figure);
    ASSERT_EQ(figure->panels[0].lines[0].points.size(), 1U);
    EXPECT_EQ(figure->panels[0].lines[0].points[0].y, 50);
}

TEST(BenchPlot, TheAxisFollowsTheNewestRowOrTheOption) {
    json rows = compare_rows();
    rows.insert(rows.begin(), row("hearth", 256, 0.5, 30));
    rows.insert(rows.begin(), row("hearth", 256, 0.25, 20));
    auto rate = serve_figure(rows, PlotOptions{});
    ASSERT_TRUE(rate);
    EXPECT_EQ(rate->x_label, "request rate, requests/s");
    ASSERT_EQ(rate->series.size(), 1U);
    EXPECT_EQ(rate->panels[0].lines[0].points.size(), 2U);
    EXPECT_FALSE(rate->log_x);
    PlotOptions closed;
    closed.axis = PlotAxis::CONCURRENCY;
    auto concurrency = serve_figure(rows, closed);
    ASSERT_TRUE(concurrency);
    EXPECT_EQ(concurrency->series.size(), 3U);
}

TEST(BenchPlot, LabelsFilterAndMaxSeriesKeepsTheNewest) {
    PlotOptions only;
    only.labels = {"llama-server"};
    auto figure = serve_figure(compare_rows(), only);
    ASSERT_TRUE(figure);
    ASSERT_EQ(figure->series.size(), 1U);
    EXPECT_EQ(figure->series[0], "llama-server, qwen");
    PlotOptions two;
    two.max_series = 2;
    figure = serve_figure(compare_rows(), two);
    ASSERT_TRUE(figure);
    EXPECT_EQ(figure->series.size(), 2U);
}

TEST(BenchPlot, NothingToDrawIsNotFound) {
    EXPECT_EQ(serve_figure(json::array(), PlotOptions{}).error().code, ErrorCode::NOT_FOUND);
    PlotOptions rate;
    rate.axis = PlotAxis::RATE;
    EXPECT_EQ(serve_figure(compare_rows(), rate).error().code, ErrorCode::NOT_FOUND);
    PlotOptions other;
    other.labels = {"vllm"};
    EXPECT_EQ(serve_figure(compare_rows(), other).error().code, ErrorCode::NOT_FOUND);
    EXPECT_EQ(serve_figure(json::object(), PlotOptions{}).error().code, ErrorCode::INVALID_ARGUMENT);
}

TEST(SvgChart, NamesAreEscapedAndBadPointsLeftOut) {
    ChartFigure figure;
    figure.title = "a <b> & \"c\"";
    figure.x_label = "x";
    figure.log_x = true;
    figure.series = {"run <1> & 'two'\x01"};
    ChartLine line;
    line.points = {{0, 1}, {1, 2}, {2, std::nan("")}, {4, 3}};
    figure.panels.push_back(ChartPanel{"p", {line}});
    const std::string svg = render_svg(figure);
    EXPECT_NE(svg.find("a &lt;b&gt; &amp; &quot;c&quot;"), std::string::npos);
    EXPECT_NE(svg.find("run &lt;1&gt; &amp; &apos;two&apos;</text>"), std::string::npos);
    EXPECT_EQ(svg.find('\x01'), std::string::npos);
    const size_t points = svg.find("points=\"");
    ASSERT_NE(points, std::string::npos);
    const std::string list = svg.substr(points + 8, svg.find('"', points + 8) - points - 8);
    EXPECT_EQ(count(list, ","), 2U) << list;  // x=0 (log scale) and y=NaN dropped
    EXPECT_EQ(svg.find("nan"), std::string::npos);
    EXPECT_EQ(svg.find("inf"), std::string::npos);
}

}  // namespace
}  // namespace hearth::bench
