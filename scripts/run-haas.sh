#!/usr/bin/env bash
# Sets up haas and runs it: SQLite, database auth, the VLAN pool, a network agent; as root
# (with Open vSwitch) also the console service and a lab of switches, nodes and BMCs
# registered in it, else the mock switch and OBM. State in ./.haas. Prints what to try.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/haas-manage quickstart --state-dir .haas "$@"
