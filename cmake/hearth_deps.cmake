# Engines from the deps cache (scripts/deps.sh). Everything is imported as SYSTEM so that warnings inside
# third-party headers never fail hearth's build.
# Only from this prefix: anything cached from another (an older deps key) would mix two builds of ggml.
if(DEFINED HEARTH_DEPS_PREFIX_USED AND NOT HEARTH_DEPS_PREFIX_USED STREQUAL HEARTH_DEPS_PREFIX)
    get_cmake_property(cached CACHE_VARIABLES)
    foreach(var IN LISTS cached)
        if("${${var}}" MATCHES "^${HEARTH_DEPS_PREFIX_USED}/")
            unset(${var} CACHE)
        endif()
    endforeach()
endif()
set(HEARTH_DEPS_PREFIX_USED "${HEARTH_DEPS_PREFIX}" CACHE INTERNAL "the prefix the cached engine paths come from")
foreach(pkg ggml llama whisper)
    find_package(${pkg} REQUIRED CONFIG PATHS "${HEARTH_DEPS_PREFIX}" NO_DEFAULT_PATH)
endforeach()
find_package(Threads REQUIRED)

# llama-common and mtmd install no CMake package: import them by hand.
find_library(HEARTH_LLAMA_COMMON_LIB NAMES llama-common PATHS "${HEARTH_DEPS_PREFIX}/lib" NO_DEFAULT_PATH REQUIRED)
find_library(HEARTH_MTMD_LIB NAMES mtmd PATHS "${HEARTH_DEPS_PREFIX}/lib" NO_DEFAULT_PATH REQUIRED)
add_library(hearth_llama_common SHARED IMPORTED GLOBAL)
set_target_properties(hearth_llama_common PROPERTIES IMPORTED_LOCATION "${HEARTH_LLAMA_COMMON_LIB}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${HEARTH_DEPS_PREFIX}/include/llama-common;${HEARTH_DEPS_PREFIX}/include"
    INTERFACE_INCLUDE_DIRECTORIES "${HEARTH_DEPS_PREFIX}/include/llama-common;${HEARTH_DEPS_PREFIX}/include"
    INTERFACE_LINK_LIBRARIES "llama")
add_library(hearth_mtmd SHARED IMPORTED GLOBAL)
set_target_properties(hearth_mtmd PROPERTIES IMPORTED_LOCATION "${HEARTH_MTMD_LIB}"
    INTERFACE_SYSTEM_INCLUDE_DIRECTORIES "${HEARTH_DEPS_PREFIX}/include"
    INTERFACE_INCLUDE_DIRECTORIES "${HEARTH_DEPS_PREFIX}/include")

# One nlohmann/json for the whole process: the copy llama.cpp's common was built with (3.12, installed into
# the prefix by scripts/deps.sh), not Debian's 3.11, so api code and common's chat API agree on one version.
add_library(hearth_json INTERFACE)
target_include_directories(hearth_json SYSTEM INTERFACE "${HEARTH_DEPS_PREFIX}/include")

# hearth's own third-party libraries come from Debian.
find_package(Boost 1.81 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
# libcurl (libcurl4-openssl-dev) fetches the images clients name by URL (src/http/media_fetch.cpp): 7.85 or
# later for CURLOPT_PROTOCOLS_STR.
find_package(CURL 7.85 REQUIRED)
