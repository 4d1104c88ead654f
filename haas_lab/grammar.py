"""The command grammar shared by every CLI dialect, and the matcher that reads it.

A command is a pattern of space-separated tokens: a keyword (``show``, matched by any unique
prefix, so ``sh int sw`` works), alternatives (``access|trunk``), an optional keyword
(``[terminal]``), or a parameter: ``<vlan>`` (1-4094), ``<vlans>`` (``10,20-22``), ``<num>``,
``<if>`` (an interface, one or two words: ``gi1/0/3``, ``ethernet 1/3``), ``<word>``, ``<text>``
(the rest of the line). Matched alternatives and parameters become the handler's arguments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from haas_lab.switch import parse_vlans

# Modes: user (sw>), exec (sw#), config, if (config-if), vlan (config-vlan).
EXEC_MODES = frozenset({"user", "exec"})
CONFIG_MODES = frozenset({"config", "if", "vlan"})
ALL_MODES = EXEC_MODES | CONFIG_MODES
ANY_DIALECT = frozenset({"powerconnect55xx", "delln3000", "nexus"})
DELL = frozenset({"powerconnect55xx", "delln3000"})


@dataclass(frozen=True)
class Command:
    pattern: str
    handler: str
    modes: frozenset[str]
    dialects: frozenset[str] = ANY_DIALECT
    tokens: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", tuple(self.pattern.split()))


Canonical = Callable[[str], str | None]


def _c(
    pattern: str, handler: str, modes: frozenset[str] | str, dialects: Iterable[str] = ANY_DIALECT
) -> Command:
    if isinstance(modes, str):
        modes = frozenset({modes})
    return Command(pattern, handler, modes, frozenset(dialects))


SHOW_MODES = EXEC_MODES
COMMANDS: tuple[Command, ...] = (
    _c("enable", "enable", EXEC_MODES),
    _c("disable", "disable", "exec"),
    _c("exit", "exit", ALL_MODES),
    _c("quit", "exit", EXEC_MODES),
    _c("logout", "logout", EXEC_MODES),
    _c("end", "end", CONFIG_MODES),
    _c("terminal length <num>", "terminal_length", EXEC_MODES),
    _c("terminal datadump", "datadump_on", EXEC_MODES, {"powerconnect55xx"}),
    _c("no terminal datadump", "datadump_off", EXEC_MODES, {"powerconnect55xx"}),
    _c("show interfaces switchport <if>", "show_switchport", SHOW_MODES, DELL),
    # NX-OS puts the interface before 'switchport' and has no 'interfaces' keyword.
    _c("show interface <if> switchport", "show_switchport", SHOW_MODES, {"nexus"}),
    _c("show interface switchport", "show_switchport_all", SHOW_MODES, {"nexus"}),
    _c("show running-config interface <if>", "show_running_interface", SHOW_MODES),
    _c("show running-config", "show_running", SHOW_MODES),
    _c("show startup-config", "show_startup", SHOW_MODES),
    _c("configure [terminal]", "configure", "exec"),
    _c("copy running-config startup-config", "save", "exec"),
    _c("write [memory]", "save", "exec"),
    _c("do <text>", "do", CONFIG_MODES),
    _c("interface <if>", "interface", frozenset({"config", "if"})),
    _c("vlan <vlans>", "vlan", frozenset({"config", "vlan"})),
    _c("no vlan <vlans>", "no_vlan", "config"),
    _c("name <text>", "noop", "vlan"),
    _c("switchport", "switchport_on", "if", {"nexus"}),
    _c("no switchport", "switchport_off", "if", {"nexus"}),
    _c("switchport mode access|trunk", "mode", "if"),
    _c("switchport mode general", "mode_general", "if", DELL),
    _c("no switchport mode", "no_mode", "if"),
    _c("switchport access vlan <vlan>", "access_vlan", "if"),
    _c("no switchport access vlan", "no_access_vlan", "if"),
    _c("switchport trunk native vlan none", "native_none", "if", {"powerconnect55xx"}),
    _c("switchport trunk native vlan <vlan>", "native", "if"),
    _c("no switchport trunk native vlan", "no_native", "if"),
    _c("switchport trunk allowed vlan add <vlans>", "allowed_add", "if"),
    _c("switchport trunk allowed vlan remove <vlans>", "allowed_remove", "if"),
    _c("switchport trunk allowed vlan none", "allowed_none", "if"),
    _c("switchport trunk allowed vlan all", "allowed_all", "if"),
    _c("switchport trunk allowed vlan <vlans>", "allowed_set", "if"),
    _c("no switchport trunk allowed vlan", "allowed_all", "if"),
    _c("switchport general pvid <vlan>", "general_pvid", "if", DELL),
    _c(
        "switchport general allowed vlan add <vlans> [tagged|untagged]",
        "general_add",
        "if",
        DELL,
    ),
    _c("switchport general allowed vlan remove <vlans>", "general_remove", "if", DELL),
    _c("shutdown", "shutdown", "if"),
    _c("no shutdown", "no_shutdown", "if"),
    _c("description <text>", "description", "if"),
    _c("no description", "no_description", "if"),
)


@dataclass
class Match:
    command: Command | None = None
    args: list[object] = field(default_factory=list)
    error: str = ""  # unknown | incomplete | ambiguous | bad_value | bad_interface
    word: int = 0  # index of the offending word


def _keyword(tok: str, word: str) -> tuple[str | None, bool]:
    """(the keyword ``word`` abbreviates, ambiguous?) for a keyword or alternatives tok."""
    choices = tok.strip("[]").split("|")
    w = word.lower()
    if w in choices:
        return w, False
    hits = [c for c in choices if c.startswith(w)]
    return (hits[0], False) if len(hits) == 1 else (None, len(hits) > 1)


def _match_one(cmd: Command, words: list[str], canonical: Canonical) -> Match:
    args: list[object] = []
    i = 0
    for tok in cmd.tokens:
        optional = tok.startswith("[")
        if i >= len(words):
            if optional:
                if "|" in tok:
                    args.append(None)
                continue
            return Match(error="incomplete", word=i)
        word = words[i]
        if tok == "<text>":
            args.append(" ".join(words[i:]))
            i = len(words)
        elif tok in ("<vlan>", "<num>"):
            if not word.isdigit() or (tok == "<vlan>" and not 1 <= int(word) <= 4094):
                return Match(error="bad_value" if word.isdigit() else "unknown", word=i)
            args.append(int(word))
            i += 1
        elif tok == "<vlans>":
            try:
                args.append(parse_vlans(word))
            except ValueError:
                return Match(error="bad_value" if word[:1].isdigit() else "unknown", word=i)
            i += 1
        elif tok == "<word>":
            args.append(word)
            i += 1
        elif tok == "<if>":
            # "ethernet 1/3" is two words, "Ethernet1/3" one.
            span = 2 if re.fullmatch(r"[A-Za-z-]+", word) and i + 1 < len(words) else 1
            name = canonical(" ".join(words[i : i + span]))
            if name is None:
                return Match(error="bad_interface", word=i)
            args.append(name)
            i += span
        else:
            keyword, ambiguous = _keyword(tok, word)
            if keyword is None:
                if optional and not ambiguous:
                    if "|" in tok:
                        args.append(None)
                    continue
                return Match(error="ambiguous" if ambiguous else "unknown", word=i)
            if "|" in tok:
                args.append(keyword)
            i += 1
    if i < len(words):
        return Match(error="unknown", word=i)
    return Match(command=cmd, args=args)


_ERROR_RANK = {"unknown": 0, "ambiguous": 1, "incomplete": 1, "bad_interface": 2, "bad_value": 2}


def match(words: list[str], mode: str, dialect: str, canonical: Canonical) -> Match:
    """The command ``words`` name in ``mode``, or the most specific error.

    ``canonical`` turns an interface spelling into the dialect's port label (or None).
    """
    candidates = [c for c in COMMANDS if mode in c.modes and dialect in c.dialects]
    # An abbreviation that fits two different first keywords is ambiguous ('s' in config-if).
    firsts = {c.tokens[0] for c in candidates if not c.tokens[0].startswith("<")}
    w = words[0].lower()
    if w not in firsts and len({f for f in firsts if f.startswith(w)}) > 1:
        return Match(error="ambiguous", word=0)
    best = Match(error="unknown", word=0)
    for cmd in candidates:
        m = _match_one(cmd, words, canonical)
        if m.command is not None:
            return m
        if (m.word, _ERROR_RANK[m.error]) > (best.word, _ERROR_RANK[best.error]):
            best = m
    return best
