// WavTokenizerVocoder on a generated WavTokenizer decoder (hearth-mkmodel tiny-wavtokenizer: the real codebook
// of 4096 and frame width of 1282): its frames against llama.cpp's own llama-server (--embeddings --pooling none,
// same pinned tree and ggml) on the same codes, one pass per request, refused inputs and load failures.

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fcntl.h>
#include <map>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <signal.h>
#include <spawn.h>
#include <string>
#include <sys/socket.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#include "engine/backend.h"
#include "engine/wavtokenizer_vocoder.h"
#include "http/http_client.h"
#include "temp_dir.h"

extern char** environ;  // NOLINT(readability-redundant-declaration): posix_spawn passes it on

namespace hearth {
namespace {

using engine::WavTokenizerVocoder;
using namespace std::chrono_literals;

constexpr int32_t MAX_CODES = 256;
constexpr int32_t FRAME = 1282;
constexpr int32_t CODEBOOK = 4096;
// Both sides run the same ggml kernels on the same weights; only thread splits may differ.
constexpr double MAX_ABS_DIFF = 1e-4;

void ensure_backend() {
    static engine::BackendGuard backend;
}

testing::TempDir& scratch() {
    static testing::TempDir dir;
    return dir;
}

// One generated model per preset for the whole test program.
const std::string& generated(const std::string& preset) {
    static std::map<std::string, std::string> files;
    auto it = files.find(preset);
    if (it == files.end()) {
        const std::string file = (scratch().path() / (preset + ".gguf")).string();
        const std::string command =
            std::string(HEARTH_MKMODEL) + " --preset " + preset + " --seed 3 -o " + file + " >/dev/null";
        EXPECT_EQ(std::system(command.c_str()), 0) << command;
        it = files.emplace(preset, file).first;
    }
    return it->second;
}

std::unique_ptr<WavTokenizerVocoder> load_tiny(int32_t n_threads = 2) {
    ensure_backend();
    auto vocoder = WavTokenizerVocoder::load(generated("tiny-wavtokenizer"), n_threads, MAX_CODES);
    EXPECT_TRUE(vocoder) << vocoder.error().message;
    return vocoder ? std::move(vocoder).value() : nullptr;
}

// Codes spread over the whole codebook, 0 and 4095 included.
std::vector<int32_t> codes_of(int32_t n, int32_t salt) {
    std::vector<int32_t> codes;
    for (int32_t i = 0; i < n; ++i) {
        codes.push_back(i == 0 ? 0 : i == 1 ? CODEBOOK - 1 : (i * 2477 + salt * 131) % CODEBOOK);
    }
    return codes;
}

// A loopback port nobody listens on right now (the kernel's pick for port 0).
uint16_t free_port() {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    uint16_t port = 0;
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
        port = ntohs(addr.sin_port);
    }
    ::close(fd);
    return port;
}

// The pinned llama-server serving a vocoder as per-token embeddings, stopped when this goes away.
class LlamaServer {
public:
    explicit LlamaServer(const std::string& model) {
        // A port taken between probing and binding makes the server exit: try again on another.
        for (int attempt = 0; attempt < 3 && !ready_; ++attempt) {
            port_ = free_port();
            ready_ = start(model) && wait_healthy();
            if (!ready_) {
                stop();
            }
        }
    }
    ~LlamaServer() { stop(); }
    LlamaServer(const LlamaServer&) = delete;
    LlamaServer& operator=(const LlamaServer&) = delete;

    bool ready() const { return ready_; }

