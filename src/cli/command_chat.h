#pragma once
// `hearth chat MODEL [PROMPT]`: a conversation with a model on a running server, in the terminal, as
// `ollama run` offers: the model is loaded first if it is not, replies stream as they are generated, Ctrl-C
// stops a reply (not the program), /commands change the system prompt and sampling or clear the history.
// With PROMPT, or with input from a pipe, it answers that one prompt and exits.

#include <CLI/CLI.hpp>

#include <string>

#include "client/chat_session.h"

namespace hearth::cli {

struct ChatOptions {
    std::string url = "http://127.0.0.1:8080";
    std::string api_key;
    std::string prompt;  // one-shot
    int timeout_s = 600;
    bool verbose = false;  // token counts and speeds after each reply
    client::ChatSettings settings;
};

void add_chat_command(CLI::App& app, ChatOptions& options);
// 0 ended normally, 1 the server or the model could not be reached (or a one-shot reply failed).
int run_chat(ChatOptions& options);

}  // namespace hearth::cli
