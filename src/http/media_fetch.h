#pragma once
// Downloads of the images clients name by http(s) URL (libcurl). These are the only requests hearth sends on
// a client's behalf, so they are fenced in: http and https only (redirects too), at most a few redirects,
// a byte limit that aborts the transfer, one deadline for the whole transfer, and every address actually
// connected to is checked against a policy (by default: public unicast only). The check sits where libcurl
// opens each socket, after DNS and for every redirect hop, so that a name resolving to a private address
// (DNS rebinding included) is refused however it was reached. Proxies from the environment are not used:
// the proxy's address would be checked instead of the target's.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <sys/socket.h>

#include "util/result.h"

namespace hearth::http {

// Whether a connection to `address` may be made. Called from the fetching thread.
using AddressPolicy = std::function<bool(const sockaddr* address)>;

// True only for a unicast IPv4 or IPv6 address on the public internet. Refused: 0.0.0.0/8, 10/8, 100.64/10
// (CGNAT), 127/8, 169.254/16, 172.16/12, 192.0.0/24, 192.168/16, 198.18/15 (benchmarking), 224/4 (multicast),
// 240/4 (reserved, broadcast included); ::, ::1, fe80::/10, fec0::/10, fc00::/7, ff00::/8, and the IPv4
// inside ::ffff:0:0/96 (mapped), ::/96 (compatible), 64:ff9b::/96 (NAT64) and 2002::/16 (6to4) by the IPv4
// rules; any other address family. `address` points to a whole sockaddr_in or sockaddr_in6, as its family says.
bool is_public_address(const sockaddr* address);

struct FetchOptions {
    size_t max_bytes = size_t{20} << 20;       // body bytes; beyond, the transfer is aborted
    std::chrono::milliseconds timeout{10000};  // the whole transfer, redirects included
    int max_redirects = 3;
    AddressPolicy allow_address;  // empty: is_public_address
};

// GETs `url` and returns its body. Every failure is about the URL the client sent, so every one is an
// INVALID_ARGUMENT naming the cause ("... resolves to a private address", "... answered HTTP 404", "... took
// longer than 10000 ms", a scheme other than http/https, too many redirects, an unknown host), except a body
// over max_bytes: PAYLOAD_TOO_LARGE. A timeout is a 400 rather than a 504 because OpenAI answers a slow image
// URL with a 400, and it is the client's URL that was slow, not hearth. Errors carry no `param`: the caller
// knows the field.
Result<std::string> fetch_media(const std::string& url, const FetchOptions& options);

}  // namespace hearth::http