    // The frames llama-server returns for the codes (one per code), or nothing on any failure.
    std::optional<std::vector<std::vector<float>>> frames(const std::vector<int32_t>& codes) const {
        http::HttpClient client("127.0.0.1", port_, 60s);
        http::ClientRequest request;
        request.target = "/embedding";
        request.headers.push_back({"Content-Type", "application/json"});
        request.body = nlohmann::json{{"content", codes}}.dump();
        auto response = client.send(request);
        if (!response || response->status != 200) {
            ADD_FAILURE() << "llama-server /embedding: " << (response ? response->body : response.error().message);
            return std::nullopt;
        }
        const auto body = nlohmann::json::parse(response->body);
        return body.at(0).at("embedding").get<std::vector<std::vector<float>>>();
    }

private:
    bool start(const std::string& model) {
        const std::string server = std::string(HEARTH_DEPS_PREFIX) + "/tools/llama-server";
        const std::string log = (scratch().path() / "llama-server.log").string();
        const std::string port = std::to_string(port_);
        const std::string size = std::to_string(MAX_CODES);
        std::vector<std::string> args{server, "-m",           model,       "--host", "127.0.0.1", "--port", port, "-t",
                                      "1",    "-np",          "1",         "-c",     size,        "-b",     size, "-ub",
                                      size,   "--embeddings", "--pooling", "none"};
        std::vector<char*> argv;
        for (std::string& arg : args) {
            argv.push_back(arg.data());
        }
        argv.push_back(nullptr);
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
        const int rc = posix_spawn(&pid_, server.c_str(), &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        if (rc != 0) {
            pid_ = -1;
            ADD_FAILURE() << "cannot start " << server;
        }
        return rc == 0;
    }

    bool wait_healthy() {
        for (int i = 0; i < 300; ++i) {
            http::HttpClient client("127.0.0.1", port_, 1s);
            http::ClientRequest request;
            request.method = "GET";
            request.target = "/health";
            if (auto response = client.send(request); response && response->status == 200) {
                return true;
            }
            int status = 0;
            if (::waitpid(pid_, &status, WNOHANG) == pid_) {
                pid_ = -1;  // exited (a taken port, or a model it refused)
                return false;
            }
            std::this_thread::sleep_for(100ms);
        }
        return false;
    }

    void stop() {
        if (pid_ > 0) {
            ::kill(pid_, SIGTERM);
            int status = 0;
            ::waitpid(pid_, &status, 0);
            pid_ = -1;
        }
    }

    pid_t pid_ = -1;
    uint16_t port_ = 0;
    bool ready_ = false;
};

double max_abs_diff(const std::vector<float>& ours, const std::vector<std::vector<float>>& theirs) {
    double worst = 0;
    for (size_t code = 0; code < theirs.size(); ++code) {
        for (size_t i = 0; i < theirs[code].size(); ++i) {
            const double diff = std::abs(static_cast<double>(ours[code * FRAME + i]) - theirs[code][i]);
            worst = std::max(worst, std::isnan(diff) ? INFINITY : diff);
        }
    }
    return worst;
}

TEST(WavTokenizerVocoder, SizesOfTheGeneratedModel) {
    auto vocoder = load_tiny();
    ASSERT_TRUE(vocoder);
    EXPECT_EQ(vocoder->n_embd(), FRAME);
    EXPECT_EQ(vocoder->n_codebook(), CODEBOOK);
    EXPECT_EQ(vocoder->max_codes(), MAX_CODES);
}

TEST(WavTokenizerVocoder, FramesEqualLlamaServer) {
    auto vocoder = load_tiny();
    ASSERT_TRUE(vocoder);
    LlamaServer server(generated("tiny-wavtokenizer"));
    ASSERT_TRUE(server.ready()) << "llama-server did not come up (see its log under " << scratch().path() << ")";
    double worst = 0;
    for (const int32_t n : {1, 7, 100, MAX_CODES}) {
        const auto codes = codes_of(n, n);
        auto ours = vocoder->frames(codes, nullptr);
        ASSERT_TRUE(ours) << ours.error().message;
        ASSERT_EQ(ours->size(), static_cast<size_t>(n) * FRAME);
        const auto theirs = server.frames(codes);
        ASSERT_TRUE(theirs);
        ASSERT_EQ(theirs->size(), static_cast<size_t>(n));
        ASSERT_EQ(theirs->front().size(), static_cast<size_t>(FRAME));
        const double diff = max_abs_diff(*ours, *theirs);
        EXPECT_LE(diff, MAX_ABS_DIFF) << n << " codes";
        worst = std::max(worst, diff);
    }
    RecordProperty("max_abs_diff", std::to_string(worst));
    std::printf("max abs diff against llama-server: %g\n", worst);
}

// Frames of a code depend on its neighbours (the PosNet attends over all of them), and nothing carries over
// from one pass to the next.
TEST(WavTokenizerVocoder, PassesAreIndependentAndContextual) {
    auto vocoder = load_tiny();
    ASSERT_TRUE(vocoder);
    const auto codes = codes_of(40, 1);
    const auto first = vocoder->frames(codes, nullptr).value();
    ASSERT_TRUE(vocoder->frames(codes_of(MAX_CODES, 2), nullptr));
    EXPECT_EQ(vocoder->frames(codes, nullptr).value(), first);
    const std::vector<int32_t> head(codes.begin(), codes.begin() + 20);
    const auto shorter = vocoder->frames(head, nullptr).value();
    EXPECT_NE(std::vector<float>(first.begin(), first.begin() + FRAME),
              std::vector<float>(shorter.begin(), shorter.begin() + FRAME));
    // Finite, with log-magnitudes (the first half of a frame) of a sane loudness.
    for (size_t i = 0; i < first.size(); ++i) {
        ASSERT_TRUE(std::isfinite(first[i])) << i;
        if (i % FRAME < FRAME / 2) {
            EXPECT_GT(first[i], -10.0F);
            EXPECT_LT(first[i], 5.0F);
        }
    }
}

TEST(WavTokenizerVocoder, RefusesBadCodes) {
    auto vocoder = load_tiny();
    ASSERT_TRUE(vocoder);
    const auto refused = [&](const std::vector<int32_t>& codes, const std::string& needle) {
        auto frames = vocoder->frames(codes, nullptr);
        ASSERT_FALSE(frames) << needle;
        EXPECT_EQ(frames.error().code, ErrorCode::INVALID_ARGUMENT) << needle;
        EXPECT_NE(frames.error().message.find(needle), std::string::npos) << frames.error().message;
    };
    refused({}, "no audio codes");
    refused({0, -1, 5}, "-1");
    refused({CODEBOOK}, "4096");
    refused(codes_of(MAX_CODES + 1, 0), "limit of 256");
    // Refusals leave the vocoder usable.
    EXPECT_TRUE(vocoder->frames(codes_of(3, 0), nullptr));
}

TEST(WavTokenizerVocoder, StopFlagCancels) {
    auto vocoder = load_tiny();
    ASSERT_TRUE(vocoder);
    const std::atomic<bool> stop{true};
    auto frames = vocoder->frames(codes_of(10, 0), &stop);
    ASSERT_FALSE(frames);
    EXPECT_EQ(frames.error().code, ErrorCode::CANCELLED);
    const std::atomic<bool> go{false};
    EXPECT_TRUE(vocoder->frames(codes_of(10, 0), &go));
}

// The real WavTokenizer-Large-75 shape: a pass over 400 codes takes long enough to be stopped midway (ggml
// checks the flag between graph nodes), and the vocoder serves the next pass normally.
TEST(WavTokenizerVocoder, StopFlagEndsARealSizePass) {
    ensure_backend();
    auto vocoder = WavTokenizerVocoder::load(generated("wavtokenizer-large-75"), 2, 400);
    ASSERT_TRUE(vocoder) << vocoder.error().message;
    EXPECT_EQ((*vocoder)->n_embd(), FRAME);
    std::atomic<bool> stop{false};
    std::thread stopper([&stop] {
        std::this_thread::sleep_for(20ms);
        stop = true;
    });
    auto frames = (*vocoder)->frames(codes_of(400, 5), &stop);
    stopper.join();
    ASSERT_FALSE(frames);
    EXPECT_EQ(frames.error().code, ErrorCode::CANCELLED);
    auto next = (*vocoder)->frames(codes_of(8, 5), nullptr);
    ASSERT_TRUE(next) << next.error().message;
    EXPECT_TRUE(std::all_of(next->begin(), next->end(), [](float v) { return std::isfinite(v); }));
}

TEST(WavTokenizerVocoder, LoadFailuresAreErrors) {
    ensure_backend();
    const auto error_of = [](const std::string& path, int32_t threads, int32_t max_codes) {
        auto vocoder = WavTokenizerVocoder::load(path, threads, max_codes);
        EXPECT_FALSE(vocoder) << path;
        return vocoder ? Error{} : vocoder.error();
    };
    EXPECT_EQ(error_of("/no/such/vocoder.gguf", 1, 64).code, ErrorCode::NOT_FOUND);
    const auto junk = error_of(scratch().write("junk.gguf", "not a model at all"), 1, 64);
    EXPECT_EQ(junk.code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(junk.message.find("not a GGUF file"), std::string::npos) << junk.message;
    // A language model is refused from its header, by name.
    const auto bert = error_of(generated("tiny-bert"), 1, 64);
    EXPECT_EQ(bert.code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_NE(bert.message.find("a bert model, not a WavTokenizer vocoder"), std::string::npos) << bert.message;
    const std::string& tiny = generated("tiny-wavtokenizer");
    EXPECT_EQ(error_of(tiny, 1, 0).code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(error_of(tiny, 1, WavTokenizerVocoder::MAX_CODES_LIMIT + 1).code, ErrorCode::INVALID_ARGUMENT);
    EXPECT_EQ(error_of(tiny, -1, 64).code, ErrorCode::INVALID_ARGUMENT);
}

}  // namespace
}  // namespace hearth
