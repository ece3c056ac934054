#pragma once
// Logging facade over spdlog. Engine logs (llama.cpp, whisper.cpp, ggml) are routed here too, so one
// process writes one stream. Thread-safe.

#include <spdlog/spdlog.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace hearth::log {

enum class Level { DEBUG, INFO, WARN, ERROR };
// TEXT: spdlog's human format. JSON: one object per line ({"time","level","msg"} plus a record's fields), for
// log shippers; every string is escaped, invalid UTF-8 replaced.
enum class Format { TEXT, JSON };

// Sends logs to stderr (stdout stays for command output) at the given minimum level. Call once from main
// before threads start.
void init(Level level);
void set_level(Level level);
// Parses "debug", "info", "warn", "error"; false when the name is unknown.
bool parse_level(std::string_view name, Level& out);
// Switches the format of every later line; call from main before threads start (after init).
void set_format(Format format);
// Parses "text", "json"; false when the name is unknown.
bool parse_format(std::string_view name, Format& out);

// One field of a structured record.
struct Field {
    std::string key;  // a fixed identifier: [a-z_]+
    std::variant<std::string, int64_t, double> value;
};

// One structured line: `event key=value ...` in TEXT (values quoted and escaped when they hold spaces, quotes
// or control characters: a client cannot forge lines), `{"time",...,"msg":event,"key":value,...}` in JSON.
void record(Level level, std::string_view event, const std::vector<Field>& fields);

// The text as the inside of a JSON string: quotes, backslashes and control characters escaped, and when the
// text is not valid UTF-8 every non-ASCII byte replaced by U+FFFD.
std::string json_escape(std::string_view text);

template <typename... Args>
void debug(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::debug(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void info(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::info(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::warn(fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void error(spdlog::format_string_t<Args...> fmt, Args&&... args) {
    spdlog::error(fmt, std::forward<Args>(args)...);
}

}  // namespace hearth::log
