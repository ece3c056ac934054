#pragma once
// The terminal chat's /commands, as `ollama run` has them: /help, /set and /unset of the system prompt and
// sampling settings, /system, /clear, /bye. Any other line is a prompt.

#include <string>
#include <string_view>

#include "client/chat_session.h"

namespace hearth::client {

enum class CommandAction {
    PROMPT,   // not a command: send the line
    HANDLED,  // done; show the message
    EXIT,
};

struct CommandResult {
    CommandAction action = CommandAction::PROMPT;
    std::string message;  // for the terminal, may be empty
    bool error = false;   // the message says what was wrong; nothing changed
};

// Runs `line` when it is a command (starts with '/'), changing `session`.
CommandResult run_command(ChatSession& session, std::string_view line);

// What /help prints.
std::string command_help();

}  // namespace hearth::client
