# shellcheck shell=bash
# Shared helpers for scripts/setup, scripts/run, scripts/test, scripts/lint,
# scripts/bench. Source it; it cds to the repository root.
#
# Pinned tool versions (see /work/shared/toolchain.md for why each one):
TRUNK_VERSION="0.21.14"          # 0.22 needs a newer rustc than 1.95
WASM_BINDGEN_VERSION="0.2.130"   # must equal the wasm-bindgen crate in Cargo.lock
BINARYEN_VERSION="132.0.0"       # wasm-opt from npm; Debian's binaryen (108) breaks the app
TERSER_VERSION="5.51.2"          # minifies wasm-bindgen's JS in release builds (scripts/sw-stamp)
PLAYWRIGHT_MAJOR_MINOR="1.65"    # playwright-core, see e2e/package.json
TWIGGY_VERSION="0.8.0"           # where the wasm's size goes (scripts/bench)
WASM_TARGET="wasm32-unknown-unknown"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

CARGO_BIN="${CARGO_HOME:-$HOME/.cargo}/bin"
TOOLS_DIR="$ROOT/.tools"                       # git-ignored, project-local
NPM_TOOLS="$TOOLS_DIR/npm"                     # binaryen (wasm-opt) lives here
NPM_BIN="$NPM_TOOLS/node_modules/.bin"
export PATH="$NPM_BIN:$CARGO_BIN:$PATH"

# Trunk must never reach for the network: no update check, and every tool it
# would otherwise download (wasm-bindgen, wasm-opt) is on PATH at the pinned
# version (wasm_bindgen is also pinned in Trunk.toml).
export TRUNK_SKIP_VERSION_CHECK=true

# Browser for the wasm tests (wasm-bindgen-test-runner via chromedriver, with
# webdriver.json) and the e2e tests (Playwright via playwright-core).
export CHROMIUM="${CHROMIUM:-/usr/bin/chromium}"
export CHROMEDRIVER="${CHROMEDRIVER:-/usr/bin/chromedriver}"
# Flags that keep Chromium from reaching for the closed network (space-separated;
# the e2e tests may split this on spaces and pass it as launch args).
export CHROMIUM_ARGS="${CHROMIUM_ARGS:---headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking --disable-component-update --disable-sync --disable-dev-shm-usage}"

SERVER_BIN_PATH="$ROOT/target/release/complaints-server"
DIST_PATH="$ROOT/dist"

# ---------------------------------------------------------------- output
log()  { printf '%s\n' "$*"; }
ok()   { printf 'ok    %-22s %s\n' "$1" "$2"; }
info() { printf '==>   %s\n' "$*"; }
die()  { printf 'error: %s\n' "$*" >&2; exit 1; }

# first line of a command's output, or empty if it fails / is missing
version_of() { "$@" 2>/dev/null | head -n1 || true; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo "$@"
    else die "need root (or sudo) to run: $*"
    fi
}

# ---------------------------------------------------------------- installers
ensure_wasm_target() {
    command -v rustup >/dev/null 2>&1 || die "rustup not found (expected in $CARGO_BIN)"
    if ! rustup target list --installed | grep -qx "$WASM_TARGET"; then
        info "rustup target add $WASM_TARGET"
        rustup target add "$WASM_TARGET"
    fi
    rustup target list --installed | grep -qx "$WASM_TARGET" || die "rust target $WASM_TARGET missing"
    ok "rust target" "$WASM_TARGET ($(rustc --version | cut -d' ' -f2))"
}

ensure_wasm_bindgen() {
    local want="wasm-bindgen $WASM_BINDGEN_VERSION" have
    have="$(version_of wasm-bindgen --version)"
    if [ "$have" != "$want" ] || [ "$(version_of wasm-bindgen-test-runner --version)" != "wasm-bindgen-test-runner $WASM_BINDGEN_VERSION" ]; then
        info "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (~2 min; found: ${have:-none})"
        # No --locked: its lockfile pins a webpki-roots version the registry here lacks.
        cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
        have="$(version_of wasm-bindgen --version)"
    fi
    [ "$have" = "$want" ] || die "wasm-bindgen: want '$want', have '${have:-none}'"
    ok "wasm-bindgen" "$WASM_BINDGEN_VERSION (+ wasm-bindgen-test-runner)"
    # The crate in Cargo.lock must match the CLI exactly.
    if [ -f Cargo.lock ]; then
        local locked
        locked="$(awk '/^name = "wasm-bindgen"$/{getline; gsub(/version = |"/, ""); print; exit}' Cargo.lock)"
        if [ -n "$locked" ] && [ "$locked" != "$WASM_BINDGEN_VERSION" ]; then
            die "Cargo.lock has wasm-bindgen $locked but the CLI is $WASM_BINDGEN_VERSION; pin wasm-bindgen = \"=$WASM_BINDGEN_VERSION\""
        fi
    fi
}

# cargo_tool CRATE BINARY VERSION "VERSION LINE" NOTE: `cargo install CRATE
# --version VERSION --locked` unless `BINARY --version` already prints the line.
cargo_tool() {
    local crate="$1" bin="$2" version="$3" want="$4" note="$5" have
    have="$(version_of "$bin" --version)"
    if [ "$have" != "$want" ]; then
        info "cargo install $crate $version --locked ($note; found: ${have:-none})"
        cargo install "$crate" --version "$version" --locked --force
        have="$(version_of "$bin" --version)"
    fi
    [ "$have" = "$want" ] || die "$crate: want '$want', have '${have:-none}'"
    ok "$crate" "$version"
}

