#!/usr/bin/env bash
# Installs what haas needs on Debian 12 (run as root): the Debian packages that
# are missing, then a virtualenv in .venv with haas installed editable.
#   scripts/setup.sh              haas itself
#   scripts/setup.sh --test       plus the test tools and PostgreSQL
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

packages=()
python3 -c 'import ensurepip, venv' 2>/dev/null || packages+=(python3-venv)
if [ "$want_test" = 1 ] && ! compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null; then
    packages+=(postgresql)
fi
if [ "$want_test" = 1 ]; then
    # The lab (haas_lab): Open vSwitch, and the clients its tests drive it with.
    command -v ovs-vswitchd >/dev/null || packages+=(openvswitch-switch)
    command -v ip >/dev/null || packages+=(iproute2)
    command -v ping >/dev/null || packages+=(iputils-ping)
    command -v tcpdump >/dev/null || packages+=(tcpdump)
    command -v telnet >/dev/null || packages+=(telnet)
    command -v ssh >/dev/null || packages+=(openssh-client)
fi
if [ "${#packages[@]}" -gt 0 ]; then
    echo "setup: installing Debian packages: ${packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${packages[@]}"
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
if [ "$want_test" = 1 ]; then
    .venv/bin/python -m pip install -q -e ".[test]"
else
    .venv/bin/python -m pip install -q -e .
fi
