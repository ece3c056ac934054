#include "server/isolated_process.h"

#include <nlohmann/json.hpp>

#include <array>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <random>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/model_config_json.h"
#include "http/http_client.h"
#include "util/file_io.h"
#include "util/log.h"
#include "util/unique_fd.h"

extern char** environ;  // NOLINT(readability-identifier-naming): POSIX's name

namespace hearth::server {

namespace {

constexpr size_t LOG_LINES_KEPT = 8;
constexpr std::string_view LISTENING = "hearth listening on 127.0.0.1:";          // once its --load model is in
constexpr std::string_view LISTENING_EARLY = "] listening on http://127.0.0.1:";  // at once (it then loads)
constexpr auto PROGRESS_POLL = std::chrono::milliseconds(50);

std::string random_token() {
    std::random_device rd;
    std::string out;
    for (int i = 0; i < 32; ++i) {
        out += "0123456789abcdef"[rd() % 16];
    }
    return out;
}

// Every option the model resolves to, written out: the process has the server's defaults only through them.
core::LoadOptions resolved_options(const registry::TextModelOptions& defaults, const core::LoadOptions& options) {
    const registry::TextModelOptions r = registry::resolve_text_options(defaults, options);
    core::LoadOptions o;
    o.n_slots = r.n_slots;
    o.n_ctx = r.n_ctx_per_slot;
    o.n_batch = r.n_batch;
    o.n_ubatch = r.n_ubatch > 0 ? std::optional<int32_t>(r.n_ubatch) : std::nullopt;
    o.n_threads = r.n_threads > 0 ? std::optional<int32_t>(r.n_threads) : std::nullopt;
    o.n_gpu_layers = r.n_gpu_layers;
    o.flash_attn = r.flash_attn;
    o.type_k = r.type_k;
    o.type_v = r.type_v;
    o.device = r.device.empty() ? std::nullopt : std::optional<std::string>(r.device);
    o.rpc = r.rpc;
    o.split_mode = r.split_mode;
    o.main_gpu = r.main_gpu;
    o.tensor_split = r.tensor_split;
    o.lookup_draft_max = r.lookup_draft_max;
    if (!r.draft_model.empty()) {  // the registry resolved it to its file
        o.draft_model = r.draft_model;
        o.draft_max = r.draft_max;
        o.draft_min = r.draft_min;
        o.draft_p_min = r.draft_p_min;
        o.draft_device = r.draft_device.empty() ? std::nullopt : std::optional<std::string>(r.draft_device);
        o.draft_n_gpu_layers = r.draft_n_gpu_layers;
    }
    o.keep_alive_s = -1;  // this server decides when it ends
    o.isolate = false;
    return o;
}

// The environment without HEARTH_* settings (the process gets its settings from its command line and config),
// but with the test-only fault hook (engine/fault_injection.h), plus its token.
std::vector<std::string> child_environment(const std::string& token) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e) {
        if (std::strncmp(*e, "HEARTH_", 7) != 0 || std::strncmp(*e, "HEARTH_TEST_FAULT_DIR=", 22) == 0) {
            env.emplace_back(*e);
        }
    }
    env.push_back("HEARTH_API_KEY=" + token);
    env.push_back("HEARTH_PARENT_PID=" + std::to_string(::getpid()));  // it ends when this process is gone
    env.emplace_back("GGML_NO_BACKTRACE=1");  // an abort says why in one line, without a debugger's trace
    return env;
}

std::string describe_exit(int status) {
    if (WIFEXITED(status)) {
        return "exit status " + std::to_string(WEXITSTATUS(status));
    }
    if (WIFSIGNALED(status)) {
        const char* name = strsignal(WTERMSIG(status));
        return "signal " + std::to_string(WTERMSIG(status)) + " (" + (name != nullptr ? name : "?") + ")";
    }
    return "status " + std::to_string(status);
}

