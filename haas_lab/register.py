"""Hand a lab's inventory to haas: register it through the REST API, or write it to a file.

Registration makes, in order: each switch (``switch_register`` with the switch's
``driver_info``), its ports (``switch_register_port``), each node (``node_register`` with its
BMC as an ``ipmi`` OBM, or a mock one), its NICs (``node_register_nic``) and the cabling
(``port_connect_nic``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests
import yaml


class RegistrationError(Exception):
    """haas refused a call; the message names the call and carries haas's answer."""


def write_inventory(inventory: dict[str, Any], path: Path) -> None:
    """Write the inventory as YAML (``.yaml``/``.yml``) or JSON (anything else), mode 0600."""
    if path.suffix in (".yaml", ".yml"):
        text = yaml.safe_dump(inventory, sort_keys=False)
    else:
        text = json.dumps(inventory, indent=2) + "\n"
    path.touch(mode=0o600)
    path.write_text(text)


def register(
    inventory: dict[str, Any], url: str, user: str | None, password: str | None
) -> list[tuple[str, str]]:
    """Register every switch, port, node, NIC and cable; returns the (method, path) calls."""
    session = requests.Session()
    if user is not None:
        session.auth = (user, password or "")
    base = url.rstrip("/")
    calls: list[tuple[str, str]] = []

    def call(method: str, path: str, body: dict[str, Any] | None = None) -> None:
        calls.append((method, path))
        try:
            resp = session.request(method, base + path, json=body, timeout=60)
        except requests.RequestException as exc:
            raise RegistrationError(f"{method} {path}: {exc}") from exc
        if resp.status_code >= 300:
            raise RegistrationError(f"{method} {path}: {resp.status_code} {resp.text.strip()}")

    for sw in inventory["switches"]:
        name = quote(sw["name"], safe="")
        call("PUT", f"/switch/{name}", sw["driver_info"])
        for port in sw["ports"]:
            call("PUT", f"/switch/{name}/port/{quote(port, safe='/')}")
    for node in inventory["nodes"]:
        name = quote(node["name"], safe="")
        call("PUT", f"/node/{name}", {"obm": node["obm"]})
        for nic in node["nics"]:
            label = quote(nic["label"], safe="")
            call("PUT", f"/node/{name}/nic/{label}", {"macaddr": nic["macaddr"]})
            switch, port = quote(nic["switch"], safe=""), quote(nic["port"], safe="/")
            call(
                "POST",
                f"/switch/{switch}/port/{port}/connect_nic",
                {"node": node["name"], "nic": nic["label"]},
            )
    return calls
