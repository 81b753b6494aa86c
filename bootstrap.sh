#!/usr/bin/env bash
# taxoscope set-up on Debian 12. Two commands, both idempotent:
#   ./bootstrap.sh test   install missing Debian packages, build, run every test (exit = result)
#   ./bootstrap.sh demo   install, build, build the demo workspace if absent, open the app on it
# Environment: TAXOSCOPE_BUILD_DIR (default ./build), TAXOSCOPE_JOBS (default: all cores),
# TAXOSCOPE_DEMO_DIR (default ./demo-workspace), CMAKE_PREFIX_PATH (e.g. a CUDA LibTorch),
# CI=true (warnings become errors).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build_dir=${TAXOSCOPE_BUILD_DIR:-$root/build}
jobs=${TAXOSCOPE_JOBS:-$(nproc)}
current_step="start"
reported=0

say() { printf '==> %s\n' "$*"; }
fail() {
    printf 'bootstrap: step "%s" failed: %s\n' "$current_step" "$*" >&2
    reported=1
    exit 1
}
on_exit() {
    local rc=$?
    if [ "$rc" -ne 0 ] && [ "$reported" -eq 0 ]; then
        printf 'bootstrap: step "%s" failed (exit %d); see the output above\n' "$current_step" "$rc" >&2
    fi
}
trap on_exit EXIT

usage() {
    sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
    reported=1
    exit 2
}

required_packages() {
    sed -e 's/#.*//' -e 's/[[:space:]]//g' "$root/packaging/debian-packages.txt" | grep -v '^$'
}

install_dependencies() {
    current_step="install Debian packages"
    local missing=()
    local package
    while read -r package; do
        if [ "$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null)" != "installed" ]; then
            missing+=("$package")
        fi
    done < <(required_packages)
    [ ${#missing[@]} -eq 0 ] && return 0

    command -v apt-get >/dev/null || fail "apt-get not found; taxoscope's set-up expects Debian 12. Missing: ${missing[*]}"
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || fail "not root and sudo is missing; install as root: ${missing[*]}"
        sudo=(sudo)
    fi
    say "installing ${#missing[@]} Debian packages: ${missing[*]}"
    "${sudo[@]}" apt-get update -qq || fail "apt-get update could not reach Debian's package mirrors"
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >/dev/null || fail "apt-get install failed for: ${missing[*]}"
}

configure_and_build() {
    current_step="configure (cmake)"
    # Only what must hold is passed, so a developer's own cache settings (and their build) stay.
    local options=()
    [ -f "$build_dir/CMakeCache.txt" ] || options+=(-G Ninja -DCMAKE_BUILD_TYPE=Release)
    [ "${CI:-}" = "true" ] && options+=(-DTAXOSCOPE_WERROR=ON)
    local log="$build_dir/bootstrap-configure.log"
    mkdir -p "$build_dir"
    if ! cmake -S "$root" -B "$build_dir" "${options[@]}" >"$log" 2>&1; then
        cat "$log" >&2
        fail "cmake could not configure the build (log: $log)"
    fi
    current_step="build"
    cmake --build "$build_dir" -j "$jobs" || fail "compilation failed (see the compiler output above)"
}

run_tests() {
    current_step="tests (ctest)"
    ctest --test-dir "$build_dir" --output-on-failure -j "$jobs"
}

cli_has_command() {
    "$build_dir/app/taxoscope-cli" "$1" --help >/dev/null 2>&1
}

run_demo() {
    local workspace=${TAXOSCOPE_DEMO_DIR:-$root/demo-workspace}
    local args=()
    current_step="demo workspace"
    if cli_has_command demo; then
        # Finished stages are skipped, so a complete demo costs nothing and a broken-off one resumes.
        say "building the demo workspace in $workspace (Fashion-MNIST + WordNet; skipped when complete)"
        "$build_dir/app/taxoscope-cli" demo --out "$workspace" || fail "taxoscope-cli demo failed"
        args=("$workspace")
    elif [ -f "$workspace/workspace.json" ]; then
        args=("$workspace")
    else
        say "this build has no demo workspace yet: the app opens empty and explains how to open or create one"
    fi

    current_step="start the app"
    if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
        local shot="$root/screenshots/main-window.png"
        mkdir -p "$(dirname "$shot")"
        say "no display: rendering the main window offscreen"
        QT_QPA_PLATFORM=offscreen "$build_dir/app/taxoscope" "${args[@]}" --screenshot "$shot" \
            >/dev/null || fail "the app could not render its window"
        [ -s "$shot" ] || fail "no screenshot was written to $shot"
        echo "screenshot of the main window: $shot"
        return 0
    fi
    exec "$build_dir/app/taxoscope" "${args[@]}"
}

case "${1:-}" in
    test)
        install_dependencies
        configure_and_build
        run_tests
        ;;
    demo)
        install_dependencies
        configure_and_build
        run_demo
        ;;
    *) usage ;;
esac
current_step="done"
