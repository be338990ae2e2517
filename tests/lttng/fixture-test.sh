#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Tests of lttng-env.sh, the lttng_sessiond fixture: each case starts and
# stops daemons of its own and checks that none is left running.
# Usage: fixture-test.sh CASE LTTNG_ENV WORK_DIR   (exit 77: case skipped)
set -euo pipefail

case_name=$1
env_sh=$2
work=$3
rm -rf "$work"
mkdir -p "$work"

fail() {
	echo "FAIL ($case_name): $*" >&2
	exit 1
}

pid_of() {
	cat "$1/pid"
}

is_alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$1/stat" | cut -d' ' -f1)
	[ "$state" != Z ] && [ "$state" != X ]
}

# Every live process whose command line mentions the text $1.
processes_mentioning() {
	local p
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = $$ ] && continue
		is_alive "${p#/proc/}" || continue
		if tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -qF -- "$1"; then
			echo "${p#/proc/}"
		fi
	done
}

# Fail unless no process runs with the daemon's LTTNG_HOME on its command line.
expect_no_daemon() {
	local home=$1 left
	left=$(processes_mentioning "$home")
	[ -z "$left" ] || fail "processes still running for $home: $left"
}

require_root_namespaces() {
	if [ "$(id -u)" != 0 ] || ! unshare --mount --propagation private true 2>/dev/null; then
		echo "skipped: needs root and mount namespaces" >&2
		exit 77
	fi
}

case_restart() {
	local state=$work/state first second home
	"$env_sh" start "$state"
	first=$(pid_of "$state")
	home=$(cat "$state/home")
	"$env_sh" start "$state" 2>"$work/stderr"
	grep -q "left by an earlier run" "$work/stderr" ||
		fail "second start did not report the stale daemon: $(cat "$work/stderr")"
	second=$(pid_of "$state")
	[ "$first" != "$second" ] || fail "second start kept daemon $first"
	! is_alive "$first" || fail "daemon $first of the first start still runs"
	expect_no_daemon "$home"
	home=$(cat "$state/home")
	"$env_sh" stop "$state"
	! is_alive "$second" || fail "daemon $second still runs after stop"
	expect_no_daemon "$home"
	[ ! -e "$home" ] || fail "stop left LTTNG_HOME $home behind"
	"$env_sh" stop "$state" | grep -q "nothing\|stopped" ||
		fail "a second stop did not succeed quietly"
}

case_run_without_start() {
	local status=0
	"$env_sh" run "$work/none" -- true 2>"$work/stderr" || status=$?
	[ "$status" != 0 ] || fail "run without a started fixture succeeded"
	grep -q "FIXTURES_REQUIRED lttng_sessiond" "$work/stderr" ||
		fail "unhelpful message: $(cat "$work/stderr")"
}

case_missing_tools() {
	local status=0
	# A PATH with the tools that lttng-env.sh needs, but no lttng-tools.
	mkdir "$work/bin"
	ln -s "$(command -v realpath)" "$work/bin/realpath"
	PATH=$work/bin "$BASH" "$env_sh" start "$work/state" 2>"$work/stderr" || status=$?
	[ "$status" != 0 ] || fail "start succeeded without lttng-sessiond"
	grep -q "lttng-sessiond not found on PATH; install the Debian package lttng-tools" \
		"$work/stderr" || fail "unclear message: $(cat "$work/stderr")"
}

case_watchdog() {
	local state=$work/state daemon home waited=0
	# The starting shell exits at once, as ctest would after Ctrl-C.
	bash -c '"$1" start "$2" >/dev/null' starter "$env_sh" "$state"
	daemon=$(pid_of "$state")
	home=$(cat "$state/home")
	while is_alive "$daemon" && [ "$waited" -lt 100 ]; do
		sleep 0.1
		waited=$((waited + 1))
	done
	! is_alive "$daemon" || fail "daemon $daemon still runs 10 s after its starter exited"
	expect_no_daemon "$home"
	grep -q "that started the fixture is gone" "$state/log" ||
		fail "the log does not say why the daemon stopped"
}

case_private() {
	require_root_namespaces
	local a=$work/a b=$work/b
	"$env_sh" start "$a"
	"$env_sh" start "$b"
	# Expanded now, like every trap here that names a local variable.
	trap "'$env_sh' stop '$a' >/dev/null 2>&1 || true; '$env_sh' stop '$b' >/dev/null 2>&1 || true" EXIT
	[ "$(cat "$a/mode")" = namespace ] || fail "root fixture is in mode $(cat "$a/mode")"
	"$env_sh" run "$a" -- lttng create fixture-private-a -o "$work/trace-a" >/dev/null
	"$env_sh" run "$a" -- lttng list | grep -q fixture-private-a ||
		fail "session not visible in its own daemon"
	if "$env_sh" run "$b" -- lttng list | grep -q fixture-private-a; then
		fail "a session of fixture A is visible from fixture B"
	fi
	if lttng list 2>/dev/null | grep -q fixture-private-a; then
		fail "a session of the fixture is visible outside its namespace"
	fi
	"$env_sh" run "$a" -- lttng destroy fixture-private-a >/dev/null
	trap - EXIT
	"$env_sh" stop "$a"
	"$env_sh" stop "$b"
}

