"""The CLI engine: one interactive session on an emulated switch, whatever the transport.

A :class:`CliSession` reads characters from a :class:`Terminal` (SSH channel or telnet socket),
does its own line discipline (echo, backspace, ``\\r``/``\\n``/``\\r\\n``), logs the user in,
tracks the mode (``sw>``, ``sw#``, ``sw(config)#``, ``sw(config-if)#``), matches each line against
:mod:`haas_lab.grammar`, applies changes to the switch (and so to OVS), and pages long output
with the dialect's ``--More--`` prompt. Output always goes out with CRLF line ends.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Protocol

from haas_lab import grammar
from haas_lab.dialects import CLI_DIALECTS, CliDialect
from haas_lab.fabric import FabricError
from haas_lab.switch import ALL_VLANS, EmulatedSwitch, PortConfig

LOG = logging.getLogger(__name__)
DEFAULT_PAGE_LENGTH = 24


class Terminal(Protocol):
    async def read(self) -> str:
        """The next chunk of input; "" once the client has gone."""

    def write(self, text: str) -> None: ...

    def close(self) -> None: ...


class _Closed(Exception):
    """The client went away or logged out."""


def crlf(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


class CliSession:
    """One login session; ``authenticated`` is True when SSH already checked the password."""

    def __init__(self, switch: EmulatedSwitch, terminal: Terminal, authenticated: bool) -> None:
        self.switch = switch
        self.dialect: CliDialect = CLI_DIALECTS[switch.dialect]
        self.term = terminal
        self.authenticated = authenticated
        self.mode = "exec" if self.dialect.starts_privileged else "user"
        self.port: str | None = None  # the interface being configured
        self.page_length = DEFAULT_PAGE_LENGTH
        self.datadump = False
        self._buffer = ""
        self._skip_lf = False  # the '\n' (or NUL) of a '\r\n' just ended a line

    # -- input ------------------------------------------------------------------------------

    async def _getc(self) -> str:
        while not self._buffer:
            chunk = await self.term.read()
            if not chunk:
                raise _Closed
            self._buffer += chunk
        ch, self._buffer = self._buffer[0], self._buffer[1:]
        return ch

    async def _readline(self, echo: bool = True) -> str:
        line = ""
        # The echo of what arrived together goes out in one write (over ssh a write is a
        # packet: one per character made the emulator's CPU the bottleneck of benchmarks).
        out = ""
        while True:
            if out and not self._buffer:
                self.term.write(out)
                out = ""
            ch = await self._getc()
            if self._skip_lf and ch in "\n\0":
                self._skip_lf = False
                continue
            self._skip_lf = False
            if ch in "\r\n":
                self._skip_lf = ch == "\r"
                self.term.write(out + "\r\n")
                return line
            if ch in "\x7f\x08":
                if line:
                    line = line[:-1]
                    if echo:
                        out += "\b \b"
            elif ch == "\x03":  # Ctrl-C drops the line
                self.term.write(out + "^C\r\n")
                return ""
            elif ch == "\x1b":  # escape sequences (arrow keys) are ignored
                self._buffer = self._buffer.lstrip("[0123456789;ABCDHF~")
            elif ch >= " ":
                line += ch
                if echo:
                    out += ch

    def _write(self, text: str) -> None:
        self.term.write(crlf(text))

    # -- prompts ----------------------------------------------------------------------------

    @property
    def prompt(self) -> str:
        host = self.switch.name
        if self.mode == "user":
            return f"{host}>{self.dialect.prompt_end}"
        if self.mode == "exec":
            return f"{host}#{self.dialect.prompt_end}"
        if self.mode == "config":
            ctx = "config"
        elif self.mode == "vlan":
            ctx = "config-vlan"
        else:
            ctx = self.dialect.if_prompt(self.port or "")
        return f"{host}({ctx})#{self.dialect.prompt_end}"

    # -- session ----------------------------------------------------------------------------

    async def run(self) -> None:
        try:
            if not await self._login():
                return
            self.switch.logins += 1
            if self.switch.login_delay:
                await asyncio.sleep(self.switch.login_delay)
            self._write(self.dialect.banner + "\n")
            while True:
                self._write(self.prompt)
                line = await self._readline()
                if not line.strip():
                    continue
                # The command's own work (OVS) counts toward the emulated latency.
                started = time.monotonic()
                self.switch.commands += 1
                await self._execute(line)
                remaining = self.switch.command_delay - (time.monotonic() - started)
                if remaining > 0:
                    await asyncio.sleep(remaining)
        except _Closed:
            pass
        finally:
            self.term.close()

    async def _login(self) -> bool:
        if self.authenticated and not self.dialect.ssh_relogin:
            return True
        for _ in range(3):
            self._write(self.dialect.login_prompts[0])
            user = await self._readline()
            self._write(self.dialect.login_prompts[1])
            password = await self._readline(echo=False)
            if user == self.switch.username and password == self.switch.password:
                return True
            await asyncio.sleep(0.2)
            self._write("% Authentication failed\n" if self.dialect.caret else "Login invalid\n")
        return False

    async def _execute(self, line: str) -> None:
        words = line.split()
        mode = self.mode
        if (
            self.dialect.show_in_config
            and mode in grammar.CONFIG_MODES
            and "show".startswith(words[0].lower())
        ):
            mode = "exec"
        found = grammar.match(words, mode, self.dialect.name, self.dialect.naming.canonical)
        if found.command is None:
            self._error(line, words, found.error, found.word)
            return
        handler = getattr(self, "_cmd_" + found.command.handler)
        try:
            await handler(line, *found.args)
        except FabricError as exc:
            LOG.error("%s: %s", self.switch.name, exc)
            self._write(f"% Hardware programming failed: {exc}\n")

    def _error(self, line: str, words: list[str], kind: str, word: int) -> None:
        text = self.dialect.errors[kind]
        if self.dialect.caret and "^" in text:
            # Point at the offending word, counted from the start of the prompt line.
            col = len(self.prompt)
            pos = 0
            for i, w in enumerate(words):
                pos = line.index(w, pos)
                if i == word:
                    break
                pos += len(w)
            else:
                pos = len(line)
            self._write(" " * (col + pos) + "^\n")
        self._write(text + "\n")

    async def _page(self, text: str) -> None:
        """Write ``text``, stopping at the pager prompt every page unless paging is off."""
        lines = crlf(text).split("\r\n")
        if lines and lines[-1] == "":
            lines.pop()
        per_page = self.page_length - 1
        if self.datadump or self.page_length == 0 or len(lines) <= per_page:
            self.term.write("".join(f"{line}\r\n" for line in lines))
            return
        i = 0
        show = per_page
        while i < len(lines):
            chunk, i = lines[i : i + show], i + show
            self.term.write("".join(f"{line}\r\n" for line in chunk))
            if i >= len(lines):
                return
            self.term.write(self.dialect.pager)
            key = await self._getc()
            # Erase the pager prompt before going on.
            self.term.write("\r" + " " * len(self.dialect.pager) + "\r")
            if key in "qQ\x1a\x03":
                return
            if key in "\r\n":
                self._skip_lf = key == "\r"
                show = 1
            else:
                show = per_page

    # -- mode changes -------------------------------------------------------------------------

    async def _cmd_enable(self, line: str) -> None:
        self.mode = "exec"

    async def _cmd_disable(self, line: str) -> None:
        self.mode = "user"

    async def _cmd_exit(self, line: str) -> None:
        if self.mode in grammar.EXEC_MODES:
            raise _Closed
        self.mode = {"config": "exec", "if": "config", "vlan": "config"}[self.mode]
        self.port = None

    async def _cmd_logout(self, line: str) -> None:
        raise _Closed

    async def _cmd_end(self, line: str) -> None:
        self.mode = "exec"
        self.port = None

    async def _cmd_configure(self, line: str) -> None:
        self.mode = "config"

    async def _cmd_terminal_length(self, line: str, n: int) -> None:
        self.page_length = n

    async def _cmd_datadump_on(self, line: str) -> None:
        self.datadump = True

    async def _cmd_datadump_off(self, line: str) -> None:
        self.datadump = False

    async def _cmd_do(self, line: str, rest: str) -> None:
        words = rest.split()
        found = grammar.match(words, "exec", self.dialect.name, self.dialect.naming.canonical)
        if found.command is None:
            self._error(line, ["do", *words], found.error, found.word + 1)
            return
        await getattr(self, "_cmd_" + found.command.handler)(rest, *found.args)

    async def _cmd_noop(self, line: str, *args: object) -> None:
        pass

    async def _cmd_interface(self, line: str, label: str) -> None:
        if not self._known(line, label):
            return
        self.mode = "if"
        self.port = label

    async def _cmd_vlan(self, line: str, vlans: set[int]) -> None:
        self.switch.vlans |= vlans
        self.mode = "vlan"

    async def _cmd_no_vlan(self, line: str, vlans: set[int]) -> None:
        self.switch.vlans -= vlans - {1}

    # -- show -------------------------------------------------------------------------------

    def _known(self, line: str, label: str) -> bool:
        if label in self.switch.ports:
            return True
        words = line.split()
        self._error(line, words, "bad_interface", len(words) - 1)
        return False

    async def _cmd_show_switchport(self, line: str, label: str) -> None:
        if self._known(line, label):
            await self._page(self.dialect.switchport(label, self.switch.ports[label]))

    async def _cmd_show_switchport_all(self, line: str) -> None:
        out = "".join(self.dialect.switchport(lbl, p) for lbl, p in self.switch.ports.items())
        await self._page(out)

    async def _cmd_show_running_interface(self, line: str, label: str) -> None:
        if not self._known(line, label):
            return
        body = self.dialect.running(label, self.switch.ports[label])
        if self.dialect.name == "nexus":
            body = self.dialect.running_header.format(command=line.strip()) + body
        await self._page(body)

    def _running_config(self) -> str:
        header = self.dialect.running_header.format(
            command="show running-config", hostname=f"hostname {self.switch.name}"
        )
        vlans = ",".join(str(v) for v in sorted(self.switch.vlans))
        body = "".join(self.dialect.running(lbl, p) for lbl, p in self.switch.ports.items())
        return f"{header}hostname {self.switch.name}\nvlan {vlans}\n{body}"

    async def _cmd_show_running(self, line: str) -> None:
        await self._page(self._running_config())

    async def _cmd_show_startup(self, line: str) -> None:
        await self._page(self.switch.startup_config or "")

    async def _cmd_save(self, line: str) -> None:
        if self.dialect.save_question:
            self._write(self.dialect.save_question)
            answer = await self._readline()
            if not answer.lower().startswith("y"):
                self._write("Configuration Not Saved!\n" if self.dialect.caret else "\n")
                return
        self.switch.startup_config = self._running_config()
        self.switch.saves += 1
        self._write(self.dialect.save_done + "\n")

    # -- interface configuration --------------------------------------------------------------

    @property
    def _p(self) -> PortConfig:
        assert self.port is not None
        return self.switch.ports[self.port]

    async def _apply(self) -> None:
        assert self.port is not None
        await asyncio.to_thread(self.switch.apply, self.port)

    async def _cmd_switchport_on(self, line: str) -> None:
        self._p.switchport = True
        await self._apply()

    async def _cmd_switchport_off(self, line: str) -> None:
        self._p.switchport = False
        await self._apply()

    async def _cmd_mode(self, line: str, mode: str) -> None:
        self._p.mode = mode
        await self._apply()

    async def _cmd_mode_general(self, line: str) -> None:
        await self._cmd_mode(line, "general")

    async def _cmd_no_mode(self, line: str) -> None:
        await self._cmd_mode(line, "access")

    async def _cmd_access_vlan(self, line: str, vlan: int) -> None:
        self._p.access_vlan = vlan
        await self._apply()

    async def _cmd_no_access_vlan(self, line: str) -> None:
        await self._cmd_access_vlan(line, 1)

    async def _cmd_native(self, line: str, vlan: int) -> None:
        self._p.native = vlan
        await self._apply()

    async def _cmd_native_none(self, line: str) -> None:
        self._p.native = None
        await self._apply()

    async def _cmd_no_native(self, line: str) -> None:
        await self._cmd_native(line, 1)

    async def _cmd_allowed_add(self, line: str, vlans: set[int]) -> None:
        self._p.allowed |= vlans
        await self._apply()

    async def _cmd_allowed_remove(self, line: str, vlans: set[int]) -> None:
        self._p.allowed -= vlans
        await self._apply()

    async def _cmd_allowed_none(self, line: str) -> None:
        self._p.allowed = set()
        await self._apply()

    async def _cmd_allowed_all(self, line: str) -> None:
        self._p.allowed = set(ALL_VLANS)
        await self._apply()

    async def _cmd_allowed_set(self, line: str, vlans: set[int]) -> None:
        self._p.allowed = set(vlans)
        await self._apply()

    async def _cmd_general_pvid(self, line: str, vlan: int) -> None:
        self._p.pvid = vlan
        await self._apply()

    async def _cmd_general_add(self, line: str, vlans: set[int], how: str | None) -> None:
        if how == "untagged":
            self._p.general_untagged |= vlans
            self._p.general_tagged -= vlans
        else:
            self._p.general_tagged |= vlans
            self._p.general_untagged -= vlans
        await self._apply()

    async def _cmd_general_remove(self, line: str, vlans: set[int]) -> None:
        self._p.general_tagged -= vlans
        self._p.general_untagged -= vlans
        await self._apply()

    async def _cmd_shutdown(self, line: str) -> None:
        self._p.shutdown = True
        await self._apply()

    async def _cmd_no_shutdown(self, line: str) -> None:
        self._p.shutdown = False
        await self._apply()

    async def _cmd_description(self, line: str, text: str) -> None:
        self._p.description = text

    async def _cmd_no_description(self, line: str) -> None:
        self._p.description = ""
