"""What a lab node does when its BMC switches it on or off: the BMC's ``--power-command``.

``python -m haas_lab.node_power NODES_JSON on|off PORT`` looks up the node whose BMC listens
on ``PORT`` in ``NODES_JSON`` (``{"<port>": {"name", "netns", "nics": [...]}}``, written by
:class:`haas_lab.lab.Lab`) and sets its NICs down (off) or up (on) inside its namespace, so a
powered-off node drops off the network like a real one. Powering on also prints a short boot
banner on the node's serial console (the BMC's console socket, beside ``NODES_JSON``), naming
the boot device the BMC holds, as firmware would.
"""

from __future__ import annotations

import contextlib
import json
import socket
import subprocess
import sys
from pathlib import Path


def set_links(netns: str, nics: list[str], state: str) -> None:
    commands = "".join(f"link set {nic} {state}\n" for nic in nics)
    subprocess.run(
        ["ip", "-n", netns, "-batch", "-"], input=commands, text=True, check=True, timeout=20
    )


def boot_banner(directory: Path, port: str, name: str) -> None:
    try:
        bootdev = json.loads((directory / f"{port}.json").read_text()).get("bootdev", "default")
    except (OSError, ValueError):
        bootdev = "default"
    text = f"\r\n{name}: power on, booting from {bootdev}\r\n{name} login: "
    with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(2)
        sock.connect(str(directory / f"{port}.sock"))
        sock.sendall(text.encode())


def main(argv: list[str]) -> int:
    nodes_file, power, port = argv
    node = json.loads(Path(nodes_file).read_text())[port]
    set_links(node["netns"], node["nics"], "up" if power == "on" else "down")
    if power == "on":
        boot_banner(Path(nodes_file).parent, port, node["name"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