# Runs the rest of this script's case $1 inside a fresh mount namespace with
# empty /run/lttng and /dev/shm, so a global daemon started there is ours.
in_namespace() {
	mkdir -p /run/lttng
	exec unshare --mount --propagation private -- bash -c '
		mount -t tmpfs -o mode=0755,size=16m fixture-run /run/lttng &&
		mount -t tmpfs -o mode=1777,size=64m fixture-shm /dev/shm &&
		exec "$0" "$@"' "$0" "$1" "$env_sh" "$work"
}

case_global_mode() {
	require_root_namespaces
	in_namespace inside_global_mode
}

case_inside_global_mode() {
	local state=$work/state daemon home
	CGOMAL_LTTNG_NO_NAMESPACE=1 "$env_sh" start "$state"
	[ "$(cat "$state/mode")" = global ] || fail "mode is $(cat "$state/mode"), expected global"
	daemon=$(pid_of "$state")
	home=$(cat "$state/home")
	[ "$(cat /run/lttng/lttng-sessiond.pid)" = "$daemon" ] ||
		fail "the global pid file does not name daemon $daemon"
	lttng list >/dev/null || fail "the global daemon is not reachable without the wrapper"
	"$env_sh" stop "$state"
	! is_alive "$daemon" || fail "daemon $daemon still runs after stop"
	expect_no_daemon "$home"
}

case_global_busy() {
	require_root_namespaces
	in_namespace inside_global_busy
}

case_inside_global_busy() {
	local state=$work/state other status=0 home
	mkdir -p "$work/load"
	LTTNG_HOME=$work lttng-sessiond --daemonize --no-kernel --load="$work/load"
	other=$(cat /run/lttng/lttng-sessiond.pid)
	CGOMAL_LTTNG_NO_NAMESPACE=1 "$env_sh" start "$state" 2>"$work/stderr" || status=$?
	is_alive "$other" || fail "the rejected start stopped the other daemon $other"
	kill -TERM "$other"
	for _ in $(seq 100); do
		is_alive "$other" || break
		sleep 0.1
	done
	expect_no_daemon "$work/load"
	[ "$status" != 0 ] || fail "start succeeded although daemon $other runs"
	grep -q "a root session daemon already runs (pid $other)" "$work/stderr" ||
		fail "unclear rejection: $(cat "$work/stderr")"
	home=$(sed -n 's/.*starting a session daemon, LTTNG_HOME=//p' "$state/log")
	[ -n "$home" ] && [ ! -e "$home" ] || fail "the rejected start left LTTNG_HOME '$home'"
	[ ! -e "$state/pid" ] || fail "the rejected start left $state/pid"
}

case_user_mode() {
	local state home daemon run_as=() user_dir=$work user_env=$env_sh
	if [ "$(id -u)" = 0 ]; then
		command -v setpriv >/dev/null || {
			echo "skipped: setpriv not found" >&2
			exit 77
		}
		# An ordinary user: nobody. The build tree may sit where nobody
		# cannot enter (under /root, say), so the script and the state
		# folder go to a folder of their own under TMPDIR.
		user_dir=$(mktemp -d "${TMPDIR:-/tmp}/cgomal-fixture-user.XXXXXX")
		# Expanded now: the local variable is gone when the EXIT trap runs.
		trap "rm -rf '$user_dir'" EXIT
		chmod 0777 "$user_dir"
		cp "$env_sh" "$user_dir/lttng-env.sh"
		chmod 0755 "$user_dir/lttng-env.sh"
		user_env=$user_dir/lttng-env.sh
		run_as=(setpriv --reuid=nobody --regid=nogroup --clear-groups --reset-env)
	fi
	state=$user_dir/state
	"${run_as[@]}" "$user_env" start "$state"
	[ "$(cat "$state/mode")" = user ] || fail "mode is $(cat "$state/mode"), expected user"
	daemon=$(pid_of "$state")
	home=$(cat "$state/home")
	[ -S "$home/.lttng/client-lttng-sessiond" ] || fail "no client socket under $home"
	"${run_as[@]}" "$user_env" run "$state" -- lttng create fixture-user -o "$user_dir/trace" >/dev/null
	"${run_as[@]}" "$user_env" run "$state" -- lttng list | grep -q fixture-user ||
		fail "the session is not listed"
	"${run_as[@]}" "$user_env" run "$state" -- lttng destroy fixture-user >/dev/null
	"${run_as[@]}" "$user_env" stop "$state"
	! is_alive "$daemon" || fail "daemon $daemon still runs after stop"
	expect_no_daemon "$home"
}

"case_$case_name"
echo "PASS ($case_name)"
