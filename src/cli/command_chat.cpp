#include "cli/command_chat.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <unistd.h>

#include "cli/command_admin.h"
#include "client/chat_commands.h"
#include "client/line_input.h"
#include "client/reply_reader.h"
#include "http/http_client.h"

namespace hearth::cli {

namespace {

using Clock = std::chrono::steady_clock;

// Set by SIGINT: stops the reply being streamed, or the line being typed.
volatile std::sig_atomic_t interrupted = 0;  // NOLINT(cppcoreguidelines-avoid-non-const-global-variables)

void on_sigint(int /*signal*/) {
    interrupted = 1;
}

// Without SA_RESTART, so that a read at the prompt returns EINTR instead of waiting on.
void catch_sigint() {
    struct sigaction action = {};
    action.sa_handler = on_sigint;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    sigaction(SIGINT, &action, nullptr);
}

struct Connection {
    http::BaseUrl base;
    std::string api_key;
    std::unique_ptr<http::HttpClient> client;

    http::ClientRequest request(std::string method, const std::string& path, std::string body = {}) const {
        http::ClientRequest r;
        r.method = std::move(method);
        r.target = base.path + path;
        r.body = std::move(body);
        if (!r.body.empty()) {
            r.headers.push_back({"Content-Type", "application/json"});
        }
        if (!api_key.empty()) {
            r.headers.push_back({"Authorization", "Bearer " + api_key});
        }
        return r;
    }
};

// The model exists on the server and is loaded (loading it now, with progress, when it is not).
bool ensure_loaded(const ChatOptions& o, Connection& c) {
    const std::string& id = o.settings.model;
    auto reply = c.client->send(c.request("GET", "/v1/models/" + id));
    if (!reply) {
        std::cerr << "hearth chat: cannot reach the server at " << o.url << ": " << reply.error().message
                  << " (start one with 'hearth serve')\n";
        return false;
    }
    if (reply->status != 200) {
        std::cerr << "hearth chat: " << client::error_message(reply->status, reply->body) << "\n";
        return false;
    }
    const auto model = nlohmann::json::parse(reply->body, nullptr, false);
    if (model.is_object() && model.value("state", "") == "ready") {
        return true;
    }
    AdminOptions admin;
    admin.url = o.url;
    admin.api_key = o.api_key;
    admin.timeout_s = o.timeout_s;
    return load_model(admin, id) == 0;
}

// Writes a reply's pieces as they come; reasoning dimmed on a terminal (and left out elsewhere).
class ReplyPrinter {
public:
    explicit ReplyPrinter(bool tty) : tty_(tty) {}

    void print(const client::ReplyDelta& d) {
        if (!d.reasoning.empty() && tty_) {
            std::fputs(reasoning_ ? "" : "\033[2mThinking: ", stdout);
            std::fputs(d.reasoning.c_str(), stdout);
            reasoning_ = true;
        }
        if (!d.content.empty()) {
            if (reasoning_) {
                std::fputs("\033[0m\n", stdout);
                reasoning_ = false;
            }
            std::fputs(d.content.c_str(), stdout);
            ended_with_newline_ = d.content.back() == '\n';
        }
        std::fflush(stdout);
    }