ensure_trunk() {
    cargo_tool trunk trunk "$TRUNK_VERSION" "trunk $TRUNK_VERSION" "~6.5 min on 2 cores"
}

ensure_wasm_opt() {
    command -v npm >/dev/null 2>&1 || die "npm not found (Node.js is needed for wasm-opt and the e2e tests)"
    local major="${BINARYEN_VERSION%%.*}" have
    have="$(version_of "$NPM_BIN/wasm-opt" --version)"
    if [[ "$have" != "wasm-opt version $major "* ]]; then
        info "npm install binaryen@$BINARYEN_VERSION into .tools/npm (found: ${have:-none})"
        mkdir -p "$NPM_TOOLS"
        [ -f "$NPM_TOOLS/package.json" ] || printf '{ "private": true }\n' > "$NPM_TOOLS/package.json"
        npm install --prefix "$NPM_TOOLS" --no-audit --no-fund --save-exact "binaryen@$BINARYEN_VERSION"
        have="$(version_of "$NPM_BIN/wasm-opt" --version)"
    fi
    [[ "$have" == "wasm-opt version $major "* ]] || die "wasm-opt: want version $major, have '${have:-none}'"
    [ "$(command -v wasm-opt)" = "$NPM_BIN/wasm-opt" ] || die "wasm-opt on PATH is $(command -v wasm-opt), not $NPM_BIN/wasm-opt"
    ok "wasm-opt" "$major (npm binaryen@$BINARYEN_VERSION, .tools/npm)"
}

ensure_terser() {
    command -v npm >/dev/null 2>&1 || die "npm not found"
    local have
    have="$(version_of "$NPM_BIN/terser" --version)"
    if [ "$have" != "terser $TERSER_VERSION" ]; then
        info "npm install terser@$TERSER_VERSION into .tools/npm (found: ${have:-none})"
        mkdir -p "$NPM_TOOLS"
        [ -f "$NPM_TOOLS/package.json" ] || printf '{ "private": true }\n' > "$NPM_TOOLS/package.json"
        npm install --prefix "$NPM_TOOLS" --no-audit --no-fund --save-exact "terser@$TERSER_VERSION"
        have="$(version_of "$NPM_BIN/terser" --version)"
    fi
    [ "$have" = "terser $TERSER_VERSION" ] || die "terser: want $TERSER_VERSION, have '${have:-none}'"
    ok "terser" "$TERSER_VERSION (npm, .tools/npm)"
}

# A CJK font, so Chinese renders as text (not boxes) in screenshots.
CJK_FONT_PACKAGE="fonts-wqy-zenhei"

ensure_chromium() {
    if [ ! -x "$CHROMIUM" ] || [ ! -x "$CHROMEDRIVER" ] || ! dpkg -s "$CJK_FONT_PACKAGE" >/dev/null 2>&1; then
        info "apt-get install chromium chromium-driver $CJK_FONT_PACKAGE (~1 min)"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver "$CJK_FONT_PACKAGE"
    fi
    [ -x "$CHROMIUM" ] || die "chromium not found at $CHROMIUM"
    [ -x "$CHROMEDRIVER" ] || die "chromedriver not found at $CHROMEDRIVER"
    # Debian's wrapper script prints a harmless '[: unexpected operator' on stderr.
    ok "chromium" "$(version_of "$CHROMIUM" --version 2>/dev/null | awk '{print $2}')"
    ok "chromedriver" "$(version_of "$CHROMEDRIVER" --version | awk '{print $2}')"
    ok "$CJK_FONT_PACKAGE" "installed"
}

ensure_e2e_deps() {
    command -v npm >/dev/null 2>&1 || die "npm not found"
    [ -f e2e/package-lock.json ] || die "e2e/package-lock.json missing (run 'npm install' in e2e/ and commit it)"
    local have
    have="$(cd e2e && node -p "require('playwright-core/package.json').version" 2>/dev/null || true)"
    if [[ "$have" != "$PLAYWRIGHT_MAJOR_MINOR".* ]] \
        || [ ! -f e2e/node_modules/.package-lock.json ] \
        || [ e2e/package-lock.json -nt e2e/node_modules/.package-lock.json ]; then
        info "npm ci in e2e/ (playwright-core; no browser download)"
        (cd e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
        have="$(cd e2e && node -p "require('playwright-core/package.json').version" 2>/dev/null || true)"
    fi
    [[ "$have" == "$PLAYWRIGHT_MAJOR_MINOR".* ]] || die "playwright-core: want $PLAYWRIGHT_MAJOR_MINOR.x, have '${have:-none}'"
    ok "playwright-core" "$have (e2e/node_modules)"
}

ensure_twiggy() {
    cargo_tool twiggy twiggy "$TWIGGY_VERSION" "twiggy-opt $TWIGGY_VERSION" "~2 min"
}

# Everything `scripts/run` needs.
setup_run() {
    ensure_wasm_target
    ensure_wasm_bindgen
    ensure_trunk
    ensure_wasm_opt
    ensure_terser
}

# Everything `scripts/test` needs.
setup_test() {
    setup_run
    ensure_chromium
    ensure_e2e_deps
    ensure_twiggy
}

# ---------------------------------------------------------------- builds
build_app_release() {
    info "trunk build --release  ->  dist/"
    trunk build --release
    [ -f "$DIST_PATH/index.html" ] || die "trunk build did not produce dist/index.html"
}

build_server_release() {
    info "cargo build --release -p complaints-server"
    cargo build --release -p complaints-server
    [ -x "$SERVER_BIN_PATH" ] || die "server binary missing: $SERVER_BIN_PATH"
}
