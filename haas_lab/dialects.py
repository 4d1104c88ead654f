"""Per-vendor data for the CLI emulator: prompts, login, port names, messages, show output.

The engine (:mod:`haas_lab.cli`) is vendor-neutral; a :class:`CliDialect` says how one vendor
looks. Output formats follow the vendors' own (as far as drivers parse them): PowerConnect
``show interfaces switchport`` starts at ``Name:`` and ends at ``Classification rules:``, N3000
starts at ``Port:``, Nexus lists ``Name:`` blocks of indented ``Key: value`` lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from haas_lab.switch import ALL_VLANS, PortConfig, format_vlans

NEXUS_HEADER = "!Command: {command}\n!Time: Mon Jan  1 00:00:00 2024\n\nversion 9.3(8)\n"


def _vlans(vlans: set[int], empty: str = "none") -> str:
    return "1-4094" if vlans == ALL_VLANS else format_vlans(vlans, empty)


def _default(v: int) -> str:
    return f"{v} (default)" if v == 1 else str(v)


# -- show interfaces switchport ---------------------------------------------------------


def _pc_switchport(label: str, p: PortConfig) -> str:
    native = "none" if p.native is None else str(p.native)
    members = []
    if p.mode == "access":
        members.append((p.access_vlan, "Untagged"))
    elif p.mode == "trunk":
        members += [(v, "Untagged" if v == p.native else "Tagged") for v in sorted(p.allowed)]
    else:
        members += [(v, "Untagged") for v in sorted(p.general_untagged)]
        members += [(v, "Tagged") for v in sorted(p.general_tagged - p.general_untagged)]
    rows = "".join(f" {v:<10} {v:<26} {rule:<13} Static\n" for v, rule in sorted(members))
    return (
        f"Name: {label}\n"
        f"Switchport: {'enable' if p.switchport else 'disable'}\n"
        f"Administrative Mode: {p.mode}\n"
        f"Operational Mode: {'down' if p.shutdown else 'up'}\n"
        "Administrative Trunking Encapsulation: dot1q\n"
        "Operational Trunking Encapsulation: dot1q\n"
        "Negotiation of Trunking: Off\n"
        f"Access Mode VLAN: {p.access_vlan}\n"
        f"Trunking Native Mode VLAN: {native}\n"
        f"Trunking VLANs Enabled: {_vlans(p.allowed)}\n"
        f"General Mode PVID: {p.pvid}\n"
        "General Mode Ingress Filtering: Enabled\n"
        "General Mode Acceptable Frame Type: Admit All\n"
        f"General Mode Untagged VLANs: {_vlans(p.general_untagged)}\n"
        f"General Mode Tagged VLANs: {_vlans(p.general_tagged)}\n"
        "Protected: Disabled\n"
        "Multicast TV VLAN: none\n"
        "\n"
        "Port is member in:\n"
        "\n"
        "Vlan       Name                       Egress rule   Type\n"
        "---------- -------------------------- ------------- --------\n"
        f"{rows}"
        "\n"
        "Forbidden VLANS:\n"
        "Vlan       Name\n"
        "---------- --------------------------\n"
        "\n"
        "Classification rules:\n"
    )


def _n3000_switchport(label: str, p: PortConfig) -> str:
    mode = {"access": "Access Mode", "trunk": "Trunk Mode", "general": "General Mode"}[p.mode]
    native = "none" if p.native is None else _default(p.native)
    return (
        f"Port: {label.capitalize()}\n"
        f"VLAN Membership Mode: {mode}\n"
        f"Access Mode VLAN: {_default(p.access_vlan)}\n"
        f"General Mode PVID: {_default(p.pvid)}\n"
        "General Mode Ingress Filtering: Enabled\n"
        "General Mode Acceptable Frame Type: Admit All\n"
        "General Mode Dynamically Added VLANs:\n"
        f"General Mode Untagged VLANs: {_vlans(p.general_untagged, '')}\n"
        f"General Mode Tagged VLANs: {_vlans(p.general_tagged, '')}\n"
        "General Mode Forbidden VLANs:\n"
        f"Trunking Mode Native VLAN: {native}\n"
        "Trunking Mode Native VLAN Tagging: Disabled\n"
        f"Trunking Mode VLANs Enabled: {_vlans(p.allowed)}\n"
        "Protected Port: False\n"
    )


def _nexus_switchport(label: str, p: PortConfig) -> str:
    native = "none" if p.native is None else _default(p.native)
    lines = [
        ("Switchport", "Enabled" if p.switchport else "Disabled"),
        ("Switchport Monitor", "Not enabled"),
        ("Switchport Isolated", "Disabled"),
        ("Switchport Block Multicast", "Not enabled"),
        ("Switchport Block Unicast", "Not enabled"),
        ("Operational Mode", p.mode),
        ("Access Mode VLAN", _default(p.access_vlan)),
        ("Trunking Native Mode VLAN", native),
        ("Trunking VLANs Allowed", _vlans(p.allowed)),
        ("FabricPath Topology List Allowed", "0"),
        ("Administrative private-vlan primary host-association", "none"),
        ("Administrative private-vlan secondary host-association", "none"),
        ("Administrative private-vlan primary mapping", "none"),
        ("Administrative private-vlan secondary mapping", "none"),
        ("Administrative private-vlan trunk native VLAN", "none"),
        ("Administrative private-vlan trunk encapsulation", "dot1q"),
        ("Administrative private-vlan trunk normal VLANs", "none"),
        ("Administrative private-vlan trunk private VLANs", "none"),
        ("Operational private-vlan", "none"),
    ]
    return f"Name: {label}\n" + "".join(f"  {k}: {v}\n" for k, v in lines) + "\n"


# -- running-config ---------------------------------------------------------------------


def _config_lines(p: PortConfig, dell: bool) -> list[str]:
    """The non-default configuration lines of one port."""
    lines = []
    if p.description:
        lines.append(f"description {p.description}")
    if not p.switchport:
        lines.append("no switchport")
    if p.mode != "access":
        lines.append(f"switchport mode {p.mode}")
    if p.access_vlan != 1:
        lines.append(f"switchport access vlan {p.access_vlan}")
    if p.mode == "trunk":
        if p.native is None:
            lines.append("switchport trunk native vlan none")
        elif p.native != 1:
            lines.append(f"switchport trunk native vlan {p.native}")
        add = " add" if dell else ""
        lines.append(f"switchport trunk allowed vlan{add} {_vlans(p.allowed)}")
    if p.mode == "general":
        if p.pvid != 1:
            lines.append(f"switchport general pvid {p.pvid}")
        if p.general_tagged:
            lines.append(f"switchport general allowed vlan add {_vlans(p.general_tagged)} tagged")
        if p.general_untagged - {1}:
            untagged = _vlans(p.general_untagged - {1})
            lines.append(f"switchport general allowed vlan add {untagged} untagged")
    if p.shutdown:
        lines.append("shutdown")
    return lines


def _pc_running(label: str, p: PortConfig) -> str:
    body = "".join(f" {line}\n" for line in _config_lines(p, dell=True))
    return f"interface {label}\n{body}exit\n"


def _n3000_running(label: str, p: PortConfig) -> str:
    body = "".join(f"{line}\n" for line in _config_lines(p, dell=False))
    return f"interface {label.capitalize()}\n{body}exit\n"


def _nexus_running(label: str, p: PortConfig) -> str:
    body = "".join(f"  {line}\n" for line in _config_lines(p, dell=False))
    return f"\ninterface {label}\n{body}"


# -- port names ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PortNaming:
    """How a vendor spells interface names: long/short type names and the canonical form."""

    types: dict[str, str]  # every accepted lower-case type spelling -> canonical type prefix
    pattern: str  # numbering after the type, e.g. r"\d+/\d+/\d+"
    label_format: str  # canonical label of port n, e.g. "gi1/0/{n}"

    def canonical(self, text: str) -> str | None:
        """``GigabitEthernet 1/0/3`` -> ``gi1/0/3``; None when the name is not valid here."""
        m = re.fullmatch(r"([A-Za-z-]+)\s*(" + self.pattern + ")", text.strip())
        if not m:
            return None
        typ = m.group(1).lower()
        matches = {canon for spelling, canon in self.types.items() if spelling.startswith(typ)}
        if len(matches) != 1:
            return None
        return matches.pop() + m.group(2)


@dataclass(frozen=True)
class CliDialect:
    """Everything vendor-specific about one CLI."""

    name: str
    login_prompts: tuple[str, str]  # user, password: telnet logins (SSH ones if ssh_relogin)
    ssh_relogin: bool  # the CLI asks for user and password again after SSH authentication
    starts_privileged: bool
    prompt_end: str  # after '>' / '#': NX-OS prints "switch# "
    if_prompt: Callable[[str], str]  # port label -> text inside the parentheses
    naming: PortNaming
    pager: str
    errors: dict[str, str]  # unknown / incomplete / ambiguous / bad_interface / bad_value
    caret: bool  # unknown-command errors point with '^' at the bad word
    save_question: str | None
    save_done: str
    show_in_config: bool  # NX-OS runs show commands from config modes without 'do'
    native_none: bool  # 'switchport trunk native vlan none' exists
    general_mode: bool
    switchport: Callable[[str, PortConfig], str]
    running: Callable[[str, PortConfig], str]
    running_header: str
    banner: str = ""

    def port_labels(self, count: int) -> list[str]:
        return [self.naming.label_format.format(n=n) for n in range(1, count + 1)]


_DELL_TYPES = {
    "gigabitethernet": "gi",
    "gi": "gi",
    "tengigabitethernet": "te",
    "te": "te",
}

POWERCONNECT = CliDialect(
    name="powerconnect55xx",
    login_prompts=("User Name:", "Password:"),
    ssh_relogin=True,
    starts_privileged=True,
    prompt_end="",
    if_prompt=lambda label: "config-if",
    naming=PortNaming(_DELL_TYPES, r"\d+/\d+(?:/\d+)?", "gi1/0/{n}"),
    pager="More: <space>,  Quit: q or CTRL+Z, One line: <return> ",
    errors={
        "unknown": "% Unrecognized command",
        "incomplete": "% Incomplete command",
        "ambiguous": "% Ambiguous command",
        "bad_interface": "% bad interface number",
        "bad_value": "% Wrong number of parameters or invalid range, size or characters entered",
    },
    caret=False,
    save_question="Overwrite file [startup-config].... (Y/N)[N] ?",
    save_done=(
        "\n01-Jan-2024 00:00:00 %COPY-I-FILECPY: Files Copy - source URL running-config "
        "destination URL flash://startup-config\n"
        "01-Jan-2024 00:00:01 %COPY-N-TRAP: The copy operation was completed successfully\n"
        "Copy succeeded"
    ),
    show_in_config=False,
    native_none=True,
    general_mode=True,
    switchport=_pc_switchport,
    running=_pc_running,
    running_header="config-file-header\n{hostname}\nv2.0.1.2 / RCPL3.0\nCLI v1.0\n@\n",
)

DELLN3000 = CliDialect(
    name="delln3000",
    login_prompts=("User:", "Password:"),
    ssh_relogin=False,
    starts_privileged=False,
    prompt_end="",
    if_prompt=lambda label: f"config-if-{label.capitalize()}",
    naming=PortNaming(_DELL_TYPES, r"\d+/\d+/\d+", "gi1/0/{n}"),
    pager="--More-- or (q)uit",
    errors={
        "unknown": "% Invalid input detected at '^' marker.",
        "incomplete": "% Incomplete command. Use a question mark (?) to list commands.",
        "ambiguous": "% Ambiguous command.",
        "bad_interface": "An invalid interface has been used for this function.",
        "bad_value": "% Invalid input detected at '^' marker.",
    },
    caret=True,
    save_question=(
        "This operation may take a few minutes.\n"
        "Management interfaces will not be available during this time.\n\n"
        "Are you sure you want to save? (y/n) "
    ),
    save_done="\nConfiguration Saved!",
    show_in_config=False,
    native_none=False,
    general_mode=True,
    switchport=_n3000_switchport,
    running=_n3000_running,
    running_header='!Current Configuration:\n!System Description "Dell Networking N3048"\n!\n',
)

NEXUS = CliDialect(
    name="nexus",
    login_prompts=("login: ", "Password: "),
    ssh_relogin=False,
    starts_privileged=True,
    prompt_end=" ",
    if_prompt=lambda label: "config-if",
    naming=PortNaming({"ethernet": "Ethernet"}, r"\d+/\d+(?:/\d+)?", "Ethernet1/{n}"),
    pager=" --More-- ",
    errors={
        "unknown": "% Invalid command at '^' marker.",
        "incomplete": "% Incomplete command at '^' marker.",
        "ambiguous": "% Ambiguous command at '^' marker.",
        "bad_interface": "% Invalid interface format at '^' marker.",
        "bad_value": "% Invalid value at '^' marker.",
    },
    caret=True,
    save_question=None,
    save_done=(
        "[########################################] 100%\n"
        "Copy complete, now saving to disk (please wait)...\nCopy complete."
    ),
    show_in_config=True,
    native_none=False,
    general_mode=False,
    switchport=_nexus_switchport,
    running=_nexus_running,
    running_header=NEXUS_HEADER,
    banner="Cisco Nexus Operating System (NX-OS) Software\n",
)

CLI_DIALECTS = {d.name: d for d in (POWERCONNECT, DELLN3000, NEXUS)}
