"""A scripted switch command line on 127.0.0.1, over SSH (asyncssh) and telnet, for
driving the CLI engine through the real ``ssh`` and ``telnet`` binaries.

It plays a vendor's transcript: login (the password checked by SSH itself, or asked
in-band over telnet), ``enable``, mode prompts (``sw1(config-if)#``), echo of what is
typed (never of a password), ``--More--`` paging of long output until paging is turned
off, errors for commands it does not know, a confirmation question when saving. It
records every command it received. ``hang=True`` makes it accept connections and say
nothing, like a switch that stopped answering.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field

import asyncssh

IAC, WILL, WONT, DO, DONT, SB, SE = 255, 251, 252, 253, 254, 250, 240
ECHO, SGA = 1, 3


@dataclass
class Script:
    hostname: str = "sw1"
    username: str = "admin"
    password: str = "sw-secret"
    #: The in-band login question of telnet (PowerConnect: ``User Name:``, N3000:
    #: ``User:``, Nexus: ``login:``).
    user_prompt: str = "User Name:"
    #: Start at ``sw1>`` (``enable`` needed) rather than ``sw1#``.
    starts_unprivileged: bool = True
    #: command -> output, in the privileged mode.
    outputs: dict[str, str] = field(default_factory=dict)
    #: command -> error line, in any mode.
    refuse: dict[str, str] = field(default_factory=dict)
    paging_off: tuple[str, ...] = ("terminal length 0", "terminal datadump")
    #: False: the paging-off commands are accepted but paging goes on (an old firmware).
    paging_can_be_disabled: bool = True
    page_lines: int = 8
    more: str = "--More--"
    save: str = "copy running-config startup-config"
    save_question: str | None = "Overwrite file [startup-config].... (Y/N)[N] ?"
    save_done: str = "Copy succeeded"
    prompt_space: str = ""
    #: Accept connections but never answer.
    hang: bool = False
    #: Commands after which the switch says nothing more, or hangs up.
    silent_after: set[str] = field(default_factory=set)
    drop_after: set[str] = field(default_factory=set)
    #: Every command received, in order.
    received: list[str] = field(default_factory=list)

    def prompt(self, mode: str) -> str:
        suffix = {"exec": ">", "priv": "#"}.get(mode, f"({mode})#")
        return f"{self.hostname}{suffix}{self.prompt_space}"


class Terminal:
    """Character-at-a-time I/O with the echo a switch does itself."""

    def __init__(self, read: Callable[[], Awaitable[str]], write: Callable[[str], None]) -> None:
        self._read = read
        self.write = write
        self._pending = ""
        self._skip_lf = False

    async def key(self) -> str | None:
        while True:
            while not self._pending:
                chunk = await self._read()
                if not chunk:
                    return None
                self._pending += chunk
            char, self._pending = self._pending[0], self._pending[1:]
            # A line ended by CR may be followed by LF or NUL (telnet): part of that end.
            skip, self._skip_lf = self._skip_lf and char in "\n\0", False
            if not skip:
                return char

    async def line(self, echo: bool = True) -> str | None:
        text = ""
        while True:
            char = await self.key()
            if char is None:
                return None
            if char in "\r\n":
                self._skip_lf = char == "\r"
                self.write("\r\n")
                return text
            if char in "\x7f\x08":
                text = text[:-1]
                continue
            text += char
            if echo:
                self.write(char)


async def play(script: Script, term: Terminal, in_band_login: bool) -> None:
    """The switch's side of one session."""
    if in_band_login:
        for _ in range(3):
            term.write(f"\r\n{script.user_prompt}")
            user = await term.line()
            term.write("Password:")
            password = await term.line(echo=False)
            if user is None or password is None:
                return
            if (user, password) == (script.username, script.password):
                break
            term.write("\r\n% Authentication failed.\r\n")
        else:
            return
    mode = "exec" if script.starts_unprivileged else "priv"
    paging = True
    while True:
        term.write(f"\r\n{script.prompt(mode)}")
        command = await term.line()
        if command is None:
            return
        command = command.strip()
        if not command:
            continue
        script.received.append(command)
        if command in script.drop_after:
            return
        if command in script.silent_after:
            while await term.key() is not None:
                pass
            return
        if command in script.refuse:
            term.write(f"{' ' * 10}^\r\n{script.refuse[command]}\r\n")
        elif command == "exit" or command == "end":
            if command == "end" or mode in ("config",):
                mode = "priv"
            elif mode in ("exec", "priv"):
                return
            else:
                mode = "config"
        elif mode == "exec" and command == "enable":
            mode = "priv"
        elif command in script.paging_off:
            paging = paging and not script.paging_can_be_disabled
        elif mode == "priv" and command in ("configure", "configure terminal"):
            mode = "config"
        elif mode in ("config", "config-if") and command.startswith("interface "):
            mode = "config-if"
        elif mode == "config" and command.startswith("vlan "):
            mode = "config-vlan"
        elif mode == "config-if" and command.startswith("switchport"):
            pass
        elif mode == "priv" and command == script.save:
            if script.save_question:
                term.write(script.save_question)
                answer = await term.key()
                term.write(f"{answer}\r\n")
                if answer not in ("y", "Y"):
                    continue
            term.write(f"{script.save_done}\r\n")
        elif mode == "priv" and command in script.outputs:
            if not await page(term, script, script.outputs[command], paging):
                return
        else:
            term.write("% Invalid input detected at '^' marker.\r\n")


