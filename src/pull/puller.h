#pragma once
// `hearth pull` and POST /v1/models/pull: a model from a Hugging Face hub (or a mirror) into the models
// directory, as DIR/org/repo/<file> beside a manifest (pull_manifest.h). Each file downloads into
// "<file>.part" (resumed with a Range request after a cut, in the same pull or a later one), is checked against
// the hub's SHA-256 and only then renamed; the free disk space is checked first. Pulls of the same file, in
// this process or another, take turns on an flock of its .part: the second finds the file done and only
// verifies it.
// Thread-safe: pulls share nothing but the files they lock.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "util/result.h"

namespace hearth::pull {

inline constexpr const char* DEFAULT_ENDPOINT = "https://huggingface.co";

struct PullOptions {
    std::string models_dir;
    std::string endpoint = DEFAULT_ENDPOINT;  // $HF_ENDPOINT
    std::string token;                        // $HF_TOKEN; sent to the endpoint's origin only
    bool offline = false;                     // $HEARTH_OFFLINE=1: every pull fails before any request
    std::chrono::seconds stall_timeout{60};
    int attempts = 5;                         // per file: the first try and resumes after cuts
    const std::atomic<bool>* stop = nullptr;  // set: the pull ends with CANCELLED (the .part stays)
};

// Endpoint, token and offline mode from $HF_ENDPOINT, $HF_TOKEN and $HEARTH_OFFLINE.
PullOptions pull_options_from_env();

struct PullEvent {
    enum class Kind { RESOLVING, DOWNLOADING, VERIFYING, FILE_DONE };
    Kind kind = Kind::RESOLVING;
    std::string file;  // the path in the repo; empty for RESOLVING
    int64_t completed = 0;
    int64_t total = 0;
};
// Called on the pulling thread; DOWNLOADING at most every 200 ms per file, and once at its end.
using PullListener = std::function<void(const PullEvent&)>;

struct PullResult {
    std::string name;                // "org/repo:TAG": the model's id once the models directory is scanned
    std::string dir;                 // DIR/org/repo
    std::string revision;            // the commit pulled
    std::vector<std::string> files;  // paths in the repo, the model first
};

// Errors: INVALID_ARGUMENT (a bad reference), UNSUPPORTED (offline), MODEL_NOT_FOUND (repo, tag or file),
// UPSTREAM (the hub refused, 401 and 403 included, failed, or sent bytes of the wrong hash), TIMEOUT (a
// transfer stalled for options.stall_timeout), OUT_OF_MEMORY
// (not enough disk), CANCELLED, INTERNAL (local file errors). Messages name the repo and file and never hold
// the token.
Result<PullResult> pull_model(const std::string& ref, const PullOptions& options, const PullListener& listener);

// Deletes the files of a pulled model ("org/repo:TAG", as listed) and its manifest entry; a projector or
// vocoder another pulled tag still uses stays. Returns the deleted paths. NOT_FOUND when no manifest lists it.
Result<std::vector<std::string>> remove_pulled(const std::string& models_dir, const std::string& name);

}  // namespace hearth::pull
