#include "pull/puller.h"

#include <algorithm>
#include <cstdlib>
#include <ctime>
#include <filesystem>

#include "core/model_tag.h"
#include "http/hub_transfer.h"
#include "pull/file_download.h"
#include "pull/hub_files.h"
#include "pull/hub_ref.h"
#include "pull/pull_manifest.h"
#include "util/ascii.h"
#include "util/percent_encoding.h"
#include "util/utc_time.h"

namespace hearth::pull {

namespace {

namespace fs = std::filesystem;

constexpr size_t MAX_API_BODY = size_t{16} << 20;

// What the hub's refusal means for `what` (a repo, or a file in it).
Error hub_error(const http::HubReply& reply, const std::string& repo, const std::string& what,
                const PullOptions& options) {
    const auto code = reply.headers.find("x-error-code");
    const std::string error_code = code == reply.headers.end() ? "" : code->second;
    const std::string host = http::url_origin(options.endpoint);
    if (error_code == "RepoNotFound" || (reply.status == 404 && what == repo)) {
        return make_error(ErrorCode::MODEL_NOT_FOUND,
                          repo + " was not found on " + host +
                              (reply.status == 401 && options.token.empty() ? " (a private one needs HF_TOKEN)" : ""),
                          "model");
    }
    if (error_code == "EntryNotFound" || reply.status == 404) {
        return make_error(ErrorCode::MODEL_NOT_FOUND, repo + " has no file " + what, "model");
    }
    if (reply.status == 401) {
        return make_error(
            ErrorCode::UPSTREAM,
            options.token.empty()
                ? repo + " needs authentication: set HF_TOKEN or pass --token (a gated or private repository)"
                : "the token was not accepted for " + repo + " (401)");
    }
    if (reply.status == 403) {
        return make_error(ErrorCode::UPSTREAM, "access to " + repo +
                                                   " was refused (403): accept the repository's terms on the hub, or "
                                                   "check the token's permissions");
    }
    return make_error(ErrorCode::UPSTREAM, host + " answered HTTP " + std::to_string(reply.status) + " for " + what +
                                               ": " + reply.body.substr(0, 200));
}

http::HubTransferOptions transfer_options(const PullOptions& options) {
    http::HubTransferOptions transfer;
    transfer.token = options.token;
    transfer.token_origin = http::url_origin(options.endpoint);
    transfer.stall_timeout = options.stall_timeout;
    transfer.stop = options.stop;
    return transfer;
}

Result<RepoInfo> fetch_repo(const HubRef& ref, const std::string& endpoint, const PullOptions& options) {
    const std::string url =
        endpoint + "/api/models/" + ref.repo + "/revision/" + percent_encode_path(ref.revision) + "?blobs=true";
    auto reply = http::hub_get(url, transfer_options(options), MAX_API_BODY);
    if (!reply) {
        return reply.error();
    }
    if (reply->status != 200) {
        return hub_error(*reply, ref.repo, ref.repo, options);
    }
    return parse_repo_info(reply->body, ref.repo);
}

Result<void> record(const std::string& dir, const std::string& endpoint, const std::string& name,
                    const Selection& selection, const RepoInfo& info) {
    ManifestModel model{name, selection.tag, info.commit, utc_timestamp(), {}};
    for (const PickedFile& picked : selection.files) {
        model.files.push_back(
            {picked.file.path, picked.file.size, picked.file.sha256, std::string(to_string(picked.role))});
    }
    return update_manifest((fs::path(dir) / core::PULL_MANIFEST).string(), [&](Manifest& manifest) {
        manifest.repo = info.repo;
        manifest.endpoint = endpoint;
        std::erase_if(manifest.models,
                      [&](const ManifestModel& m) { return ascii_lower(m.name) == ascii_lower(name); });
        manifest.models.push_back(model);
    });
}

}  // namespace

PullOptions pull_options_from_env() {
    PullOptions options;
    if (const char* endpoint = std::getenv("HF_ENDPOINT"); endpoint != nullptr && endpoint[0] != '\0') {
        options.endpoint = endpoint;
    }
    if (const char* token = std::getenv("HF_TOKEN"); token != nullptr) {
        options.token = token;
    }
    const char* offline = std::getenv("HEARTH_OFFLINE");
    options.offline = offline != nullptr && std::string(offline) != "" && std::string(offline) != "0";
    return options;
}

Result<PullResult> pull_model(const std::string& text, const PullOptions& options, const PullListener& listener) {
    auto ref = parse_hub_ref(text);
    if (!ref) {
        return ref.error();
    }
    if (options.offline) {
        return make_error(ErrorCode::UNSUPPORTED, "offline (HEARTH_OFFLINE=1): not pulling " + to_string(*ref));
    }
    if (options.models_dir.empty()) {
        return make_error(ErrorCode::INVALID_ARGUMENT, "no models directory to pull into");
    }
    std::string endpoint = options.endpoint;
    while (endpoint.ends_with("/")) {
        endpoint.pop_back();
    }
    if (listener) {
        listener({PullEvent::Kind::RESOLVING, "", 0, 0});
    }
    auto info = fetch_repo(*ref, endpoint, options);
    if (!info) {
        return info.error();
    }
    auto selection = select_files(*info, *ref);
    if (!selection) {
        return selection.error();
    }
    PullResult result{
        ref->repo + ":" + selection->tag, (fs::path(options.models_dir) / ref->repo).string(), info->commit, {}};
    const std::string revision = info->commit.empty() ? ref->revision : info->commit;
    const auto on_refusal = [&](const http::HubReply& reply, const std::string& file) {
        return hub_error(reply, ref->repo, file, options);
    };
    for (const PickedFile& picked : selection->files) {
        const FileJob job{endpoint + "/" + ref->repo + "/resolve/" + percent_encode_path(revision) + "/" +
                              percent_encode_path(picked.file.path),
                          (fs::path(result.dir) / picked.file.path).string(), picked.file.path, picked.file.size,
                          picked.file.sha256};
        if (auto done = download_verified(job, transfer_options(options), options.attempts, listener, on_refusal);
            !done) {
            return done.error();
        }
        result.files.push_back(picked.file.path);
    }
    if (auto recorded = record(result.dir, endpoint, result.name, *selection, *info); !recorded) {
        return recorded.error();
    }
    return result;
}

Result<std::vector<std::string>> remove_pulled(const std::string& models_dir, const std::string& name) {
    const size_t colon = name.rfind(':');
    const fs::path dir = fs::path(models_dir) / name.substr(0, colon == std::string::npos ? name.size() : colon);
    const std::string manifest_path = (dir / core::PULL_MANIFEST).string();
    auto manifest = read_manifest(manifest_path);
    if (!manifest) {
        return manifest.error();
    }
    const auto entry = std::find_if(manifest->models.begin(), manifest->models.end(),
                                    [&](const ManifestModel& m) { return ascii_lower(m.name) == ascii_lower(name); });
    if (colon == std::string::npos || entry == manifest->models.end()) {
        return make_error(ErrorCode::NOT_FOUND, name + " is not a pulled model (no " + manifest_path + " lists it)");
    }
    std::vector<std::string> removed;
    std::error_code ec;
    for (const ManifestFile& file : entry->files) {
        const bool shared = std::any_of(manifest->models.begin(), manifest->models.end(), [&](const ManifestModel& m) {
            return &m != &*entry && std::any_of(m.files.begin(), m.files.end(),
                                                [&](const ManifestFile& f) { return f.path == file.path; });
        });
        const fs::path path = dir / file.path;
        if (!shared && fs::remove(path, ec)) {
            removed.push_back(path.string());
        }
        fs::remove(path.string() + ".part", ec);
    }
    const std::string removed_name = entry->name;
    if (auto updated = update_manifest(manifest_path,
                                       [&](Manifest& m) {
                                           std::erase_if(m.models, [&](const ManifestModel& model) {
                                               return model.name == removed_name;
                                           });
                                       });
        !updated) {
        return updated.error();
    }
    // Empty folders go too, up to the models directory.
    for (fs::path folder = dir; folder != fs::path(models_dir) && fs::is_empty(folder, ec);
         folder = folder.parent_path()) {
        fs::remove(folder, ec);
    }
    return removed;
}

}  // namespace hearth::pull
