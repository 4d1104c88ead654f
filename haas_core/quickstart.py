"""``haas-manage quickstart``: a working haas on one machine in one command.

Writes a configuration (SQLite, database auth, mock switch and OBM, the VLAN
pool) into a state directory unless one is there, upgrades the database,
creates an admin user with a generated password, prints what to try, and
serves the API. Running it again reuses what it made.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from haas_core.crypto import generate_key

CONFIG_TEMPLATE = """\
# Written by 'haas-manage quickstart'. It holds secrets: keep it mode 0600.
[DEFAULT]
secret_key = {secret_key}

[database]
connection = sqlite:///{db_path}

[plugins]
auth = database
switches = mock
obm = mock
network_allocator = vlan_pool

[network_allocator_vlan_pool]
vlans = 100-199
"""


def write_config(state_dir: Path) -> Path:
    """The quickstart config in ``state_dir`` (written once, mode 0600)."""
    state_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = state_dir / "haas.conf"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(
                CONFIG_TEMPLATE.format(
                    secret_key=generate_key(), db_path=(state_dir / "haas.db").resolve()
                )
            )
    return path


def admin_password(state_dir: Path) -> tuple[str, bool]:
    """The admin password kept in ``state_dir`` (made on first use), and whether it is new."""
    path = state_dir / "admin-password"
    if path.exists():
        return path.read_text().strip(), False
    password = secrets.token_urlsafe(12)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(password + "\n")
    return password, True


def walkthrough(host: str, port: int, password: str) -> str:
    url = f"http://{host}:{port}/v0"
    auth = f"-u admin:{password}"
    return f"""
haas is serving on {url} (SQLite, database auth, mock switch, VLAN pool 100-199),
with a network agent applying networking actions.
Admin user: admin, password: {password}  (kept in the state directory)

Try, in another shell:
  curl {auth} -X PUT {url}/project/lab
  curl {auth} -X PUT {url}/node/node-01 -d '{{"obm": {{"type": "mock", "host": "bmc-01", "user": "root", "password": "calvin"}}}}'
  curl {auth} -X PUT {url}/node/node-01/nic/eth0 -d '{{"macaddr": "52:54:00:00:00:01"}}'
  curl {auth} -X PUT {url}/switch/sw0 -d '{{"type": "mock", "hostname": "sw0", "username": "admin", "password": "secret"}}'
  curl {auth} -X PUT {url}/switch/sw0/port/gi1/0/1
  curl {auth} -X POST {url}/switch/sw0/port/gi1/0/1/connect_nic -d '{{"node": "node-01", "nic": "eth0"}}'
  curl {auth} -X POST {url}/project/lab/connect_node -d '{{"node": "node-01"}}'
  curl {auth} -X PUT {url}/network/lab-net -d '{{"owner": "lab", "access": "lab", "net_id": ""}}'
  curl {auth} -X POST {url}/node/node-01/nic/eth0/connect_network -d '{{"network": "lab-net"}}'
  curl {auth} {url}/networking_actions
  curl {auth} {url}/node/node-01
  curl {auth} {url}/networks

Stop the server with Ctrl-C.
"""  # noqa: E501