// `hearth serve` for the one model, on a free loopback port, with the server's scheduling flags.
std::vector<std::string> command_line(const std::string& id, const std::string& folder, const std::string& config_path,
                                      const IsolationConfig& config) {
    const registry::TextModelOptions& d = config.text_defaults;
    std::vector<std::string> argv = {"hearth",
                                     "--log-level",
                                     config.log_level,
                                     "serve",
                                     "--host",
                                     "127.0.0.1",
                                     "--port",
                                     "0",
                                     "--models-dir",
                                     folder + "/models",
                                     "--config",
                                     config_path,
                                     "--load",
                                     id,
                                     "--no-webui",
                                     "--no-builtin-voice",
                                     "--queue-size",
                                     std::to_string(d.queue_capacity),
                                     "--step-stretch",
                                     std::to_string(d.step_stretch),
                                     "--prefill-order",
                                     d.prefill_order,
                                     "--sampling-threads",
                                     std::to_string(d.n_sampling_threads)};
    if (!d.burst_prefill) {
        argv.emplace_back("--no-burst-prefill");
    }
    argv.insert(argv.end(), config.serve_flags.begin(), config.serve_flags.end());
    return argv;
}

// The model as the process's config lists it: every option it resolves to here (text and speech models: the
// server's defaults only reach the process through them), and its companion files.
core::ModelSpec child_spec(const registry::CatalogEntry& entry, const core::LoadOptions& options,
                           const IsolationConfig& config) {
    core::ModelSpec spec;
    spec.name = entry.id;
    spec.path = entry.info.path;
    spec.kind = entry.info.kind;
    spec.mmproj = entry.mmproj;
    spec.vocoder = entry.vocoder;
    spec.speakers = entry.speakers;
    if (entry.info.kind == core::ModelKind::LLM || entry.info.kind == core::ModelKind::TTS) {
        spec.options = resolved_options(config.text_defaults, options);
    } else {
        spec.options.n_threads = options.n_threads;  // embedding, rerank and whisper models take their threads only
        spec.options.keep_alive_s = -1;
        spec.options.isolate = false;
    }
    return spec;
}

}  // namespace

IsolatedProcess::IsolatedProcess(Passkey /*only start() constructs*/, std::string id) : id_(std::move(id)) {}

IsolatedProcess::~IsolatedProcess() {
    stop();
}

Result<std::shared_ptr<IsolatedProcess>> IsolatedProcess::start(const registry::CatalogEntry& entry,
                                                                const core::LoadOptions& options,
                                                                const IsolationConfig& config,
                                                                const registry::LoadProgress& progress) {
    auto process = std::make_shared<IsolatedProcess>(Passkey{}, entry.id);
    char folder[] = "/tmp/hearth-isolated-XXXXXX";
    if (::mkdtemp(folder) == nullptr) {
        return make_error(ErrorCode::INTERNAL,
                          std::string("cannot make a folder for the model's process: ") + std::strerror(errno));
    }
    process->folder_ = folder;
    std::filesystem::create_directories(process->folder_ + "/models");
    const std::string config_path = process->folder_ + "/config.json";
    const std::string model_config = api::format_model_config({child_spec(entry, options, config)});
    if (auto written = write_file_atomically(config_path, model_config); !written) {
        return written.error();
    }
    const std::vector<std::string> argv = command_line(entry.id, process->folder_, config_path, config);
    process->token_ = random_token();
    if (auto spawned = process->spawn(argv, process->folder_); !spawned) {
        return spawned.error();
    }
    auto ready = process->await_listening(config.load_timeout, progress);
    if (ready) {
        ready = process->check_model_ready(entry.id);
    }
    if (ready && entry.info.kind == core::ModelKind::TTS) {
        process->read_voices(entry.id);
    }
    if (!ready) {
        process->stop();
        return ready.error();
    }
    log::info("model {} runs isolated: process {} on 127.0.0.1:{}", entry.id, process->pid_, process->port_);
    return process;
}

