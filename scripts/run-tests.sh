#!/usr/bin/env bash
# Sets up and runs the whole test suite (lint, types, tests on SQLite and on a
# throwaway PostgreSQL cluster that the tests start themselves).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
exec .venv/bin/python -m pytest -q -p no:cacheprovider "$@"
