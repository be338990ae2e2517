#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Starts, uses and stops the LTTng session daemon that the test suite owns.
#
# Usage:
#   lttng-env.sh start STATE_DIR              start a session daemon (fixture setup)
#   lttng-env.sh stop STATE_DIR               stop it and its consumer daemons (cleanup)
#   lttng-env.sh run STATE_DIR -- CMD [ARG]...  run CMD so that lttng, liblttng-ctl and
#                                             traced programs reach that daemon
#   lttng-env.sh isolated -- CMD [ARG]...     run CMD where no session daemon is reachable
#
# As root, the daemon runs in a mount namespace of its own with a private
# tmpfs on /run/lttng (where a root session daemon keeps its sockets, lock and
# pid files, paths that lttng-tools 2.13 cannot move) and on /dev/shm. It is
# invisible to every other process, so a system daemon or a second test run
# cannot collide with it. `run` enters that namespace with nsenter. When the
# machine does not allow mount namespaces (or CGOMAL_LTTNG_NO_NAMESPACE=1),
# the fixture starts the machine's root session daemon instead, and rejects
# the run if one already runs. As any other user, the daemon keeps its
# sockets under a private LTTNG_HOME; a user in the `tracing` group still
# reaches a running root daemon first, as lttng(1) documents.
#
# STATE_DIR receives: mode (namespace, global or user), pid, home (the
# daemon's LTTNG_HOME, a short folder under TMPDIR because Unix socket paths
# are limited to 107 bytes), watchdog (pid of the process that stops the
# daemon if the process that started it exits without stopping it) and log.
set -euo pipefail

# The lock on STATE_DIR/lock is held through file descriptor 9; every
# process started while it is held gets 9>&- so that it does not keep it.

readonly stop_timeout_s=10 # SIGTERM to SIGKILL, for the daemon and its consumers
readonly run_register_timeout_ms=30000 # sanitized programs start slowly

die() {
	echo "lttng-env.sh: error: $*" >&2
	exit 1
}

# Print the usage lines of the header: on stdout for --help, else on
# stderr with exit status 2.
usage() {
	if [ "${1:-}" = help ]; then
		sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
	fi
	sed -n '5,11p' "$0" | sed 's/^# \{0,1\}//' >&2
	exit 2
}

