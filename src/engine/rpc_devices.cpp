#include "engine/rpc_devices.h"

#include <ggml-rpc.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <mutex>
#include <netdb.h>
#include <poll.h>
#include <set>
#include <sys/socket.h>
#include <unistd.h>

#include "util/unique_fd.h"

namespace hearth::engine {

namespace {

// The HELLO exchange of ggml's RPC protocol (ggml-rpc.cpp): a command byte, a little-endian 64-bit size and
// the request (connection capabilities, zero here: plain TCP); the answer is a 64-bit size and the version
// with the server's capabilities. Only this exchange is spoken here, to check a worker before ggml connects.
constexpr uint8_t RPC_HELLO = 14;
constexpr size_t CONN_CAPS_SIZE = 24;
constexpr size_t HELLO_REPLY_SIZE = 4 + CONN_CAPS_SIZE;

struct Endpoint {
    std::string host;
    std::string port;
};

Error bad_endpoint(const std::string& endpoint, const std::string& why) {
    return make_error(ErrorCode::INVALID_ARGUMENT, "rpc endpoint '" + endpoint + "': " + why);
}

Result<Endpoint> split_endpoint(const std::string& endpoint) {
    const size_t colon = endpoint.rfind(':');
    if (colon == std::string::npos || colon == 0) {
        return bad_endpoint(endpoint, "expected host:port");
    }
    Endpoint out{endpoint.substr(0, colon), endpoint.substr(colon + 1)};
    if (out.host.front() == '[' && out.host.back() == ']') {
        out.host = out.host.substr(1, out.host.size() - 2);
    }
    const bool digits = !out.port.empty() && out.port.size() <= 5 &&
                        std::all_of(out.port.begin(), out.port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(out.port) < 1 || std::stoi(out.port) > 65535) {
        return bad_endpoint(endpoint, "the port must be a number in 1..65535");
    }
    if (out.host.empty() || out.host.find_first_of(" /\\") != std::string::npos) {
        return bad_endpoint(endpoint, "bad host name");
    }
    return out;
}

Error unreachable(const std::string& endpoint, const std::string& why) {
    return make_error(ErrorCode::UPSTREAM, "rpc worker " + endpoint + ": " + why);
}

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    return static_cast<int>(std::max<int64_t>(left, 0));
}

bool wait_for(int fd, short events, Clock::time_point deadline) {
    pollfd p{fd, events, 0};
    return ::poll(&p, 1, remaining_ms(deadline)) == 1 && (p.revents & events) != 0;
}

Result<UniqueFd> connect_with_deadline(const std::string& endpoint, const Endpoint& ep, Clock::time_point deadline) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    if (::getaddrinfo(ep.host.c_str(), ep.port.c_str(), &hints, &found) != 0 || found == nullptr) {
        return unreachable(endpoint, "cannot resolve host " + ep.host);
    }
    const std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> list(found, ::freeaddrinfo);
    for (const addrinfo* a = found; a != nullptr; a = a->ai_next) {
        UniqueFd fd(::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol));
        if (fd.get() < 0) {
            continue;
        }
        if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0 &&
            (errno != EINPROGRESS || !wait_for(fd.get(), POLLOUT, deadline))) {
            continue;
        }
        int err = 0;
        socklen_t len = sizeof(err);
        if (::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0) {
            return fd;
        }
    }
    return unreachable(endpoint, "nothing accepts connections there (is `hearth rpc-worker` running?)");
}

