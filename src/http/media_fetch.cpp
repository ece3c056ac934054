#include "http/media_fetch.h"

#include <array>
#include <cctype>
#include <cstring>
#include <curl/curl.h>
#include <initializer_list>
#include <memory>
#include <netinet/in.h>
#include <string_view>

namespace hearth::http {

namespace {

struct CurlEasyDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

bool in_ipv4_net(uint32_t address, uint32_t net, int prefix) {
    const uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
    return (address & mask) == (net & mask);
}

// `address` in host byte order.
bool is_public_ipv4(uint32_t address) {
    struct Net {
        uint32_t net;
        int prefix;
    };
    constexpr std::array<Net, 12> REFUSED = {{{0x00000000, 8},     // "this network", 0.0.0.0
                                              {0x0A000000, 8},     // 10/8
                                              {0x64400000, 10},    // 100.64/10, carrier-grade NAT
                                              {0x7F000000, 8},     // loopback
                                              {0xA9FE0000, 16},    // link-local, cloud metadata
                                              {0xAC100000, 12},    // 172.16/12
                                              {0xC0000000, 24},    // IETF protocol assignments
                                              {0xC0A80000, 16},    // 192.168/16
                                              {0xC6120000, 15},    // benchmarking
                                              {0xE0000000, 4},     // multicast
                                              {0xF0000000, 4},     // reserved, broadcast
                                              {0xFFFFFFFF, 32}}};  // broadcast (inside 240/4; named for the reader)
    for (const Net& net : REFUSED) {
        if (in_ipv4_net(address, net.net, net.prefix)) {
            return false;
        }
    }
    return true;
}

uint32_t ipv4_at(const uint8_t* bytes) {
    return (uint32_t{bytes[0]} << 24) | (uint32_t{bytes[1]} << 16) | (uint32_t{bytes[2]} << 8) | bytes[3];
}

bool starts_with_bytes(const uint8_t* bytes, std::initializer_list<uint8_t> prefix) {
    return std::memcmp(bytes, prefix.begin(), prefix.size()) == 0;
}

bool is_public_ipv6(const uint8_t* b) {
    constexpr std::array<uint8_t, 12> ZEROS{};
    const bool first_96_zero = std::memcmp(b, ZEROS.data(), ZEROS.size()) == 0;
    if (first_96_zero) {
        return is_public_ipv4(ipv4_at(b + 12));  // ::, ::1 and IPv4-compatible addresses: 0.0.0.0/8, 0.0.0.1
    }
    if (starts_with_bytes(b, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}) ||
        starts_with_bytes(b, {0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0})) {
        return is_public_ipv4(ipv4_at(b + 12));  // IPv4-mapped, NAT64
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
        return is_public_ipv4(ipv4_at(b + 2));  // 6to4 carries the IPv4 in bits 16-47
    }
    const bool multicast = b[0] == 0xFF;
    const bool unique_local = (b[0] & 0xFE) == 0xFC;
    const bool link_or_site_local = b[0] == 0xFE && (b[1] & 0x80) == 0x80;  // fe80::/10 and fec0::/10
    return !multicast && !unique_local && !link_or_site_local;
}

struct Transfer {
    const FetchOptions* options = nullptr;
    std::string body;
    bool too_large = false;
    bool refused_address = false;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
    auto* transfer = static_cast<Transfer*>(user);
    const size_t bytes = size * count;
    if (bytes > transfer->options->max_bytes - transfer->body.size()) {
        transfer->too_large = true;
        return 0;  // libcurl aborts the transfer with CURLE_WRITE_ERROR
    }
    transfer->body.append(data, bytes);
    return bytes;
}

// libcurl asks for every socket it connects, with the address it is about to connect to: after DNS, for each
// address it tries and for every redirect hop. Refusing here is what makes the policy hold.
curl_socket_t open_checked_socket(void* user, curlsocktype purpose, curl_sockaddr* address) {
    auto* transfer = static_cast<Transfer*>(user);
    const AddressPolicy& policy = transfer->options->allow_address;
    const bool allowed =
        purpose == CURLSOCKTYPE_IPCXN && (policy ? policy(&address->addr) : is_public_address(&address->addr));
    if (!allowed) {
        transfer->refused_address = true;
        return CURL_SOCKET_BAD;
    }
    return ::socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

bool has_http_scheme(std::string_view url) {
    const auto starts = [&](std::string_view scheme) {
        if (url.size() < scheme.size()) {
            return false;
        }
        for (size_t i = 0; i < scheme.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>(url[i])) != scheme[i]) {
                return false;
            }
        }
        return true;
    };
    return starts("http://") || starts("https://");
}

