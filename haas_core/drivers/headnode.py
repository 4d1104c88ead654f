"""The headnode (small tenant VM) backend interface."""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class HeadnodeNic:
    label: str
    network_id: str | None


class HeadnodeBackend(abc.ABC):
    """Creates, starts, stops and deletes headnode VMs. One instance per process."""

    name: str

    @abc.abstractmethod
    def list_images(self) -> list[str]:
        """Names of the base images a headnode may be created from."""

    @abc.abstractmethod
    def start(self, uuid: str, base_img: str, nics: Sequence[HeadnodeNic], first: bool) -> None:
        """Start the VM; ``first`` clones ``base_img`` and gives it one interface per nic."""

    @abc.abstractmethod
    def stop(self, uuid: str) -> None: ...

    @abc.abstractmethod
    def delete(self, uuid: str) -> None:
        """Destroy and undefine the VM with its storage (a VM never started is fine)."""

    @abc.abstractmethod
    def vnc_port(self, uuid: str) -> int | None:
        """The running VM's VNC port, or None."""
