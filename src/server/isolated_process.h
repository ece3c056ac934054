#pragma once
// A model in a process of its own (registry::IsolatedModel): this same executable as `hearth serve` on a
// loopback port, serving that one model, with a random bearer token and the server's limits and defaults. Its log lines
// join this process's log (prefixed with the model's name); when it ends, a monitor records how, and the registry marks
// the model failed. Thread-safe.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <sys/types.h>
#include <thread>

#include "registry/isolated_model.h"
#include "registry/text_model.h"

namespace hearth::server {

struct IsolationConfig {
    registry::TextModelOptions text_defaults;  // the server's, under the model's own options
    std::chrono::seconds load_timeout{300};    // the process must serve the model within this
    std::string log_level = "info";
    // `hearth serve` flags that give the process this server's limits and other models' defaults (input,
    // upload, image and embedding limits, batching, speech sessions, VAD model): cli/command_serve.cpp.
    std::vector<std::string> serve_flags;
};

class IsolatedProcess final : public registry::IsolatedModel {
    struct Passkey {
        explicit Passkey() = default;
    };

public:
    // Starts the process and waits until it serves the model. Errors: the model's load error as that process
    // reported it; INTERNAL when the process cannot start or ends first; TIMEOUT past config.load_timeout.
    // `progress` hears the load's progress as the process reports it.
    static Result<std::shared_ptr<IsolatedProcess>> start(const registry::CatalogEntry& entry,
                                                          const core::LoadOptions& options,
                                                          const IsolationConfig& config,
                                                          const registry::LoadProgress& progress);

    IsolatedProcess(Passkey /*only start() constructs*/, std::string id);
    ~IsolatedProcess() override;
    IsolatedProcess(const IsolatedProcess&) = delete;
    IsolatedProcess& operator=(const IsolatedProcess&) = delete;

    uint16_t port() const override { return port_; }
    const std::string& token() const override { return token_; }
    bool alive() const override { return !exited_.load(); }
    std::string failure() const override;
    std::vector<std::pair<std::string, int>> layer_placement() const override { return placement_; }
    std::vector<std::string> voices() const override { return voices_; }
    void stop() override;

private:
    Result<void> spawn(const std::vector<std::string>& argv, const std::string& folder);
    Result<void> await_listening(std::chrono::seconds timeout, const registry::LoadProgress& progress);
    void report_progress(uint16_t port, const registry::LoadProgress& progress) const;
    Result<void> check_model_ready(const std::string& id);
    void read_voices(const std::string& id);
    void read_log(int fd);
    void monitor();

    const std::string id_;
    std::string folder_;  // its config and empty models folder, removed at the end
    std::string token_;
    pid_t pid_ = -1;
    uint16_t port_ = 0;        // guarded by mutex_ until start() returns: set once the model is ready there
    uint16_t early_port_ = 0;  // guarded by mutex_: where it listens while it still loads (progress)
    std::vector<std::pair<std::string, int>> placement_;
    std::vector<std::string> voices_;
    std::atomic<bool> exited_{false};
    std::atomic<bool> stopping_{false};
    mutable std::mutex mutex_;
    std::condition_variable exited_cv_;
    bool log_closed_ = false;           // guarded by mutex_: its output reached its end
    std::string exit_reason_;           // guarded by mutex_
    std::deque<std::string> last_log_;  // guarded by mutex_: its last lines, for the failure message
    std::thread log_reader_;
    std::thread monitor_;
};

}  // namespace hearth::server
