#!/bin/sh
# Installs the Debian 12 packages digest needs, only those missing.
# usage: scripts/deps.sh build|test|all
# build: compiler and libraries; test: build + cmocka and the real servers
# the tests talk to. Needs root (or sudo) only when something is missing.
set -eu

build_pkgs="build-essential pkg-config libcurl4-gnutls-dev libetpan-dev \
libjansson-dev uuid-dev libxml2-dev libmicrohttpd-dev libsqlite3-dev \
libidn2-dev libunistring-dev libgnutls28-dev"
test_pkgs="libcmocka-dev sqlite3 python3 curl postfix python3-aiosmtpd \
clang libclang-rt-14-dev chromium wrk valgrind cppcheck clang-tidy \
dovecot-imapd dovecot-pop3d openssl"

case "${1:-build}" in
build) want=$build_pkgs ;;
test | all) want="$build_pkgs $test_pkgs" ;;
*) echo "usage: scripts/deps.sh build|test|all" >&2; exit 64 ;;
esac

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null; then
		sudo_cmd="sudo"
	else
		echo "deps: missing packages:$missing; run this as root" >&2
		exit 77
	fi
else
	sudo_cmd=
fi
# postfix asks questions on install; smtp-sink is all the tests use of it.
export DEBIAN_FRONTEND=noninteractive
$sudo_cmd apt-get update -qq
# shellcheck disable=SC2086
$sudo_cmd env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	--no-install-recommends $missing >&2
