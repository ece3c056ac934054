#include "bench/svg_chart.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>

namespace hearth::bench {

namespace {

constexpr double PANEL_W = 460;
constexpr double PANEL_H = 290;
constexpr double MARGIN_L = 62;
constexpr double MARGIN_R = 16;
constexpr double MARGIN_T = 30;
constexpr double MARGIN_B = 42;
constexpr double HEADER_H = 40;
constexpr double LEGEND_ROW_H = 20;
constexpr int COLUMNS = 2;
constexpr int Y_TICKS = 5;
const char* const COLOURS[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};

std::string escape(const std::string& text) {
    std::string out;
    for (const char c : text) {
        switch (c) {
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '&': out += "&amp;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&apos;"; break;
            default:
                if (static_cast<unsigned char>(c) >= 0x20 || c == '\t') {
                    out += c;  // control characters are not allowed in XML 1.0
                }
        }
    }
    return out;
}

std::string num(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", v);
    return buf;
}

// A tick label: short, without trailing zeros.
std::string tick(double v) {
    char buf[32];
    if (std::fabs(v) >= 1e5) {
        std::snprintf(buf, sizeof buf, "%.3g", v);
    } else {
        std::snprintf(buf, sizeof buf, "%.6g", std::round(v * 1000) / 1000);
    }
    return buf;
}

const char* colour(int series) {
    constexpr int COLOUR_COUNT = static_cast<int>(sizeof COLOURS / sizeof COLOURS[0]);
    return COLOURS[((series % COLOUR_COUNT) + COLOUR_COUNT) % COLOUR_COUNT];
}

// The smallest 1, 2, 2.5 or 5 times a power of ten at or above `v`.
double nice_ceiling(double v) {
    if (!(v > 0)) {
        return 1;
    }
    const double magnitude = std::pow(10.0, std::floor(std::log10(v)));
    for (const double step : {1.0, 2.0, 2.5, 5.0, 10.0}) {
        if (step * magnitude >= v * (1 - 1e-9)) {
            return step * magnitude;
        }
    }
    return 10 * magnitude;
}

struct Scale {
    double x_min = 0, x_max = 1, y_max = 1;
    bool log_x = false;
    double left = 0, top = 0;  // the plot area's corner