async def page(term: Terminal, script: Script, text: str, paging: bool) -> bool:
    lines = text.splitlines()
    while lines:
        chunk, lines = (
            (lines[: script.page_lines], lines[script.page_lines :])
            if paging
            else (
                lines,
                [],
            )
        )
        term.write("\r\n".join(chunk) + "\r\n")
        if lines:
            term.write(script.more)
            key = await term.key()
            term.write("\r" + " " * len(script.more) + "\r")
            if key is None:
                return False
            if key == "q":
                break
    return True


# ---------------------------------------------------------------- transports


class _SshServer(asyncssh.SSHServer):
    def __init__(self, script: Script) -> None:
        self.script = script

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return (username, password) == (self.script.username, self.script.password)


async def _ssh_session(script: Script, process: asyncssh.SSHServerProcess) -> None:
    async def read() -> str:
        return str(await process.stdin.read(1024))

    with suppress(asyncssh.Error, ConnectionError, asyncio.CancelledError):
        await play(script, Terminal(read, process.stdout.write), in_band_login=False)
    process.exit(0)


async def _telnet_session(
    script: Script, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
) -> None:
    writer.write(bytes([IAC, WILL, ECHO, IAC, WILL, SGA]))

    async def read() -> str:
        while True:  # a chunk of option negotiation alone is not the end of input
            data = await reader.read(1024)
            text = strip_options(data)
            if text or not data:
                return text

    def strip_options(data: bytes) -> str:
        out = bytearray()
        i = 0
        while i < len(data):  # drop the client's option negotiation
            if data[i] == IAC and i + 1 < len(data):
                if data[i + 1] in (WILL, WONT, DO, DONT):
                    i += 3
                    continue
                if data[i + 1] == SB:
                    end = data.find(bytes([IAC, SE]), i)
                    i = len(data) if end < 0 else end + 2
                    continue
                i += 2
                continue
            out.append(data[i])
            i += 1
        return out.decode(errors="replace")

    def write(text: str) -> None:
        writer.write(text.encode())

    try:
        await play(script, Terminal(read, write), in_band_login=True)
        await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass  # the client left, or the server is shutting down
    writer.close()


async def _hang(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with suppress(ConnectionError, asyncio.CancelledError):
        await reader.read()  # until the client gives up
    writer.close()


@dataclass
class CliServer:
    script: Script
    ssh_port: int
    telnet_port: int
    host_key_fingerprint: str


@contextmanager
def cli_server(script: Script) -> Iterator[CliServer]:
    """SSH and telnet servers for ``script`` on 127.0.0.1 (ports chosen by the system),
    run by an event loop in a thread of the test, shut down at the end of the block."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="cli-server", daemon=True)
    thread.start()
    key = asyncssh.generate_private_key("ssh-ed25519")

    async def start() -> tuple[list[asyncio.AbstractServer | asyncssh.SSHAcceptor], int, int]:
        if script.hang:
            ssh = await asyncio.start_server(_hang, "127.0.0.1", 0)
            telnet = await asyncio.start_server(_hang, "127.0.0.1", 0)
            ssh_port = ssh.sockets[0].getsockname()[1]
        else:
            acceptor = await asyncssh.create_server(
                lambda: _SshServer(script),
                "127.0.0.1",
                0,
                server_host_keys=[key],
                process_factory=lambda p: _ssh_session(script, p),
                line_editor=False,
            )
            telnet = await asyncio.start_server(
                lambda r, w: _telnet_session(script, r, w), "127.0.0.1", 0
            )
            ssh, ssh_port = acceptor, acceptor.sockets[0].getsockname()[1]
        return [ssh, telnet], ssh_port, telnet.sockets[0].getsockname()[1]

    servers, ssh_port, telnet_port = asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    try:
        yield CliServer(script, ssh_port, telnet_port, key.get_fingerprint("sha256"))
    finally:

        async def stop() -> None:
            for server in servers:
                server.close()
            for task in asyncio.all_tasks():
                if task is not asyncio.current_task():
                    task.cancel()

        asyncio.run_coroutine_threadsafe(stop(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