# True when PID names a live process: zombies count as gone, because a
# daemon re-parented to an init that does not reap stays a zombie.
is_alive() {
	local pid=$1 state
	[ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# The start time of PID in clock ticks since boot, to distinguish a reused pid.
start_time_of() {
	sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f20
}

is_sessiond() {
	is_alive "$1" && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = lttng-sessiond ]
}

log() {
	printf '%s %s\n' "$(date +%H:%M:%S)" "$*" >>"$state/log"
}

read_state() {
	mode=$(cat "$state/mode" 2>/dev/null || true)
	pid=$(cat "$state/pid" 2>/dev/null || true)
	home=$(cat "$state/home" 2>/dev/null || true)
	watchdog=$(cat "$state/watchdog" 2>/dev/null || true)
}

# Mount namespaces need CAP_SYS_ADMIN, which a container may withhold.
can_unshare() {
	[ "$(id -u)" = 0 ] && [ "${CGOMAL_LTTNG_NO_NAMESPACE:-0}" != 1 ] &&
		command -v unshare >/dev/null && command -v nsenter >/dev/null &&
		unshare --mount --propagation private true 2>>"$state/log"
}

# Children of the daemon (consumer daemons, its run-as worker), taken before
# the daemon exits because afterwards they are re-parented.
children_of() {
	local p
	for p in /proc/[0-9]*; do
		if [ "$(sed 's/^.*) //' "$p/stat" 2>/dev/null | cut -d' ' -f2)" = "$1" ]; then
			echo "${p#/proc/}"
		fi
	done
}

# Send SIGTERM to the daemon and wait for it and its children, then SIGKILL
# what is left. Returns non-zero when something had to be killed.
stop_daemon() {
	local daemon=$1 procs p waited=0 left
	procs="$daemon $(children_of "$daemon" | tr '\n' ' ')"
	log "stopping lttng-sessiond $daemon and its children: $procs"
	kill -TERM "$daemon" 2>/dev/null || true
	while [ "$waited" -lt $((stop_timeout_s * 10)) ]; do
		left=
		for p in $procs; do
			is_alive "$p" && left="$left $p"
		done
		[ -z "$left" ] && return 0
		sleep 0.1
		waited=$((waited + 1))
	done
	log "still running after ${stop_timeout_s} s, sending SIGKILL to:$left"
	echo "lttng-env.sh: error: processes$left did not stop within ${stop_timeout_s} s" \
		"of SIGTERM; killed them (see $state/log)" >&2
	kill -KILL $left 2>/dev/null || true
	return 1
}

start_in_namespace() {
	mkdir -p /run/lttng # the mount point; the host's copy stays empty
	# The daemon is the namespace's only long-lived process; its pid file
	# exists only inside the namespace, so the shell copies it out.
	unshare --mount --propagation private -- env LTTNG_HOME="$home" bash -c '
		set -e
		mount -t tmpfs -o mode=0755,size=16m cgomal-lttng-run /run/lttng
		mount -t tmpfs -o mode=1777 cgomal-lttng-shm /dev/shm
		lttng-sessiond --daemonize --no-kernel --load="$1"
		cat /run/lttng/lttng-sessiond.pid >"$2"
	' cgomal-lttng "$home/load" "$state/pid" >>"$state/log" 2>&1 9>&-
}

start_global() {
	local other
	other=$(cat /run/lttng/lttng-sessiond.pid 2>/dev/null || true)
	if is_sessiond "$other"; then
		die "a root session daemon already runs (pid $other) and this machine" \
			"allows no private mount namespace for the tests (see $state/log);" \
			"stop that daemon, or run the tests as a user outside the tracing group"
	fi
	LTTNG_HOME="$home" lttng-sessiond --daemonize --no-kernel --load="$home/load" \
		>>"$state/log" 2>&1 9>&-
	cat /run/lttng/lttng-sessiond.pid >"$state/pid"
}

start_user() {
	LTTNG_HOME="$home" lttng-sessiond --daemonize --no-kernel --load="$home/load" \
		>>"$state/log" 2>&1 9>&-
	cat "$home/.lttng/lttng-sessiond.pid" >"$state/pid"
}

# On a failed start: stop the daemon if it runs and remove what start made.
start_abandon() {
	local status=$?
	[ "$status" = 0 ] && return
	pid=$(cat "$state/pid" 2>/dev/null || true)
	if is_sessiond "$pid"; then
		stop_daemon "$pid" || true
	fi
	rm -rf "$home"
	rm -f "$state/mode" "$state/pid" "$state/home"
	log "start failed with status $status"
	exit "$status"
}

cmd_start() {
	command -v lttng-sessiond >/dev/null ||
		die "lttng-sessiond not found on PATH; install the Debian package lttng-tools"
	command -v lttng >/dev/null ||
		die "lttng not found on PATH; install the Debian package lttng-tools"
	mkdir -p "$state"
	exec 9>"$state/lock"
	flock 9
	read_state
	if is_sessiond "$pid"; then
		echo "lttng-env.sh: stopping the session daemon $pid left by an earlier run" >&2
		stop_daemon "$pid" || true
	fi
	if is_alive "$watchdog"; then
		kill "$watchdog" 2>/dev/null || true
	fi
	[ -n "$home" ] && rm -rf "$home"
	rm -f "$state/mode" "$state/pid" "$state/home" "$state/watchdog"

	home=$(mktemp -d "${TMPDIR:-/tmp}/cgomal-lttng.XXXXXX")
	trap start_abandon EXIT
	mkdir "$home/load" # --load of an empty folder: no auto-loaded sessions
	echo "$home" >"$state/home"
	log "starting a session daemon, LTTNG_HOME=$home"
	if [ "$(id -u)" != 0 ]; then
		mode=user
		start_user
	elif can_unshare; then
		mode=namespace
		start_in_namespace
	else
		mode=global
		start_global
	fi || die "lttng-sessiond did not start; its output is in $state/log"
	echo "$mode" >"$state/mode"
	pid=$(cat "$state/pid")
	is_sessiond "$pid" || die "lttng-sessiond (pid $pid) exited right after start; see $state/log"

	if ! "$0" run "$state" -- lttng list >>"$state/log" 2>&1 9>&-; then
		die "lttng cannot reach the session daemon $pid ($mode mode); see $state/log"
	fi

	# Stops the daemon if the process that started it (ctest) goes away
	# without running the cleanup, as after Ctrl-C.
	setsid "$0" watch "$state" "$PPID" "$(start_time_of "$PPID")" \
		</dev/null >>"$state/log" 2>&1 9>&- &
	echo $! >"$state/watchdog"
	trap - EXIT
	log "lttng-sessiond $pid ready ($mode mode), watchdog $!"
	echo "lttng-env.sh: lttng-sessiond $pid ready ($mode mode, LTTNG_HOME=$home)"
}

cmd_stop() {
	local status=0
	if [ ! -d "$state" ]; then
		echo "lttng-env.sh: no state in $state, nothing to stop"
		return 0
	fi
	exec 9>"$state/lock"
	flock 9
	read_state
	if is_alive "$watchdog" && [ "$watchdog" != "${1:-}" ]; then
		kill "$watchdog" 2>/dev/null || true
	fi
	if is_sessiond "$pid"; then
		stop_daemon "$pid" || status=1
	elif [ -n "$pid" ]; then
		log "lttng-sessiond $pid was not running any more"
		echo "lttng-env.sh: warning: lttng-sessiond $pid had already exited; see $state/log" >&2
		status=1
	fi
	[ -n "$home" ] && rm -rf "$home"
	rm -f "$state/mode" "$state/pid" "$state/home" "$state/watchdog"
	log "stopped"
	if [ -z "$pid" ]; then
		echo "lttng-env.sh: no session daemon recorded in $state, nothing to stop"
	elif [ "$status" = 0 ]; then
		echo "lttng-env.sh: lttng-sessiond $pid stopped"
	fi
	return "$status"
}

cmd_watch() {
	local parent=$1 parent_start=$2
	while is_alive "$parent" && [ "$(start_time_of "$parent")" = "$parent_start" ]; do
		sleep 1
	done
	read_state
	if is_sessiond "$pid"; then
		log "process $parent that started the fixture is gone; stopping the daemon"
		cmd_stop "$$" || true
	fi
}

cmd_run() {
	read_state
	[ -n "$pid" ] ||
		die "no session daemon state in $state: the lttng_sessiond fixture did not run or failed; add FIXTURES_REQUIRED lttng_sessiond to the test"
	is_sessiond "$pid" ||
		die "the session daemon $pid of $state is no longer running; see $state/log"
	export LTTNG_HOME="$home"
	export LTTNG_UST_REGISTER_TIMEOUT="${LTTNG_UST_REGISTER_TIMEOUT:-$run_register_timeout_ms}"
	if [ "$mode" = namespace ]; then
		exec nsenter --mount="/proc/$pid/ns/mnt" --wd="$PWD" -- "$@"
	fi
	exec "$@"
}

cmd_isolated() {
	# Global, because the EXIT trap runs after the function has returned.
	isolated_home=$(mktemp -d "${TMPDIR:-/tmp}/cgomal-lttng-none.XXXXXX")
	trap 'rm -rf "$isolated_home"' EXIT
	if [ "$(id -u)" = 0 ] && unshare --mount --propagation private true 2>/dev/null; then
		mkdir -p /run/lttng
		LTTNG_HOME="$isolated_home" unshare --mount --propagation private -- bash -c '
			mount -t tmpfs -o mode=0755,size=1m cgomal-lttng-none /run/lttng &&
			mount -t tmpfs -o mode=1777,size=16m cgomal-lttng-shm /dev/shm &&
			cd "$1" && shift && exec "$@"' cgomal-lttng "$PWD" "$@"
		return
	fi
	if [ -S /run/lttng/lttng-ust-sock-8 ]; then
		echo "lttng-env.sh: a root session daemon is reachable and this user cannot" \
			"hide it; skipping" >&2
		return 77
	fi
	LTTNG_HOME="$isolated_home" "$@"
}

[ $# -ge 1 ] || usage
command=$1
shift
case "$command" in
start | stop | watch)
	[ $# -ge 1 ] || usage
	state=$(realpath -m "$1")
	shift
	"cmd_$command" "$@"
	;;
run)
	[ $# -ge 2 ] && [ "$2" = -- ] || usage
	state=$(realpath -m "$1")
	shift 2
	[ $# -ge 1 ] || usage
	cmd_run "$@"
	;;
isolated)
	[ $# -ge 2 ] && [ "$1" = -- ] || usage
	shift
	cmd_isolated "$@"
	;;
-h | --help) usage help ;;
*)
	echo "lttng-env.sh: unknown command '$command'" >&2
	usage
	;;
esac
