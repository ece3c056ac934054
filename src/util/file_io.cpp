#include "util/file_io.h"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "util/unique_fd.h"

namespace hearth {

namespace {

Error io_error(const std::string& what, const std::string& path) {
    return make_error(ErrorCode::INTERNAL, what + " " + path + ": " + std::strerror(errno));
}

Result<void> write_all(int fd, const std::string& content, const std::string& path) {
    size_t written = 0;
    while (written < content.size()) {
        const ssize_t n = ::write(fd, content.data() + written, content.size() - written);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return io_error("writing", path);
        }
        written += static_cast<size_t>(n);
    }
    return {};
}

}  // namespace

Result<std::string> read_text_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (!std::filesystem::exists(path)) {
            return make_error(ErrorCode::NOT_FOUND, path + " does not exist");
        }
        return io_error("opening", path);
    }
    std::ostringstream text;
    text << in.rdbuf();
    if (in.bad()) {
        return io_error("reading", path);
    }
    return text.str();
}

Result<void> write_file_atomically(const std::string& path, const std::string& content) {
    const std::filesystem::path target(path);
    std::error_code ec;
    if (target.has_parent_path()) {
        std::filesystem::create_directories(target.parent_path(), ec);
        if (ec) {
            return make_error(ErrorCode::INTERNAL, "creating " + target.parent_path().string() + ": " + ec.message());
        }
    }
    const std::string temp = path + ".tmp." + std::to_string(::getpid());
    UniqueFd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (fd.get() < 0) {
        return io_error("creating", temp);
    }
    auto written = write_all(fd.get(), content, temp);
    if (written && ::fsync(fd.get()) != 0) {
        written = io_error("flushing", temp);
    }
    if (written && ::close(fd.release()) != 0) {
        written = io_error("closing", temp);
    }
    if (written && ::rename(temp.c_str(), path.c_str()) != 0) {
        written = io_error("renaming over", path);
    }
    if (!written) {
        ::unlink(temp.c_str());
        return written;
    }
    // The rename itself reaches the disk with the folder's entry.
    UniqueFd dir(
        ::open(target.has_parent_path() ? target.parent_path().c_str() : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (dir.get() >= 0) {
        ::fsync(dir.get());
    }
    return {};
}

}  // namespace hearth