Result<void> IsolatedProcess::spawn(const std::vector<std::string>& argv, const std::string& folder) {
    std::array<int, 2> pipe_fds{};
    if (::pipe2(pipe_fds.data(), O_CLOEXEC) != 0) {
        return make_error(ErrorCode::INTERNAL, std::string("pipe: ") + std::strerror(errno));
    }
    UniqueFd read_end(pipe_fds[0]);
    UniqueFd write_end(pipe_fds[1]);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, write_end.get(), STDERR_FILENO);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addchdir_np(&actions, folder.c_str());
    // Nothing else of this process: its sockets (Asio opens them without close-on-exec) would otherwise live on
    // in the child, the listening one and every connection open at that moment, keeping them from closing.
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    std::vector<char*> args;
    for (const auto& a : argv) {
        args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    const std::vector<std::string> env = child_environment(token_);
    std::vector<char*> envp;
    for (const auto& e : env) {
        envp.push_back(const_cast<char*>(e.c_str()));
    }
    envp.push_back(nullptr);
    const int rc = ::posix_spawn(&pid_, "/proc/self/exe", &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) {
        pid_ = -1;
        return make_error(ErrorCode::INTERNAL, std::string("cannot start the model's process: ") + std::strerror(rc));
    }
    write_end = UniqueFd(-1);  // the child holds it now: EOF once the child ends
    log::info("model {}: starting its process {}", id_, pid_);
    log_reader_ = std::thread([this, fd = read_end.release()] { read_log(fd); });
    monitor_ = std::thread([this] { monitor(); });
    return {};
}

void IsolatedProcess::read_log(int fd) {
    const UniqueFd owned(fd);
    std::string pending;
    std::array<char, 4096> buffer{};
    for (;;) {
        const ssize_t n = ::read(fd, buffer.data(), buffer.size());
        if (n <= 0) {
            if (n < 0 && errno == EINTR) {
                continue;
            }
            break;
        }
        pending.append(buffer.data(), static_cast<size_t>(n));
        for (size_t eol = pending.find('\n'); eol != std::string::npos; eol = pending.find('\n')) {
            std::string line = pending.substr(0, eol);
            pending.erase(0, eol + 1);
            std::lock_guard lock(mutex_);
            if (port_ == 0 && line.rfind(LISTENING, 0) == 0) {
                port_ = static_cast<uint16_t>(std::strtoul(line.c_str() + LISTENING.size(), nullptr, 10));
                exited_cv_.notify_all();
                continue;
            }
            if (const size_t early = line.find(LISTENING_EARLY); early_port_ == 0 && early != std::string::npos) {
                early_port_ =
                    static_cast<uint16_t>(std::strtoul(line.c_str() + early + LISTENING_EARLY.size(), nullptr, 10));
            }
            // Its lines carry its own time stamp and name: "[time] [hearth] [level] text" -> "[level] text".
            const size_t own = line.find("] [hearth] ");
            log::info("[{}] {}", id_, own == std::string::npos ? line : line.substr(own + 11));
            last_log_.push_back(std::move(line));
            if (last_log_.size() > LOG_LINES_KEPT) {
                last_log_.pop_front();
            }
        }
    }
    std::lock_guard lock(mutex_);
    log_closed_ = true;
    exited_cv_.notify_all();
}

void IsolatedProcess::monitor() {
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    std::unique_lock lock(mutex_);
    // Its last lines (an assertion's message) may still be in the pipe: read to its end first.
    exited_cv_.wait_for(lock, std::chrono::seconds(1), [this] { return log_closed_; });
    exit_reason_ = "the model's process ended (" + describe_exit(status) + ")";
    if (!stopping_) {
        // Its last words: the last error line (an abort's message, a failed assertion), else its last line.
        std::string last;
        for (const auto& line : last_log_) {
            if (line.find("error") != std::string::npos || line.find("GGML") != std::string::npos ||
                line.find("abort") != std::string::npos || line.find("terminate") != std::string::npos) {
                last = line;
            }
        }
        if (last.empty() && !last_log_.empty()) {
            last = last_log_.back();
        }
        exit_reason_ += last.empty() ? "" : ": " + last;
        log::error("model {}: {}", id_, exit_reason_);
    }
    exited_ = true;
    exited_cv_.notify_all();
}

