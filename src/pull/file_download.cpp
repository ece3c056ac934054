#include "pull/file_download.h"

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <thread>
#include <unistd.h>

#include "util/sha256.h"
#include "util/unique_fd.h"

namespace hearth::pull {

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

constexpr auto EVENT_INTERVAL = std::chrono::milliseconds(200);
constexpr auto LOCK_POLL = std::chrono::milliseconds(100);

Error local_error(const std::string& what, const std::string& path) {
    return make_error(ErrorCode::INTERNAL, what + " " + path + ": " + std::strerror(errno));
}

// Waits for the exclusive lock, polling so that a cancelled pull stops waiting.
Result<void> lock_exclusive(int fd, const std::atomic<bool>* stop) {
    while (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        if (errno != EWOULDBLOCK && errno != EINTR) {
            return make_error(ErrorCode::INTERNAL, std::string("cannot lock a download: ") + std::strerror(errno));
        }
        if (stop != nullptr && stop->load()) {
            return make_error(ErrorCode::CANCELLED, "cancelled");
        }
        std::this_thread::sleep_for(LOCK_POLL);
    }
    return {};
}

Result<std::string> hash_file(const std::string& path, const FileJob& job, const PullListener& listener) {
    if (listener) {
        listener({PullEvent::Kind::VERIFYING, job.name, job.size, job.size});
    }
    return sha256_file_hex(path);
}

Result<void> check_space(const FileJob& job, int64_t have) {
    struct statvfs fs_info {};
    const std::string dir = fs::path(job.target).parent_path().string();
    if (statvfs(dir.c_str(), &fs_info) != 0) {
        return local_error("cannot read the free space of", dir);
    }
    const auto free_bytes = static_cast<int64_t>(fs_info.f_bavail) * static_cast<int64_t>(fs_info.f_frsize);
    const int64_t need = job.size - have;
    if (need > free_bytes) {
        return make_error(ErrorCode::OUT_OF_MEMORY, "not enough disk space in " + dir + ": " + job.name + " needs " +
                                                        std::to_string(need) + " more bytes, " +
                                                        std::to_string(free_bytes) + " are free");
    }
    return {};
}

int64_t file_size(int fd) {
    struct stat info {};
    return fstat(fd, &info) == 0 ? static_cast<int64_t>(info.st_size) : -1;
}

bool same_file(int fd, const std::string& path) {
    struct stat open_info {};
    struct stat path_info {};
    return fstat(fd, &open_info) == 0 && stat(path.c_str(), &path_info) == 0 && open_info.st_ino == path_info.st_ino &&
           open_info.st_dev == path_info.st_dev;
}

// Transfers into the locked .part until it holds job.size bytes, resuming after cuts.
Result<void> fill_part(int fd, const FileJob& job, const http::HubTransferOptions& transfer, int attempts,
                       const PullListener& listener,
                       const std::function<Error(const http::HubReply&, const std::string&)>& hub_error) {
    auto last_event = Clock::now() - EVENT_INTERVAL;
    const http::TransferProgress progress = [&](int64_t written, int64_t total) {
        if (listener && Clock::now() - last_event >= EVENT_INTERVAL) {
            last_event = Clock::now();
            listener({PullEvent::Kind::DOWNLOADING, job.name, written, total > 0 ? total : job.size});
        }
    };
    Error last = make_error(ErrorCode::UPSTREAM, "no attempt made");
    for (int attempt = 0; attempt < attempts; ++attempt) {
        const int64_t have = file_size(fd);
        if (have == job.size) {
            return {};
        }
        if (have < 0 || have > job.size) {
            if (ftruncate(fd, 0) != 0) {
                return local_error("cannot truncate", job.target + ".part");
            }
            continue;
        }
        auto outcome = http::hub_download(job.url, fd, have, transfer, progress);
        if (!outcome) {
            // A cut connection is worth another try from where it stopped; a stall (TIMEOUT) has had its time.
            if (outcome.error().code != ErrorCode::UPSTREAM) {
                return outcome.error();
            }
            last = outcome.error();
            continue;
        }
        if (outcome->reply.status == 416) {
            if (ftruncate(fd, 0) != 0) {
                return local_error("cannot truncate", job.target + ".part");
            }
            continue;
        }
        if (outcome->reply.status != 200 && outcome->reply.status != 206) {
            return hub_error(outcome->reply, job.name);
        }
        if (listener) {
            listener({PullEvent::Kind::DOWNLOADING, job.name, outcome->end, job.size});
        }
        if (outcome->end != job.size) {
            last = make_error(ErrorCode::UPSTREAM, job.name + ": the hub sent " + std::to_string(outcome->end) +
                                                       " bytes, its listing says " + std::to_string(job.size));
        }
    }
    return make_error(last.code, job.name + ": " + last.message + " (after " + std::to_string(attempts) + " tries)");
}

}  // namespace

Result<void> download_verified(const FileJob& job, const http::HubTransferOptions& transfer, int attempts,
                               const PullListener& listener,
                               const std::function<Error(const http::HubReply&, const std::string&)>& hub_error) {
    std::error_code ec;
    fs::create_directories(fs::path(job.target).parent_path(), ec);
    const std::string part = job.target + ".part";
    // Before the .part exists: a pull that cannot fit leaves nothing behind.
    if (auto space =
            check_space(job, fs::is_regular_file(part, ec) ? static_cast<int64_t>(fs::file_size(part, ec)) : 0);
        !space) {
        return space.error();
    }
    const UniqueFd fd(open(part.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644));  // closing it unlocks
    if (fd.get() < 0) {
        return local_error("cannot create", part);
    }
    if (auto locked = lock_exclusive(fd.get(), transfer.stop); !locked) {
        return locked.error();
    }
    // Done already (by an earlier pull, or by the one this waited for, whose .part this may be).
    if (fs::is_regular_file(job.target, ec) && static_cast<int64_t>(fs::file_size(job.target, ec)) == job.size) {
        auto hash = hash_file(job.target, job, listener);
        if (hash && *hash == job.sha256) {
            if (same_file(fd.get(), part) && file_size(fd.get()) == 0) {
                fs::remove(part, ec);
            }
            return {};
        }
    }
    if (!same_file(fd.get(), part)) {  // renamed away by the pull this waited for, and the target is wrong
        return download_verified(job, transfer, attempts, listener, hub_error);
    }
    if (auto filled = fill_part(fd.get(), job, transfer, attempts, listener, hub_error); !filled) {
        return filled.error();
    }
    auto hash = hash_file(part, job, listener);
    if (!hash) {
        return hash.error();
    }
    if (*hash != job.sha256) {
        fs::remove(part, ec);
        return make_error(ErrorCode::UPSTREAM, job.name + ": sha256 mismatch (expected " + job.sha256 + ", got " +
                                                   *hash + "); the download was deleted");
    }
    fs::rename(part, job.target, ec);
    if (ec) {
        return make_error(ErrorCode::INTERNAL, "cannot rename " + part + ": " + ec.message());
    }
    if (listener) {
        listener({PullEvent::Kind::FILE_DONE, job.name, job.size, job.size});
    }
    return {};
}

}  // namespace hearth::pull
