"""A Python client for the haas REST API (HIL v0.4), needing only ``requests``.

    from haas_client import Client, HaasError

    haas = Client("http://127.0.0.1:5000/v0", "admin", "secret")
    haas.projects.create("lab")
    haas.nodes.register("node-01", {"type": "mock", "host": "bmc", "user": "u", "password": "p"})
    haas.projects.connect_node("lab", "node-01")
    status_id = haas.nodes.connect_network("node-01", "eth0", "lab-net")
    print(haas.wait_for_action(status_id)["status"])          # DONE or ERROR
    try:
        haas.nodes.show("node-99")
    except HaasError as exc:
        print(exc.status, exc.type, exc.msg)                   # 404 NotFoundError ...

Pass ``session=`` a keystoneauth1 ``Session`` (or a configured ``requests.Session``)
instead of a username and password to authenticate another way.
"""

from __future__ import annotations

from typing import Any

from haas_client._http import HaasError, Transport
from haas_client._resources import (
    Extensions,
    Headnodes,
    NetworkingActions,
    Networks,
    Nodes,
    Ports,
    Projects,
    Switches,
    Users,
)

__all__ = ["Client", "HaasError"]


class Client:
    """A haas endpoint (``http://host:port/v0``), with one attribute per API section."""

    def __init__(
        self,
        endpoint: str,
        username: str | None = None,
        password: str | None = None,
        *,
        session: Any = None,
        timeout: float = 60.0,
    ) -> None:
        self.transport = Transport(endpoint, username, password, session, timeout)
        self.projects = Projects(self.transport)
        self.nodes = Nodes(self.transport)
        self.networks = Networks(self.transport)
        self.switches = Switches(self.transport)
        self.ports = Ports(self.transport)
        self.users = Users(self.transport)
        self.headnodes = Headnodes(self.transport)
        self.networking_actions = NetworkingActions(self.transport)
        self.extensions = Extensions(self.transport)

    def version(self) -> dict[str, str]:
        return self.transport.call("GET", "version")

    def wait_for_action(self, status_id: str, timeout: float = 60.0) -> dict[str, Any]:
        """The networking action once it is DONE or ERROR (see ``networking_actions.wait``)."""
        return self.networking_actions.wait(status_id, timeout)
