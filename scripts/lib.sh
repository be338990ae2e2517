# SPDX-License-Identifier: MIT
# Helpers shared by scripts/test.sh and scripts/demo.sh. Sourced, not run.

# Debian 12 packages that building and testing cgomal needs.
CGOMAL_BUILD_PACKAGES=(
	build-essential cmake pkg-config
	libjemalloc-dev
	liblttng-ust-dev liblttng-ctl-dev lttng-tools
	libbabeltrace2-dev babeltrace2
	libcjson-dev
	libxml2-dev shared-mime-info
)
CGOMAL_TEST_PACKAGES=(
	"${CGOMAL_BUILD_PACKAGES[@]}"
	clang clang-format libfuzzer-14-dev
	nodejs chromium
	python3 python3-jsonschema
)
# Debian's nodejs leaves npm to a package of its own; other builds of
# nodejs (NodeSource's) bundle it and conflict with that package.
if ! command -v npm >/dev/null 2>&1; then
	CGOMAL_TEST_PACKAGES+=(npm)
fi

log_step() {
	printf '\n==> %s\n' "$*"
}

# Run a command as root: directly when we are root, else through sudo.
as_root() {
	if [ "$(id -u)" = 0 ]; then
		"$@"
	elif command -v sudo >/dev/null; then
		sudo "$@"
	else
		echo "error: '$*' needs root, and sudo is not installed; run it as root" >&2
		return 1
	fi
}

# Install the named Debian packages that are not installed yet.
cgomal_install_packages() {
	local missing=() pkg
	for pkg in "$@"; do
		if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
			missing+=("$pkg")
		fi
	done
	if [ "${#missing[@]}" -eq 0 ]; then
		return 0
	fi
	log_step "installing ${missing[*]}"
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
		"${missing[@]}"
}
