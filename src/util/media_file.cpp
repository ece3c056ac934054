#include "util/media_file.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fcntl.h>
#include <filesystem>
#include <optional>
#include <sys/stat.h>
#include <unistd.h>

#include "util/percent_encoding.h"
#include "util/unique_fd.h"

namespace hearth {

namespace {

namespace fs = std::filesystem;

Error invalid(std::string message) {
    return make_error(ErrorCode::INVALID_ARGUMENT, std::move(message));
}

// "file://" [ "" | "localhost" ] "/absolute/path", without query or fragment.
Result<fs::path> file_url_path(std::string_view url) {
    constexpr std::string_view SCHEME = "file://";
    if (url.size() < SCHEME.size() || url.substr(0, SCHEME.size()) != SCHEME) {
        return invalid("not a file:// URL");
    }
    std::string_view rest = url.substr(SCHEME.size());
    const size_t slash = rest.find('/');
    const std::string_view host = rest.substr(0, slash);
    if (slash == std::string_view::npos || (!host.empty() && host != "localhost")) {
        return invalid("file:// URLs must name a local absolute path: file:///path/to/image.png");
    }
    rest = rest.substr(slash);
    if (rest.find_first_of("?#") != std::string_view::npos || rest.find('\0') != std::string_view::npos) {
        return invalid("file:// URLs take no query or fragment");
    }
    std::optional<std::string> path = percent_decode(rest);
    if (!path || path->find('\0') != std::string::npos) {  // no path holds a NUL
        return invalid("malformed percent-encoding in the file:// URL");
    }
    return fs::path(*path);
}

// Whether canonical `file` lies strictly inside canonical `dir`, compared component by component (a string
// prefix would let /media-other pass for /media).
bool is_inside(const fs::path& file, const fs::path& dir) {
    const auto [dir_end, file_rest] = std::mismatch(dir.begin(), dir.end(), file.begin(), file.end());
    return dir_end == dir.end() && file_rest != file.end();
}

Result<std::string> read_regular_file(const fs::path& path, size_t max_bytes) {
    // O_NONBLOCK: opening a FIFO must not wait for a writer; O_NOFOLLOW: a link swapped in since the check.
    const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    struct stat info {};
    if (fd.get() < 0 || ::fstat(fd.get(), &info) != 0) {
        return invalid("the file:// URL names no readable file in the media directory");
    }
    if (!S_ISREG(info.st_mode)) {
        return invalid("the file:// URL names something that is not a regular file");
    }
    if (static_cast<uint64_t>(info.st_size) > max_bytes) {
        return make_error(ErrorCode::PAYLOAD_TOO_LARGE,
                          "the file is larger than " + std::to_string(max_bytes) + " bytes");
    }
    std::string bytes(static_cast<size_t>(info.st_size), '\0');
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t n = ::read(fd.get(), bytes.data() + done, bytes.size() - done);
        if (n <= 0) {
            break;  // shrank while reading: what was read is what there is
        }
        done += static_cast<size_t>(n);
    }
    bytes.resize(done);
    return bytes;
}

}  // namespace

Result<std::string> read_media_file(std::string_view url, const std::string& media_dir, size_t max_bytes) {
    Result<fs::path> path = file_url_path(url);
    if (!path) {
        return path.error();
    }
    if (!path->is_absolute()) {
        return invalid("file:// URLs must name an absolute path");
    }
    std::error_code ec;
    const fs::path dir = fs::canonical(media_dir, ec);
    if (ec || media_dir.empty()) {
        return make_error(ErrorCode::INTERNAL, "the media directory is not usable");
    }
    // weakly_canonical resolves every link along the part of the path that exists and removes "." and "..".
    const fs::path file = fs::weakly_canonical(*path, ec);
    if (ec || !is_inside(file, dir)) {
        return invalid("the file:// URL points outside the media directory");
    }
    return read_regular_file(file, max_bytes);
}

}  // namespace hearth
