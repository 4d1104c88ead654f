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
# The CLI switch drivers drive the system's ssh and telnet clients.
command -v ssh >/dev/null || packages+=(openssh-client)
command -v telnet >/dev/null || packages+=(telnet)
# The main job (scripts/run-haas.sh) runs a lab when it can, as root: Open vSwitch and
# network namespaces for switches and nodes, ping to try them, ipmitool for the nodes' BMCs.
if [ "$(id -u)" = 0 ]; then
    for pkg in openvswitch-switch iproute2 iputils-ping ipmitool; do
        dpkg -s "$pkg" >/dev/null 2>&1 || packages+=("$pkg")
    done
fi
# What the tests run for real: libvirt-python (the test extra) builds against libvirt's
# headers; libvirtd + QEMU boot headnodes; Open vSwitch (userspace datapath) is the lab's
# switch fabric; ping and tcpdump prove isolation; the kernel and busybox make guests.
if [ "$want_test" = 1 ]; then
    for pkg in libvirt-dev pkg-config libvirt-daemon-system libvirt-clients qemu-system-x86 \
        qemu-utils openvswitch-switch iproute2 busybox-static iputils-ping tcpdump ipmitool \
        linux-image-amd64; do
        dpkg -s "$pkg" >/dev/null 2>&1 || packages+=("$pkg")
    done
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