    double px(double x) const {
        const double w = PANEL_W - MARGIN_L - MARGIN_R;
        const double a = log_x ? std::log(x_min) : x_min;
        const double b = log_x ? std::log(x_max) : x_max;
        const double v = log_x ? std::log(x) : x;
        return left + (b > a ? (v - a) / (b - a) * w : w / 2);
    }
    double py(double y) const { return top + (PANEL_H - MARGIN_T - MARGIN_B) * (1 - y / y_max); }
};

bool usable(const ChartPoint& p, bool log_x) {
    return std::isfinite(p.x) && std::isfinite(p.y) && (!log_x || p.x > 0);
}

void draw_axes(std::string& out, const Scale& s, const std::set<double>& xs, const std::string& x_label) {
    const double bottom = s.py(0);
    const double right = s.left + PANEL_W - MARGIN_L - MARGIN_R;
    for (int i = 0; i <= Y_TICKS; ++i) {
        const double y = s.y_max * i / Y_TICKS;
        out += "<line x1=\"" + num(s.left) + "\" y1=\"" + num(s.py(y)) + "\" x2=\"" + num(right) + "\" y2=\"" +
               num(s.py(y)) + "\" stroke=\"#e5e5e5\"/>\n";
        out += "<text x=\"" + num(s.left - 6) + "\" y=\"" + num(s.py(y) + 4) + "\" text-anchor=\"end\">" + tick(y) +
               "</text>\n";
    }
    for (const double x : xs) {
        out += "<text x=\"" + num(s.px(x)) + "\" y=\"" + num(bottom + 16) + "\" text-anchor=\"middle\">" + tick(x) +
               "</text>\n";
    }
    out += "<line x1=\"" + num(s.left) + "\" y1=\"" + num(bottom) + "\" x2=\"" + num(right) + "\" y2=\"" + num(bottom) +
           "\" stroke=\"#333\"/>\n";
    out += "<text x=\"" + num((s.left + right) / 2) + "\" y=\"" + num(bottom + 34) + "\" text-anchor=\"middle\">" +
           escape(x_label) + "</text>\n";
}

void draw_panel(std::string& out, const ChartFigure& figure, const ChartPanel& panel, double x0, double y0) {
    Scale s;
    s.log_x = figure.log_x;
    s.left = x0 + MARGIN_L;
    s.top = y0 + MARGIN_T;
    std::set<double> xs;
    double y_max = 0;
    for (const ChartLine& line : panel.lines) {
        for (const ChartPoint& p : line.points) {
            if (usable(p, s.log_x)) {
                xs.insert(p.x);
                y_max = std::max(y_max, p.y);
            }
        }
    }
    if (!xs.empty()) {
        s.x_min = *xs.begin();
        s.x_max = *xs.rbegin();
    }
    s.y_max = nice_ceiling(y_max);
    out += "<g class=\"panel\">\n<text class=\"panel-title\" x=\"" + num(x0 + MARGIN_L) + "\" y=\"" + num(y0 + 18) +
           "\">" + escape(panel.title) + "</text>\n";
    draw_axes(out, s, xs, figure.x_label);
    for (const ChartLine& line : panel.lines) {
        std::string points;
        for (const ChartPoint& p : line.points) {
            if (usable(p, s.log_x)) {
                points += (points.empty() ? "" : " ") + num(s.px(p.x)) + "," + num(s.py(p.y));
            }
        }
        if (points.empty()) {
            continue;
        }
        out += "<polyline class=\"line\" data-series=\"" + std::to_string(line.series) + "\" fill=\"none\" stroke=\"" +
               colour(line.series) + "\" stroke-width=\"2\"" + (line.dashed ? " stroke-dasharray=\"6 4\"" : "") +
               " points=\"" + points + "\"/>\n";
    }
    out += "</g>\n";
}

}  // namespace

std::string render_svg(const ChartFigure& figure) {
    const int rows = (static_cast<int>(figure.panels.size()) + COLUMNS - 1) / COLUMNS;
    const double legend_h = LEGEND_ROW_H * static_cast<double>(figure.series.size()) + 10;
    const double width = PANEL_W * COLUMNS;
    const double height = HEADER_H + PANEL_H * rows + legend_h;
    std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" +
                      num(width) + "\" height=\"" + num(height) + "\" viewBox=\"0 0 " + num(width) + " " + num(height) +
                      "\" font-family=\"sans-serif\" font-size=\"12\">\n";
    out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"16\" y=\"26\" font-size=\"16\">" +
           escape(figure.title) + "</text>\n";
    for (size_t i = 0; i < figure.panels.size(); ++i) {
        const double x0 = PANEL_W * static_cast<double>(i % COLUMNS);
        const double y0 = HEADER_H + PANEL_H * static_cast<double>(i / COLUMNS);
        draw_panel(out, figure, figure.panels[i], x0, y0);
    }
    out += "<g class=\"legend\">\n";
    for (size_t i = 0; i < figure.series.size(); ++i) {
        const double y = HEADER_H + PANEL_H * rows + LEGEND_ROW_H * static_cast<double>(i) + 12;
        out += "<g class=\"series\" data-series=\"" + std::to_string(i) + "\"><line x1=\"16\" y1=\"" + num(y - 4) +
               "\" x2=\"40\" y2=\"" + num(y - 4) + "\" stroke=\"" + colour(static_cast<int>(i)) +
               "\" stroke-width=\"3\"/><text x=\"48\" y=\"" + num(y) + "\">" + escape(figure.series[i]) +
               "</text></g>\n";
    }
    out += "</g>\n</svg>\n";
    return out;
}

}  // namespace hearth::bench
