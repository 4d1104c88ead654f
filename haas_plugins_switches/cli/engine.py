"""The CLI switch engine: vendors are a :class:`Dialect` (command templates, prompts,
the keys of their ``show`` output) on one session class.

A session logs in once (:meth:`CliSwitchDriver.open_session`), applies every change of
the batch as ``interface <port>`` and the dialect's commands (entering ``configure``
once for consecutive changes), returns to the privileged prompt for ``show`` and at
the end, saves the configuration when ``save_config`` says so, then logs out.

Removing a native VLAN needs the VLAN the port carries: the session reads it from the
switch (``show interfaces switchport <port>``), so the switch's own state, not haas's,
decides what is removed.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

from pydantic import Field, field_validator

from haas_core.drivers import DriverInfo, SwitchDriver, SwitchSession
from haas_core.errors import BadArgumentError, SwitchError
from haas_plugins_switches.cli.console import Console, PexpectConsole, Prompts, Target
from haas_plugins_switches.common import Change, parse_vlan_list, port_networks

#: Where ssh keeps the host keys it accepted (``host_key_policy`` ``accept-new``).
DEFAULT_KNOWN_HOSTS = "~/.haas/known_hosts"
_HOSTNAME = r"[A-Za-z0-9][A-Za-z0-9._:-]*|\[[0-9A-Fa-f:.]+\]"
_FINGERPRINT = re.compile(r"SHA256:[A-Za-z0-9+/]{43}=?")
#: Trunk allowed lists that mean "every VLAN": a port nobody configured, not haas networks.
_ALL_VLANS = re.compile(r"\s*(all|1-409[345])\s*", re.I)


def _vlan_number(value: object) -> object:
    """HIL sent ``dummy_vlan`` as a string; accept ``"4000"`` and ``4000`` alike."""
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


class CliSwitchInfo(DriverInfo):
    """``driver_info`` of every CLI switch (HIL's fields first)."""

    hostname: str = Field(pattern=rf"^({_HOSTNAME})$")
    username: str = Field(min_length=1)
    password: str
    #: TCP port; default 22 for ssh, 23 for telnet.
    port: int | None = Field(default=None, ge=1, le=65535)
    protocol: Literal["ssh", "telnet"] = "ssh"
    #: Copy the running configuration to the startup configuration after each batch.
    save_config: bool = True
    #: ``accept-new`` (trust on first use), ``strict`` (the key must already be in
    #: ``known_hosts_file``) or the key's fingerprint ``SHA256:...``.
    host_key_policy: str = "accept-new"
    known_hosts_file: str = DEFAULT_KNOWN_HOSTS
    #: Seconds allowed for the login and for each command (below the agent's 30 s
    #: ``action_timeout_seconds``, so that a dead switch is a retried connection error).
    timeout: float = Field(default=20.0, gt=0, le=600)

    @field_validator("host_key_policy")
    @classmethod
    def _policy(cls, value: str) -> str:
        if value not in ("accept-new", "strict") and not _FINGERPRINT.fullmatch(value):
            raise ValueError("must be accept-new, strict or an ssh fingerprint SHA256:...")
        return value


class DummyVlanInfo(CliSwitchInfo):
    """A switch that parks a port's native VLAN on ``dummy_vlan`` (never a haas network)."""

    dummy_vlan: int = Field(ge=1, le=4094)

    _dummy = field_validator("dummy_vlan", mode="before")(_vlan_number)


@dataclass(frozen=True)
class Dialect:
    """One vendor's command line. Command templates use ``{vlan}`` (the change's VLAN),
    ``{old}`` (the native VLAN the port carries; lines using it are left out when there
    is none), ``{dummy}`` (the switch's ``dummy_vlan``) and ``{port}``."""

    prompts: Prompts
    configure: str
    interface: str
    #: From the interface context back to the privileged prompt.
    leave: Sequence[str]
    connect_native: Sequence[str]
    connect_tagged: Sequence[str]
    detach_tagged: Sequence[str]
    detach_native: Sequence[str]
    revert: Sequence[str]
    show_port: str
    #: Keys of ``show_port``'s output holding the native VLAN and the allowed VLANs.
    native_keys: Sequence[str]
    allowed_keys: Sequence[str]
    save: str = "copy running-config startup-config"
    #: From any configuration mode straight back to the privileged prompt.
    end: str = "end"
    #: (question regex, answer) when saving asks first.
    save_confirm: tuple[str, str] | None = None
    #: What a successful save prints.
    save_done: str | None = None
    #: Run in configure mode after login, ending at the privileged prompt (e.g. making
    #: the dummy VLAN exist).
    setup: Sequence[str] = ()
    #: Used instead of ``detach_native``/``revert`` when a switch has no dummy_vlan.
    detach_native_without_dummy: Sequence[str] = ()
    revert_without_dummy: Sequence[str] = ()


@dataclass(frozen=True)
class PortState:
    native: int | None
    tagged: list[int]


class CliSession(SwitchSession):
    def __init__(self, driver: CliSwitchDriver, console: Console) -> None:
        self.driver = driver
        self.dialect = driver.dialect
        self.console = console
        info = driver.info
        self.dummy: int | None = getattr(info, "dummy_vlan", None)
        self.save = info.save_config
        self.changed = False
        #: In an interface context (until ``_privileged``).
        self.configuring = False

    def setup(self) -> None:
        if self.dialect.setup:
            lines = [self.dialect.configure, *self._fill(self.dialect.setup, "")]
            for line in lines:
                self.console.run(line)

    # ------------------------------------------------------------ changes

    def modify_port(self, port: str, channel: str, network_id: str | None) -> None:
        change = Change.parse(channel, network_id)
        d = self.dialect
        old: int | None = None
        if change.native and change.vlan is None:
            old = self.read_port(port).native
            templates = (
                d.detach_native if self.dummy is not None else d.detach_native_without_dummy
            )
        elif change.native:
            templates = d.connect_native
        else:
            templates = d.connect_tagged if network_id is not None else d.detach_tagged
        self._configure(port, self._fill(templates, port, vlan=change.vlan, old=old))

    def revert_port(self, port: str) -> None:
        d = self.dialect
        templates = d.revert if self.dummy is not None else d.revert_without_dummy
        self._configure(port, self._fill(templates, port))

    def _fill(
        self,
        templates: Sequence[str],
        port: str,
        *,
        vlan: int | None = None,
        old: int | None = None,
    ) -> list[str]:
        values = {"port": port, "vlan": vlan, "old": old, "dummy": self.dummy}
        return [t.format(**values) for t in templates if old is not None or "{old}" not in t]

    def _configure(self, port: str, commands: Sequence[str]) -> None:
        """Apply ``commands`` to ``port``. Consecutive changes of a batch stay in
        configuration mode (``interface <port>`` moves between ports): a login's worth of
        round trips saved per change on a slow switch."""
        d = self.dialect
        lines = [d.interface.format(port=port), *commands]
        if not self.configuring:
            lines.insert(0, d.configure)
        self.changed = self.configuring = True
        try:
            for line in lines:
                self.console.run(line)
        except SwitchError:
            # Back to the privileged prompt, so that the session can still save and log out.
            self.configuring = False
            with contextlib.suppress(SwitchError):
                self.console.run(d.end)
            raise

    def _privileged(self) -> None:
        """Leave configuration mode (for ``show``, saving, logging out)."""
        if self.configuring:
            self.configuring = False
            for line in self.dialect.leave:
                self.console.run(line)

    # ------------------------------------------------------------ reading back

    def read_port(self, port: str) -> PortState:
        self._privileged()
        output = self.console.run(self.dialect.show_port.format(port=port))
        fields = parse_fields(output)
        native_text = _first(fields, self.dialect.native_keys, port)
        allowed_text = _first(fields, self.dialect.allowed_keys, port)
        natives = parse_vlan_list(native_text.split("(")[0])
        native = natives[0] if natives else None
        if native is not None and native == self.dummy:
            native = None
        tagged = [] if _ALL_VLANS.fullmatch(allowed_text) else parse_vlan_list(allowed_text)
        return PortState(native, [v for v in tagged if v != native and v != self.dummy])

    def get_port_networks(self, ports: Sequence[str]) -> dict[str, dict[str, str]]:
        result = {}
        for port in ports:
            state = self.read_port(port)
            result[port] = port_networks(state.native, state.tagged)
        return result

    # ------------------------------------------------------------ the end

    def abort(self) -> None:
        self.console.abort()

    def close(self) -> None:
        try:
            self._privileged()
            if self.save and self.changed:
                d = self.dialect
                output = self.console.run(d.save, confirm=d.save_confirm)
                if d.save_done and not re.search(d.save_done, output):
                    raise SwitchError(
                        f"Switch {self.driver.label} did not confirm saving its "
                        f"configuration: {output.strip()[-200:] or 'no message'}"
                    )
        finally:
            self.console.close()


def parse_fields(output: str) -> dict[str, str]:
    """``Key: value`` lines of a ``show`` command; indented lines without a colon
    continue the previous value (long VLAN lists wrap). The first occurrence wins."""
    fields: dict[str, str] = {}
    key = None
    for line in output.splitlines():
        name, colon, value = line.partition(":")
        if colon and name.strip() and not name.startswith((" " * 8, "\t")):
            key = name.strip()
            if key in fields:
                key = None
                continue
            fields[key] = value.strip()
        elif key is not None and line.strip() and line[:1].isspace():
            fields[key] += "," + line.strip()
        else:
            key = None
    return fields


def _first(fields: dict[str, str], keys: Sequence[str], port: str) -> str:
    for key in keys:
        if key in fields:
            return fields[key]
    raise SwitchError(f"Cannot read port {port}: the switch's output lacks {' / '.join(keys)!r}.")


class CliSwitchDriver(SwitchDriver):
    """A switch driven through its command line. Subclasses give ``dialect``, the port
    name rule and the ``Info`` schema."""

    dialect: ClassVar[Dialect]
    port_pattern: ClassVar[re.Pattern[str]]
    port_examples: ClassVar[str]
    Info: ClassVar[type[DriverInfo]] = CliSwitchInfo
    secret_fields = frozenset({"password"})
    info: CliSwitchInfo

    @classmethod
    def validate_port_name(cls, port: str) -> None:
        if not cls.port_pattern.fullmatch(port):
            raise BadArgumentError(
                f"Invalid port name {port!r} for a {cls.name} switch: expected e.g. "
                f"{cls.port_examples}."
            )

    def target(self) -> Target:
        info = self.info
        return Target(
            label=self.label,
            hostname=info.hostname.strip("[]"),
            port=info.port or (22 if info.protocol == "ssh" else 23),
            username=info.username,
            password=info.password,
            protocol=info.protocol,
            host_key_policy=info.host_key_policy,
            known_hosts_file=Path(info.known_hosts_file).expanduser(),
            timeout=info.timeout,
        )

    def connect(self) -> Console:
        """The engine's seam to the wire (tests put a recorder here)."""
        return PexpectConsole.open(self.target(), self.dialect.prompts)

    def open_session(self) -> CliSession:
        session = CliSession(self, self.connect())
        try:
            session.setup()
        except BaseException:
            session.console.close()
            raise
        return session