void configure(CURL* curl, const std::string& url, const FetchOptions& options, Transfer& transfer,
               char* error_buffer) {
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(curl, CURLOPT_MAXREDIRS, static_cast<long>(options.max_redirects));
    curl_easy_setopt(curl, CURLOPT_PROXY, "");  // no proxy from the environment: see the header
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout.count()));
    curl_easy_setopt(curl, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(options.max_bytes));
    curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
    curl_easy_setopt(curl, CURLOPT_USERAGENT, "hearth");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETFUNCTION, open_checked_socket);
    curl_easy_setopt(curl, CURLOPT_OPENSOCKETDATA, &transfer);
    curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
}

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

Error transfer_error(CURLcode code, const Transfer& transfer, const FetchOptions& options, long status,
                     const char* detail) {
    // libcurl reports a refused socket as a failed connect (after trying the host's other addresses: a refusal
    // of one of them is no error when another connected), an aborted write as a write error.
    if (transfer.refused_address && code == CURLE_COULDNT_CONNECT) {
        return invalid(
            "the image URL resolves to a private address (loopback, private network, link-local or "
            "otherwise not public); refused");
    }
    if (transfer.too_large || code == CURLE_FILESIZE_EXCEEDED) {
        return make_error(ErrorCode::PAYLOAD_TOO_LARGE,
                          "the image at the URL is larger than " + std::to_string(options.max_bytes) + " bytes");
    }
    switch (code) {
        case CURLE_OPERATION_TIMEDOUT:
            return invalid("fetching the image URL took longer than " + std::to_string(options.timeout.count()) +
                           " ms");
        case CURLE_HTTP_RETURNED_ERROR: return invalid("the image URL answered HTTP " + std::to_string(status));
        case CURLE_TOO_MANY_REDIRECTS:
            return invalid("the image URL redirected more than " + std::to_string(options.max_redirects) + " times");
        case CURLE_UNSUPPORTED_PROTOCOL: return invalid("image URLs must be http or https (redirects included)");
        case CURLE_COULDNT_RESOLVE_HOST: return invalid("the image URL's host does not resolve");
        case CURLE_URL_MALFORMAT: return invalid("malformed image URL");
        default: break;
    }
    const std::string reason = detail[0] != '\0' ? detail : curl_easy_strerror(code);
    return invalid("cannot fetch the image URL: " + reason);
}

}  // namespace

bool is_public_address(const sockaddr* address) {
    if (address == nullptr) {
        return false;
    }
    if (address->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, address, sizeof(in));
        return is_public_ipv4(ntohl(in.sin_addr.s_addr));
    }
    if (address->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, address, sizeof(in6));
        return is_public_ipv6(in6.sin6_addr.s6_addr);
    }
    return false;
}

Result<std::string> fetch_media(const std::string& url, const FetchOptions& options) {
    if (!has_http_scheme(url)) {
        return invalid("image URLs must be http or https (redirects included)");
    }
    // Thread-safe since libcurl 7.84 and idempotent; the first caller pays for it. Never cleaned up: the
    // process may fetch until it exits.
    static const CURLcode GLOBAL_INIT = curl_global_init(CURL_GLOBAL_DEFAULT);
    CurlEasyPtr curl(GLOBAL_INIT == CURLE_OK ? curl_easy_init() : nullptr);
    if (!curl) {
        return make_error(ErrorCode::INTERNAL, "cannot initialize libcurl");
    }
    Transfer transfer;
    transfer.options = &options;
    std::array<char, CURL_ERROR_SIZE> error_buffer{};
    configure(curl.get(), url, options, transfer, error_buffer.data());
    const CURLcode code = curl_easy_perform(curl.get());
    long status = 0;  // libcurl's type
    curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &status);
    if (code != CURLE_OK) {
        return transfer_error(code, transfer, options, status, error_buffer.data());
    }
    if (status < 200 || status > 299) {
        return invalid("the image URL answered HTTP " + std::to_string(status));
    }
    return std::move(transfer.body);
}

}  // namespace hearth::http