Result<void> IsolatedProcess::await_listening(std::chrono::seconds timeout, const registry::LoadProgress& progress) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::unique_lock lock(mutex_);
    while (port_ == 0 && !exited_ && std::chrono::steady_clock::now() < deadline) {
        exited_cv_.wait_for(lock, PROGRESS_POLL);
        if (port_ == 0 && !exited_ && early_port_ != 0 && progress) {
            const uint16_t early = early_port_;
            lock.unlock();
            report_progress(early, progress);
            lock.lock();
        }
    }
    if (port_ != 0) {
        return {};
    }
    if (!exited_) {
        return make_error(ErrorCode::TIMEOUT,
                          "the model's process did not serve it within " + std::to_string(timeout.count()) + " s");
    }
    return make_error(ErrorCode::INTERNAL, exit_reason_);
}

Result<void> IsolatedProcess::check_model_ready(const std::string& id) {
    http::HttpClient client("127.0.0.1", port_, std::chrono::seconds(30));
    const std::vector<http::Header> auth = {{"Authorization", "Bearer " + token_}};
    auto health = client.send({"GET", "/health", auth, ""});
    if (!health) {
        return health.error();
    }
    const auto body = nlohmann::json::parse(health->body, nullptr, false);
    if (body.is_object() && body.contains("failed") && body["failed"].contains(id)) {
        return make_error(ErrorCode::INVALID_ARGUMENT, body["failed"][id].get<std::string>());
    }
    auto status = client.send({"GET", "/v1/models/" + id, auth, ""});
    const auto model = status ? nlohmann::json::parse(status->body, nullptr, false) : nlohmann::json();
    if (!model.is_object() || model.value("state", "") != "ready") {
        return make_error(ErrorCode::INTERNAL, "the model's process does not serve it");
    }
    if (model.contains("placement") && model["placement"].contains("layers")) {
        for (const auto& [device, count] : model["placement"]["layers"].items()) {
            placement_.emplace_back(device, count.get<int>());
        }
    }
    return {};
}

// Its status while it loads: the load's progress, as in-process loads report it.
void IsolatedProcess::report_progress(uint16_t port, const registry::LoadProgress& progress) const {
    http::HttpClient client("127.0.0.1", port, std::chrono::seconds(2));
    auto status = client.send({"GET", "/v1/models/" + id_, {{"Authorization", "Bearer " + token_}}, ""});
    const auto model = status ? nlohmann::json::parse(status->body, nullptr, false) : nlohmann::json();
    if (model.is_object() && model.contains("load_progress") && model["load_progress"].is_number()) {
        progress(model["load_progress"].get<float>());
    }
}

// A text-to-speech model's voices, as its process lists them (GET /v1/audio/voices).
void IsolatedProcess::read_voices(const std::string& id) {
    http::HttpClient client("127.0.0.1", port_, std::chrono::seconds(30));
    auto listing = client.send({"GET", "/v1/audio/voices", {{"Authorization", "Bearer " + token_}}, ""});
    const auto body = listing ? nlohmann::json::parse(listing->body, nullptr, false) : nlohmann::json();
    if (!body.is_object() || !body.contains("models") || !body["models"].is_array()) {
        return;
    }
    for (const auto& model : body["models"]) {
        if (model.value("id", "") == id && model.contains("voices") && model["voices"].is_array()) {
            for (const auto& voice : model["voices"]) {
                if (voice.is_string()) {
                    voices_.push_back(voice.get<std::string>());
                }
            }
        }
    }
}

std::string IsolatedProcess::failure() const {
    std::lock_guard lock(mutex_);
    return exit_reason_;
}

void IsolatedProcess::stop() {
    if (pid_ > 0 && !exited_) {
        stopping_ = true;
        ::kill(pid_, SIGTERM);  // it drains: requests in flight there finish first
        std::unique_lock lock(mutex_);
        if (!exited_cv_.wait_for(lock, std::chrono::seconds(20), [this] { return exited_.load(); })) {
            ::kill(pid_, SIGKILL);
            exited_cv_.wait(lock, [this] { return exited_.load(); });
        }
    }
    if (monitor_.joinable()) {
        monitor_.join();
    }
    if (log_reader_.joinable()) {
        log_reader_.join();
    }
    if (!folder_.empty()) {
        std::error_code ec;
        std::filesystem::remove_all(folder_, ec);
        folder_.clear();
    }
}

}  // namespace hearth::server
