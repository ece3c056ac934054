#include "util/log.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>

#include <cmath>
#include <cstdio>

#include "util/utf8.h"

namespace hearth::log {

namespace {

// Marks a payload that is already a list of JSON members (from record()), not a message to escape.
constexpr char RECORD_MARK = '\x1e';

Format g_format = Format::TEXT;  // written before threads start, read-only afterwards

// The `%*` flag of the JSON pattern: the message as "msg":"...", or a record's members as they are.
class JsonPayloadFlag final : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm& /*time*/, spdlog::memory_buf_t& dest) override {
        const std::string_view payload(msg.payload.data(), msg.payload.size());
        std::string out;
        if (!payload.empty() && payload.front() == RECORD_MARK) {
            out = payload.substr(1);
        } else {
            out = "\"msg\":\"" + json_escape(payload) + "\"";
        }
        dest.append(out.data(), out.data() + out.size());
    }
    std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<JsonPayloadFlag>(); }
};

spdlog::level::level_enum to_spdlog(Level level) {
    switch (level) {
        case Level::DEBUG: return spdlog::level::debug;
        case Level::INFO: return spdlog::level::info;
        case Level::WARN: return spdlog::level::warn;
        case Level::ERROR: return spdlog::level::err;
    }
    return spdlog::level::info;
}

std::string number_text(double value) {
    if (!std::isfinite(value)) {
        return "null";
    }
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.3f", value);
    return buf;
}

bool needs_quotes(std::string_view text) {
    if (text.empty()) {
        return true;
    }
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || c == '"' || c == '=' || c == '\\' || byte == 0x7f) {
            return true;
        }
    }
    return false;
}

std::string field_text(const Field& field, bool json) {
    if (const auto* text = std::get_if<std::string>(&field.value)) {
        if (json || needs_quotes(*text)) {
            return "\"" + json_escape(*text) + "\"";
        }
        return utf8::is_valid(*text) ? *text : "\"" + json_escape(*text) + "\"";
    }
    if (const auto* integer = std::get_if<int64_t>(&field.value)) {
        return std::to_string(*integer);
    }
    return number_text(std::get<double>(field.value));
}

}  // namespace

void init(Level level) {
    spdlog::set_default_logger(spdlog::stderr_color_mt("hearth"));
    set_level(level);
}

void set_level(Level level) {
    spdlog::set_level(to_spdlog(level));
}

bool parse_level(std::string_view name, Level& out) {
    if (name == "debug") {
        out = Level::DEBUG;
    } else if (name == "info") {
        out = Level::INFO;
    } else if (name == "warn") {
        out = Level::WARN;
    } else if (name == "error") {
        out = Level::ERROR;
    } else {
        return false;
    }
    return true;
}

void set_format(Format format) {
    g_format = format;
    if (format == Format::TEXT) {
        spdlog::set_pattern("%+");
        return;
    }
    auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
    formatter->add_flag<JsonPayloadFlag>('*').set_pattern(R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l",%*})");
    spdlog::set_formatter(std::move(formatter));
}

bool parse_format(std::string_view name, Format& out) {
    if (name == "text") {
        out = Format::TEXT;
    } else if (name == "json") {
        out = Format::JSON;
    } else {
        return false;
    }
    return true;
}

void record(Level level, std::string_view event, const std::vector<Field>& fields) {
    const bool json = g_format == Format::JSON;
    std::string line;
    if (json) {
        line = std::string(1, RECORD_MARK) + "\"msg\":\"" + json_escape(event) + "\"";
        for (const Field& field : fields) {
            line += ",\"" + field.key + "\":" + field_text(field, true);
        }
    } else {
        line = std::string(event);
        for (const Field& field : fields) {
            line += " " + field.key + "=" + field_text(field, false);
        }
    }
    spdlog::log(to_spdlog(level), "{}", line);
}

std::string json_escape(std::string_view text) {
    const bool valid = utf8::is_valid(text);
    std::string out;
    out.reserve(text.size() + 8);
    for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte < 0x20 || byte == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", byte);
            out += buf;
        } else if (byte >= 0x80 && !valid) {
            out += "\\ufffd";
        } else {
            out += c;
        }
    }
    return out;
}

}  // namespace hearth::log