bool send_all(int fd, const uint8_t* data, size_t size, Clock::time_point deadline) {
    while (size > 0) {
        if (!wait_for(fd, POLLOUT, deadline)) {
            return false;
        }
        const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

bool recv_all(int fd, uint8_t* data, size_t size, Clock::time_point deadline) {
    while (size > 0) {
        if (!wait_for(fd, POLLIN, deadline)) {
            return false;
        }
        const ssize_t n = ::recv(fd, data, size, 0);
        if (n <= 0) {
            return false;
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return true;
}

// Endpoints that loaded models hold (a live connection each), counted.
std::mutex g_mutex;
std::map<std::string, int> g_held;
std::set<ggml_backend_reg_t> g_registered;  // ggml would list a registry's devices again at each registration

void release_holds(const std::vector<std::string>& endpoints) {
    const std::lock_guard lock(g_mutex);
    for (const auto& e : endpoints) {
        if (--g_held[e] <= 0) {
            g_held.erase(e);
        }
    }
}

using AddServerFn = ggml_backend_reg_t (*)(const char* endpoint);

// Null in a build without the RPC backend.
AddServerFn add_server_function() {
    ggml_backend_reg_t reg = ggml_backend_reg_by_name("RPC");
    return reg != nullptr
               ? reinterpret_cast<AddServerFn>(ggml_backend_reg_get_proc_address(reg, "ggml_backend_rpc_add_server"))
               : nullptr;
}

}  // namespace

Result<void> validate_rpc_endpoint(const std::string& endpoint) {
    auto parsed = split_endpoint(endpoint);
    if (!parsed) {
        return parsed.error();
    }
    return {};
}

Result<void> probe_rpc_endpoint(const std::string& endpoint, int timeout_ms) {
    auto ep = split_endpoint(endpoint);
    if (!ep) {
        return ep.error();
    }
    const auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
    auto fd = connect_with_deadline(endpoint, *ep, deadline);
    if (!fd) {
        return fd.error();
    }
    std::array<uint8_t, 1 + 8 + CONN_CAPS_SIZE> hello{};
    hello[0] = RPC_HELLO;
    const uint64_t request_size = CONN_CAPS_SIZE;
    std::memcpy(hello.data() + 1, &request_size, sizeof(request_size));
    std::array<uint8_t, 8 + HELLO_REPLY_SIZE> reply{};
    if (!send_all(fd->get(), hello.data(), hello.size(), deadline) || !recv_all(fd->get(), reply.data(), 8, deadline)) {
        return unreachable(endpoint, "no RPC handshake within " + std::to_string(timeout_ms) +
                                         " ms (not an RPC worker, or one serving another client)");
    }
    uint64_t reply_size = 0;
    std::memcpy(&reply_size, reply.data(), sizeof(reply_size));
    if (reply_size != HELLO_REPLY_SIZE || !recv_all(fd->get(), reply.data() + 8, HELLO_REPLY_SIZE, deadline)) {
        return unreachable(endpoint, "not an RPC worker of this protocol version");
    }
    const int major = reply[8];
    const int minor = reply[9];
    if (major != RPC_PROTO_MAJOR_VERSION || minor > RPC_PROTO_MINOR_VERSION) {
        return unreachable(endpoint, "speaks RPC protocol " + std::to_string(major) + "." + std::to_string(minor) +
                                         ", this build " + std::to_string(RPC_PROTO_MAJOR_VERSION) + "." +
                                         std::to_string(RPC_PROTO_MINOR_VERSION));
    }
    return {};
}

Result<RpcAttachment> attach_rpc_devices(const std::vector<std::string>& endpoints) {
    AddServerFn add_server = add_server_function();
    if (add_server == nullptr) {
        return make_error(ErrorCode::UNSUPPORTED, "this build of the engines has no RPC backend (GGML_RPC)");
    }
    // Held while probing and registering, so that two loads never probe a worker the other just connected to.
    const std::lock_guard lock(g_mutex);
    RpcAttachment out;
    for (const auto& endpoint : endpoints) {
        if (g_held.count(endpoint) == 0) {
            if (auto alive = probe_rpc_endpoint(endpoint); !alive) {
                return alive.error();
            }
        }
        ggml_backend_reg_t reg = add_server(endpoint.c_str());
        if (reg == nullptr || ggml_backend_reg_dev_count(reg) == 0) {
            return unreachable(endpoint, "serves no devices");
        }
        if (g_registered.insert(reg).second) {
            ggml_backend_register(reg);
        }
        for (size_t i = 0; i < ggml_backend_reg_dev_count(reg); ++i) {
            out.devices.push_back(ggml_backend_reg_dev_get(reg, i));
        }
    }
    for (const auto& endpoint : endpoints) {
        ++g_held[endpoint];
    }
    out.hold = std::shared_ptr<void>(nullptr, [endpoints](void*) { release_holds(endpoints); });
    return out;
}

bool is_rpc_device(ggml_backend_dev_t device) {
    ggml_backend_reg_t reg = ggml_backend_dev_backend_reg(device);
    return reg != nullptr && std::strcmp(ggml_backend_reg_name(reg), "RPC") == 0;
}

}  // namespace hearth::engine
