#pragma once
// Line charts as one self-contained SVG document: panels side by side in a grid, each with its axes, ticks
// and lines, and one legend for the whole figure (a series has the same colour in every panel). No scripts,
// no external fonts: it opens in any browser and embeds in a page.

#include <string>
#include <vector>

namespace hearth::bench {

struct ChartPoint {
    double x = 0;
    double y = 0;
};

struct ChartLine {
    int series = 0;       // index into ChartFigure::series: the colour and legend entry
    bool dashed = false;  // a second statistic of the same series (e.g. p99 beside p50)
    std::vector<ChartPoint> points;
};

struct ChartPanel {
    std::string title;  // e.g. "TTFT, ms (p50 solid, p99 dashed)"
    std::vector<ChartLine> lines;
};

struct ChartFigure {
    std::string title;
    std::string x_label;
    bool log_x = false;               // x on a log scale (concurrency 1, 4, 16, 64)
    std::vector<std::string> series;  // legend names, in colour order
    std::vector<ChartPanel> panels;
};

// The SVG text. Names and titles are escaped; points with a non-finite coordinate (or x <= 0 on a log
// scale) are left out.
std::string render_svg(const ChartFigure& figure);

}  // namespace hearth::bench