    void end() {
        std::fputs(reasoning_ ? "\033[0m\n" : (ended_with_newline_ ? "" : "\n"), stdout);
        std::fflush(stdout);
    }

private:
    bool tty_;
    bool reasoning_ = false;
    bool ended_with_newline_ = true;
};

void print_stats(const client::ReplyReader& reader, double first_s, double total_s) {
    const int n = reader.usage().completion_tokens;
    const double decode_s = total_s - first_s;
    std::fprintf(stderr, "(%d prompt + %d generated tokens; first token after %.0f ms; %.1f tokens/s)\n",
                 reader.usage().prompt_tokens, n, first_s * 1000, n > 1 && decode_s > 0 ? (n - 1) / decode_s : 0.0);
}

// Sends the prompt after the conversation so far and streams the reply; the turn is kept when anything was
// answered (a stopped reply's part too, as it was shown). False when the request failed.
bool ask(const ChatOptions& o, Connection& c, client::ChatSession& session, const std::string& prompt) {
    interrupted = 0;
    ReplyPrinter printer(isatty(STDOUT_FILENO) == 1);
    client::ReplyReader reader([&printer](const client::ReplyDelta& d) { printer.print(d); });
    std::string error_body;
    int status = 0;
    bool stopped = false;
    const auto start = Clock::now();
    std::optional<Clock::time_point> first;
    auto sent = c.client->send(c.request("POST", "/v1/chat/completions", session.request_body(prompt)),
                               [&](const http::ClientResponse& head, std::string_view piece) {
                                   status = head.status;
                                   if (interrupted != 0) {
                                       stopped = true;
                                       return false;  // closing the connection cancels the generation
                                   }
                                   if (head.status != 200) {
                                       error_body.append(piece);
                                       return true;
                                   }
                                   if (!first) {
                                       first = Clock::now();
                                   }
                                   return reader.feed(piece);
                               });
    printer.end();
    std::string error;
    if (!sent && !stopped) {
        error = sent.error().message;
    } else if (status != 200 && !stopped) {
        error = client::error_message(status, error_body);
    } else if (!reader.error().empty()) {
        error = reader.error();
    }
    if (!error.empty()) {
        std::cerr << "error: " << error << "\n";
    } else if (stopped) {
        std::cerr << "(stopped)\n";
    } else if (reader.finish_reason() == "length") {
        std::cerr << "(the reply reached the token limit)\n";
    }
    if (o.verbose && error.empty() && !stopped) {
        const auto seconds = [start](Clock::time_point t) { return std::chrono::duration<double>(t - start).count(); };
        print_stats(reader, first ? seconds(*first) : 0, seconds(Clock::now()));
    }
    if (!reader.content().empty()) {
        session.add_turn(prompt, reader.content());
    }
    return error.empty();
}

void interactive(const ChatOptions& o, Connection& c, client::ChatSession& session) {
    std::cout << "Chatting with " << o.settings.model << " at " << o.url
              << ". /help for commands; Ctrl-C stops a reply; Ctrl-D or /bye exits.\n";
    client::LineInput input(STDIN_FILENO);
    for (;;) {
        std::fputs(">>> ", stdout);
        std::fflush(stdout);
        interrupted = 0;
        std::string prompt;
        const client::ReadStatus status = input.read_prompt(prompt, [] {
            std::fputs("... ", stdout);
            std::fflush(stdout);
        });
        if (status == client::ReadStatus::END) {
            std::fputs("\n", stdout);
            return;
        }
        if (status == client::ReadStatus::INTERRUPTED) {
            std::fputs("\n(Ctrl-D or /bye to exit)\n", stdout);
            continue;
        }
        const client::CommandResult command = client::run_command(session, prompt);
        if (command.action == client::CommandAction::EXIT) {
            return;
        }
        if (command.action == client::CommandAction::HANDLED) {
            (command.error ? std::cerr : std::cout) << command.message << "\n";
            continue;
        }
        if (prompt.find_first_not_of(" \t") != std::string::npos) {
            ask(o, c, session, prompt);
        }
    }
}

}  // namespace

void add_chat_command(CLI::App& app, ChatOptions& o) {
    CLI::App* chat = app.add_subcommand("chat", "Chat with a model on a running server, in the terminal");
    chat->add_option("model", o.settings.model, "Model name")->required();
    chat->add_option("prompt", o.prompt, "Answer this one prompt and exit");
    chat->add_option("--url", o.url, "Server root")->capture_default_str();
    chat->add_option("--api-key", o.api_key, "Bearer token")->envname("HEARTH_API_KEY");
    chat->add_option("--timeout", o.timeout_s, "Seconds to wait for the server")->check(CLI::Range(1, 86400));
    chat->add_option("--system", o.settings.system, "System prompt");
    chat->add_option("--temperature", o.settings.temperature, "Sampling temperature")->check(CLI::Range(0.0, 2.0));
    chat->add_option("--top-p", o.settings.top_p, "Nucleus sampling mass")->check(CLI::Range(0.0, 1.0));
    chat->add_option("--top-k", o.settings.top_k, "Top-k sampling (0: off)")->check(CLI::NonNegativeNumber);
    chat->add_option("--max-tokens", o.settings.max_tokens, "Most tokens per reply")->check(CLI::PositiveNumber);
    chat->add_option("--seed", o.settings.seed, "Sampling seed")->check(CLI::NonNegativeNumber);
    chat->add_flag("--verbose", o.verbose, "Token counts and speed after each reply");
}

int run_chat(ChatOptions& o) {
    auto base = http::parse_base_url(o.url);
    if (!base) {
        std::cerr << "hearth chat: " << base.error().message << "\n";
        return 1;
    }
    Connection c{*base, o.api_key,
                 std::make_unique<http::HttpClient>(base->host, base->port, std::chrono::seconds(o.timeout_s))};
    if (!ensure_loaded(o, c)) {
        return 1;
    }
    catch_sigint();
    client::ChatSession session(o.settings);
    if (!o.prompt.empty()) {
        return ask(o, c, session, o.prompt) ? 0 : 1;
    }
    if (isatty(STDIN_FILENO) != 1) {  // a pipe: all of it is one prompt
        const std::string prompt(std::istreambuf_iterator<char>(std::cin), {});
        return ask(o, c, session, prompt) ? 0 : 1;
    }
    interactive(o, c, session);
    return 0;
}

}  // namespace hearth::cli
