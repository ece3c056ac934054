#include "cli/command_pull.h"

#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <unistd.h>

#include "cli/command_serve.h"
#include "pull/puller.h"

namespace hearth::cli {

namespace {

using Clock = std::chrono::steady_clock;

std::string megabytes(int64_t bytes) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1f MB", static_cast<double>(bytes) / 1e6);
    return text;
}

// One line per file: redrawn in place on a terminal (bytes, rate, ETA); otherwise a line at most every 5 s.
class ProgressPrinter {
public:
    explicit ProgressPrinter(bool terminal) : terminal_(terminal) {}

    void on_event(const pull::PullEvent& event) {
        using Kind = pull::PullEvent::Kind;
        if (event.kind == Kind::RESOLVING) {
            std::cerr << "resolving...\n";
            return;
        }
        auto& file = files_[event.file];
        if (event.kind == Kind::DOWNLOADING) {
            downloading(event, file);
        } else if (event.kind == Kind::VERIFYING) {
            end_line();
            std::cerr << "  " << event.file << ": verifying sha256\n";
        } else {
            std::cerr << "  " << event.file << ": done (" << megabytes(event.total) << ", sha256 verified)\n";
        }
    }

private:
    struct FileState {
        Clock::time_point started = Clock::now();
        int64_t first_bytes = -1;  // where this pull started (a resume starts past 0)
        Clock::time_point last_line{};
    };

    void downloading(const pull::PullEvent& event, FileState& file) {
        if (file.first_bytes < 0) {
            file.first_bytes = event.completed;
        }
        const double seconds = std::chrono::duration<double>(Clock::now() - file.started).count();
        const double rate = seconds > 0 ? static_cast<double>(event.completed - file.first_bytes) / seconds : 0;
        const double percent = event.total > 0 ? 100.0 * static_cast<double>(event.completed) / event.total : 0;
        const double eta = rate > 0 ? static_cast<double>(event.total - event.completed) / rate : 0;
        char line[256];
        std::snprintf(line, sizeof line, "  %s: %5.1f%% %s of %s, %s/s, ETA %d:%02d", event.file.c_str(), percent,
                      megabytes(event.completed).c_str(), megabytes(event.total).c_str(),
                      megabytes(static_cast<int64_t>(rate)).c_str(), static_cast<int>(eta) / 60,
                      static_cast<int>(eta) % 60);
        if (terminal_) {
            std::cerr << "\r" << line << "\x1b[K" << std::flush;
            open_line_ = true;
        } else if (Clock::now() - file.last_line >= std::chrono::seconds(5) || event.completed == event.total) {
            file.last_line = Clock::now();
            std::cerr << line << "\n";
        }
    }

    void end_line() {
        if (open_line_) {
            std::cerr << "\n";
            open_line_ = false;
        }
    }

    bool terminal_;
    bool open_line_ = false;
    std::map<std::string, FileState> files_;
};

}  // namespace

void add_pull_command(CLI::App& app, PullCommandOptions& o) {
    CLI::App* pull = app.add_subcommand("pull", "Download a model from Hugging Face: hearth pull org/repo[:QUANT]");
    pull->add_option("ref", o.ref, "org/repo, org/repo:Q8_0, org/repo/file.gguf, or a hf.co / huggingface.co URL")
        ->required();
    pull->add_option("--models-dir", o.models_dir, "Models directory (default as hearth serve)");
    pull->add_option("--token", o.token, "Hugging Face token for gated or private repos (default: $HF_TOKEN)");
    pull->add_option("--endpoint", o.endpoint, "Hub URL (default: $HF_ENDPOINT, else https://huggingface.co)");
    pull->add_option("--stall-timeout", o.stall_timeout_s, "Seconds without data before a transfer fails")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
}

int run_pull(const PullCommandOptions& o) {
    pull::PullOptions options = pull::pull_options_from_env();
    options.models_dir = o.models_dir.empty() ? default_models_dir() : o.models_dir;
    if (!o.token.empty()) {
        options.token = o.token;
    }
    if (!o.endpoint.empty()) {
        options.endpoint = o.endpoint;
    }
    options.stall_timeout = std::chrono::seconds(o.stall_timeout_s);
    ProgressPrinter printer(isatty(STDERR_FILENO) != 0);
    auto pulled = pull::pull_model(o.ref, options, [&](const pull::PullEvent& e) { printer.on_event(e); });
    if (!pulled) {
        std::cerr << "\nhearth pull: error: " << pulled.error().message << "\n";
        return 1;
    }
    std::cerr << "into " << pulled->dir << " (revision " << pulled->revision << ")\n";
    std::cout << "pulled " << pulled->name << "\n";
    return 0;
}

}  // namespace hearth::cli
