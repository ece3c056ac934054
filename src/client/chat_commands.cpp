#include "client/chat_commands.h"

#include <charconv>
#include <cmath>
#include <optional>
#include <sstream>

namespace hearth::client {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
        s.remove_prefix(1);
    }
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) {
        s.remove_suffix(1);
    }
    return s;
}

// The first word of `s`, and what follows it (trimmed) in `rest`.
std::string_view first_word(std::string_view s, std::string_view& rest) {
    s = trim(s);
    const size_t space = s.find_first_of(" \t");
    rest = space == std::string_view::npos ? std::string_view() : trim(s.substr(space));
    return s.substr(0, space);
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
    T value{};
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end != text.data() + text.size()) {
        return std::nullopt;
    }
    return value;
}

CommandResult failed(std::string message) {
    return CommandResult{CommandAction::HANDLED, std::move(message), true};
}

CommandResult unknown_setting(std::string_view name) {
    return failed("unknown setting '" + std::string(name) +
                  "' (system, temperature, top_p, top_k, max_tokens or seed)");
}

CommandResult done(std::string message) {
    return CommandResult{CommandAction::HANDLED, std::move(message), false};
}

template <typename T>
std::string shown(const std::optional<T>& value) {
    if (!value) {
        return "(server default)";
    }
    std::ostringstream out;
    out << *value;
    return out.str();
}

std::string show_settings(const ChatSettings& s) {
    return "model " + s.model + "\nsystem " + (s.system.empty() ? "(none)" : "\"" + s.system + "\"") +
           "\ntemperature " + shown(s.temperature) + "\ntop_p " + shown(s.top_p) + "\ntop_k " + shown(s.top_k) +
           "\nmax_tokens " + shown(s.max_tokens) + "\nseed " + shown(s.seed);
}

CommandResult set_real(std::optional<double>& field, std::string_view name, std::string_view value, double max) {
    const auto number = parse_number<double>(value);
    if (!number || !std::isfinite(*number) || *number < 0 || *number > max) {
        return failed(std::string(name) + " must be a number from 0 to " + shown(std::optional<double>(max)));
    }
    field = *number;
    return done("Set " + std::string(name) + " to " + shown(field) + ".");
}

template <typename T>
CommandResult set_integer(std::optional<T>& field, std::string_view name, std::string_view value, T min) {
    const auto number = parse_number<T>(value);
    if (!number || *number < min) {
        return failed(std::string(name) + " must be a whole number of at least " + std::to_string(min));
    }
    field = *number;
    return done("Set " + std::string(name) + " to " + shown(field) + ".");
}

CommandResult set_setting(ChatSettings& s, std::string_view name, std::string_view value) {
    if (value.empty()) {
        return failed("/set " + std::string(name) + " needs a value");
    }
    if (name == "system") {
        s.system = std::string(value);
        return done("Set the system prompt.");
    }
    if (name == "temperature") {
        return set_real(s.temperature, name, value, 2.0);
    }
    if (name == "top_p") {
        return set_real(s.top_p, name, value, 1.0);
    }
    if (name == "top_k") {
        return set_integer(s.top_k, name, value, 0);
    }
    if (name == "max_tokens") {
        return set_integer(s.max_tokens, name, value, 1);
    }
    if (name == "seed") {
        return set_integer<int64_t>(s.seed, name, value, 0);
    }
    return unknown_setting(name);
}

CommandResult unset_setting(ChatSettings& s, std::string_view name) {
    if (name == "system") {
        s.system.clear();
    } else if (name == "temperature") {
        s.temperature.reset();
    } else if (name == "top_p") {
        s.top_p.reset();
    } else if (name == "top_k") {
        s.top_k.reset();
    } else if (name == "max_tokens") {
        s.max_tokens.reset();
    } else if (name == "seed") {
        s.seed.reset();
    } else {
        return unknown_setting(name);
    }
    return done("Unset " + std::string(name) + ".");
}

}  // namespace

std::string command_help() {
    return "/set                 show the settings\n"
           "/set NAME VALUE      set system, temperature, top_p, top_k, max_tokens or seed\n"
           "/unset NAME          back to the server's default\n"
           "/system [TEXT]       show or set the system prompt\n"
           "/clear               forget the conversation (settings stay)\n"
           "/bye                 exit (also /exit, Ctrl-D)\n"
           "\"\"\" ... \"\"\"          a prompt over several lines\n"
           "Ctrl-C stops a reply; at the prompt it clears the line.";
}

CommandResult run_command(ChatSession& session, std::string_view line) {
    if (trim(line).empty() || trim(line).front() != '/') {
        return {};
    }
    std::string_view rest;
    const std::string_view command = first_word(trim(line), rest);
    if (command == "/bye" || command == "/exit" || command == "/quit") {
        return CommandResult{CommandAction::EXIT, "", false};
    }
    if (command == "/help" || command == "/?") {
        return done(command_help());
    }
    if (command == "/clear") {
        session.clear();
        return done("Cleared the conversation.");
    }
    if (command == "/system") {
        if (rest.empty()) {
            return done(session.settings().system.empty() ? "(no system prompt)" : session.settings().system);
        }
        return set_setting(session.settings(), "system", rest);
    }
    if (command == "/set" || command == "/unset") {
        std::string_view value;
        const std::string_view name = first_word(rest, value);
        if (name.empty()) {
            return command == "/set" ? done(show_settings(session.settings()))
                                     : failed("/unset needs a setting's name");
        }
        return command == "/set" ? set_setting(session.settings(), name, value)
                                 : unset_setting(session.settings(), name);
    }
    return failed("unknown command " + std::string(command) + " (/help lists them)");
}

}  // namespace hearth::client
