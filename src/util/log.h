#pragma once
// Logging facade over spdlog. Engine logs (llama.cpp, whisper.cpp, ggml) are routed here too, so one
// process writes one stream. Thread-safe.

#include <spdlog/spdlog.h>

#include <string_view>

namespace hearth::log {

enum class Level { DEBUG, INFO, WARN, ERROR };

// Sends logs to stderr (stdout stays for command output) at the given minimum level. Call once from main
// before threads start.
void init(Level level);
void set_level(Level level);
// Parses "debug", "info", "warn", "error"; false when the name is unknown.
bool parse_level(std::string_view name, Level& out);

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
