"""One class per section of the API; each method is one call of docs/api.md."""

from __future__ import annotations

import builtins
import time
from collections.abc import Iterator
from typing import Any

from haas_client._http import HaasError, Transport


class _Resource:
    def __init__(self, transport: Transport) -> None:
        self._t = transport


class Projects(_Resource):
    def list(self) -> builtins.list[str]:
        return self._t.call("GET", "projects")

    def create(self, project: str) -> None:
        self._t.call("PUT", "project", project)

    def delete(self, project: str) -> None:
        self._t.call("DELETE", "project", project)

    def connect_node(self, project: str, node: str) -> None:
        self._t.call("POST", "project", project, "connect_node", body={"node": node})

    def detach_node(self, project: str, node: str) -> None:
        self._t.call("POST", "project", project, "detach_node", body={"node": node})

    def nodes(self, project: str) -> builtins.list[str]:
        return self._t.call("GET", "project", project, "nodes")

    def networks(self, project: str) -> builtins.list[str]:
        return self._t.call("GET", "project", project, "networks")

    def headnodes(self, project: str) -> builtins.list[str]:
        return self._t.call("GET", "project", project, "headnodes")


class Nodes(_Resource):
    def list(self, which: str = "all") -> builtins.list[str]:
        """Labels of the ``"free"`` (unowned) or ``"all"`` nodes."""
        return self._t.call("GET", "nodes", which)

    def show(self, node: str) -> dict[str, Any]:
        return self._t.call("GET", "node", node)

    def register(
        self,
        node: str,
        obm: dict[str, Any] | None = None,
        *,
        obmd: dict[str, str] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> None:
        """Register a node with an in-process OBM (``{"type": ..., fields}``) or an obmd."""
        if (obm is None) == (obmd is None):
            raise ValueError("give exactly one of obm and obmd")
        body: dict[str, Any] = {"obm": obm} if obm is not None else {"obmd": obmd}
        if metadata is not None:
            body["metadata"] = metadata
        self._t.call("PUT", "node", node, body=body)

    def delete(self, node: str) -> None:
        self._t.call("DELETE", "node", node)

    def register_nic(self, node: str, nic: str, macaddr: str) -> None:
        self._t.call("PUT", "node", node, "nic", nic, body={"macaddr": macaddr})

    def delete_nic(self, node: str, nic: str) -> None:
        self._t.call("DELETE", "node", node, "nic", nic)

    def set_metadata(self, node: str, label: str, value: Any) -> None:
        self._t.call("PUT", "node", node, "metadata", label, body={"value": value})

    def delete_metadata(self, node: str, label: str) -> None:
        self._t.call("DELETE", "node", node, "metadata", label)

    def connect_network(
        self, node: str, nic: str, network: str, channel: str | None = None
    ) -> str:
        """Queue the attachment; returns the networking action's status id."""
        body = (
            {"network": network} if channel is None else {"network": network, "channel": channel}
        )
        return self._t.call("POST", "node", node, "nic", nic, "connect_network", body=body)[
            "status_id"
        ]

    def detach_network(self, node: str, nic: str, network: str) -> str:
        body = {"network": network}
        return self._t.call("POST", "node", node, "nic", nic, "detach_network", body=body)[
            "status_id"
        ]

    # Out-of-band management and console.
    def set_obm(self, node: str, enabled: bool) -> None:
        self._t.call("PUT", "node", node, "obm", body={"enabled": enabled})

    def enable_obm(self, node: str) -> None:
        self.set_obm(node, True)

    def disable_obm(self, node: str) -> None:
        self.set_obm(node, False)

    def power_on(self, node: str) -> None:
        self._t.call("POST", "node", node, "power_on")

    def power_off(self, node: str) -> None:
        self._t.call("POST", "node", node, "power_off")

    def power_cycle(self, node: str, force: bool = False) -> None:
        self._t.call("POST", "node", node, "power_cycle", body={"force": force})

    def power_status(self, node: str) -> str:
        return self._t.call("GET", "node", node, "power_status")["power_status"]

    def set_bootdev(self, node: str, bootdev: str) -> None:
        self._t.call("PUT", "node", node, "boot_device", body={"bootdev": bootdev})

    def console(self, node: str) -> Iterator[bytes]:
        """The node's serial console, live, as chunks of bytes; stop iterating to leave."""
        return self._t.stream("node", node, "console")

    def start_console(self, node: str) -> None:
        self._t.call("PUT", "node", node, "console")

    def stop_console(self, node: str) -> None:
        self._t.call("DELETE", "node", node, "console")


class Networks(_Resource):
    def create(self, network: str, owner: str, access: str, net_id: str = "") -> None:
        body = {"owner": owner, "access": access, "net_id": net_id}
        self._t.call("PUT", "network", network, body=body)

    def delete(self, network: str) -> None:
        self._t.call("DELETE", "network", network)

    def show(self, network: str) -> dict[str, Any]:
        return self._t.call("GET", "network", network)

    def list(self) -> dict[str, dict[str, Any]]:
        return self._t.call("GET", "networks")

    def attachments(self, network: str, project: str | None = None) -> dict[str, Any]:
        params = {"project": project} if project is not None else None
        return self._t.call("GET", "network", network, "attachments", params=params)

    def grant_access(self, network: str, project: str) -> None:
        self._t.call("PUT", "network", network, "access", project)

    def revoke_access(self, network: str, project: str) -> None:
        self._t.call("DELETE", "network", network, "access", project)


class Switches(_Resource):
    def register(self, switch: str, type: str, **fields: Any) -> None:
        """Register a switch of driver ``type`` with its driver fields (hostname=..., ...)."""
        self._t.call("PUT", "switch", switch, body={"type": type, **fields})

    def delete(self, switch: str) -> None:
        self._t.call("DELETE", "switch", switch)

    def show(self, switch: str) -> dict[str, Any]:
        return self._t.call("GET", "switch", switch)

    def list(self) -> builtins.list[str]:
        return self._t.call("GET", "switches")


class Ports(_Resource):
    def register(self, switch: str, port: str) -> None:
        self._t.call("PUT", "switch", switch, "port", port)

    def delete(self, switch: str, port: str) -> None:
        self._t.call("DELETE", "switch", switch, "port", port)

    def show(self, switch: str, port: str) -> dict[str, Any]:
        return self._t.call("GET", "switch", switch, "port", port)

    def connect_nic(self, switch: str, port: str, node: str, nic: str) -> None:
        body = {"node": node, "nic": nic}
        self._t.call("POST", "switch", switch, "port", port, "connect_nic", body=body)

    def detach_nic(self, switch: str, port: str) -> None:
        self._t.call("POST", "switch", switch, "port", port, "detach_nic")

    def revert(self, switch: str, port: str) -> str:
        """Queue a revert of the port to no networks; returns the status id."""
        return self._t.call("POST", "switch", switch, "port", port, "revert")["status_id"]


class Headnodes(_Resource):
    def create(self, headnode: str, project: str, base_img: str) -> None:
        body = {"project": project, "base_img": base_img}
        self._t.call("PUT", "headnode", headnode, body=body)

    def delete(self, headnode: str) -> None:
        self._t.call("DELETE", "headnode", headnode)

    def start(self, headnode: str) -> None:
        self._t.call("POST", "headnode", headnode, "start")

    def stop(self, headnode: str) -> None:
        self._t.call("POST", "headnode", headnode, "stop")

    def show(self, headnode: str) -> dict[str, Any]:
        return self._t.call("GET", "headnode", headnode)

    def list(self, project: str) -> builtins.list[str]:
        """The headnodes of ``project``."""
        return self._t.call("GET", "project", project, "headnodes")

    def list_images(self) -> builtins.list[str]:
        return self._t.call("GET", "headnode_images", "")

    def create_hnic(self, headnode: str, hnic: str) -> None:
        self._t.call("PUT", "headnode", headnode, "hnic", hnic)

    def delete_hnic(self, headnode: str, hnic: str) -> None:
        self._t.call("DELETE", "headnode", headnode, "hnic", hnic)

    def connect_network(self, headnode: str, hnic: str, network: str) -> None:
        body = {"network": network}
        self._t.call("POST", "headnode", headnode, "hnic", hnic, "connect_network", body=body)

    def detach_network(self, headnode: str, hnic: str) -> None:
        self._t.call("POST", "headnode", headnode, "hnic", hnic, "detach_network")


class Users(_Resource):
    def list(self) -> dict[str, dict[str, Any]]:
        return self._t.call("GET", "auth", "basic", "users")

    def create(self, user: str, password: str, is_admin: bool = False) -> None:
        body = {"password": password, "is_admin": is_admin}
        self._t.call("PUT", "auth", "basic", "user", user, body=body)

    def delete(self, user: str) -> None:
        self._t.call("DELETE", "auth", "basic", "user", user)

    def add_project(self, user: str, project: str) -> None:
        body = {"project": project}
        self._t.call("POST", "auth", "basic", "user", user, "add_project", body=body)

    def remove_project(self, user: str, project: str) -> None:
        body = {"project": project}
        self._t.call("POST", "auth", "basic", "user", user, "remove_project", body=body)

    def set_admin(self, user: str, is_admin: bool) -> None:
        self._t.call("PATCH", "auth", "basic", "user", user, body={"is_admin": is_admin})


class NetworkingActions(_Resource):
    def show(self, status_id: str) -> dict[str, Any]:
        return self._t.call("GET", "networking_action", status_id)

    def list(
        self,
        *,
        node: str | None = None,
        nic: str | None = None,
        switch: str | None = None,
        status: str | None = None,
        limit: int | None = None,
    ) -> builtins.list[dict[str, Any]]:
        """The latest actions, newest first, filtered by the given fields."""
        given = {"node": node, "nic": nic, "switch": switch, "status": status, "limit": limit}
        params = {key: str(value) for key, value in given.items() if value is not None}
        return self._t.call("GET", "networking_actions", params=params or None)

    def wait(self, status_id: str, timeout: float = 60.0, interval: float = 0.2) -> dict[str, Any]:
        """The action once it is DONE or ERROR. :raises HaasError: TimeoutError after timeout."""
        deadline = time.monotonic() + timeout
        while True:
            action = self.show(status_id)
            if action["status"] != "PENDING":
                return action
            if time.monotonic() >= deadline:
                raise HaasError(
                    "TimeoutError",
                    f"networking action {status_id} still PENDING after {timeout} s",
                )
            time.sleep(interval)


class Extensions(_Resource):
    def list(self) -> builtins.list[str]:
        """Names of the enabled plugins."""
        return self._t.call("GET", "active_extensions")
