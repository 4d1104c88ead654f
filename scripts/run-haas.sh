#!/usr/bin/env bash
# Sets up haas and runs it on its embedded default: SQLite, database auth, the
# mock switch and OBM, the VLAN pool; state in ./.haas. Prints what to try.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/haas-manage quickstart --state-dir .haas "$@"
