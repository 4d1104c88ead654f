"""The background process that holds a lab up: ``python -m haas_lab.supervisor STATE_DIR``.

It reads ``spec.json`` from the state directory, brings the lab up, writes ``state.json``
(its own PID, the OVS daemons' and BMCs' PIDs, the namespaces, the inventory) and serves until
SIGTERM or SIGINT, then tears everything down and removes ``state.json``. ``haas-manage lab down``
from any shell stops it through the PIDs in that file. If bringing the lab up fails,
``state.json`` records the error instead, for ``lab up`` to report.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any

from haas_lab.lab import Lab, LabSpec

LOG = logging.getLogger(__name__)
STATE_FILE = "state.json"
SPEC_FILE = "spec.json"


def write_private_json(path: Path, data: dict[str, Any]) -> None:
    """Write ``data`` atomically, readable by the owner only (it holds switch passwords)."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump(data, f, indent=2)
    os.replace(tmp, path)


def state_of(lab: Lab) -> dict[str, Any]:
    return {
        "status": "running",
        "supervisor_pid": os.getpid(),
        "pids": lab.pids,
        "namespaces": list(lab.fabric.namespaces),
        "workdir": str(lab.fabric.workdir),
        "inventory": lab.inventory(),
    }


async def serve(state_dir: Path) -> int:
    spec = LabSpec(**json.loads((state_dir / SPEC_FILE).read_text()))
    lab = Lab(spec, workdir=str(state_dir / "fabric"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await lab.start()
    except Exception as exc:
        LOG.exception("lab did not come up")
        write_private_json(
            state_dir / STATE_FILE,
            {"status": "failed", "error": str(exc), "supervisor_pid": os.getpid()},
        )
        return 1
    write_private_json(state_dir / STATE_FILE, state_of(lab))
    LOG.info("lab %s up: %d switches, %d nodes", spec.lab_id, spec.switches, spec.nodes)
    try:
        await stop.wait()
    finally:
        await lab.stop()
        (state_dir / STATE_FILE).unlink(missing_ok=True)
        LOG.info("lab %s down", spec.lab_id)
    return 0


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    return asyncio.run(serve(Path(sys.argv[1])))


if __name__ == "__main__":
    sys.exit(main())
