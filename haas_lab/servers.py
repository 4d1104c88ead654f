"""Network front ends for the CLI engine: an SSH server (asyncssh) and a telnet server.

Both listen on 127.0.0.1 (port 0 picks a free one) and hand every connection to a
:class:`haas_lab.cli.CliSession`. The SSH server checks the switch's password itself (so
``ssh``, pexpect, netmiko and scrapli see ordinary password authentication) and turns off
asyncssh's line editor: the CLI engine echoes and edits lines the way a switch does.
"""

from __future__ import annotations

import asyncio
import logging

import asyncssh

from haas_lab.cli import CliSession
from haas_lab.switch import EmulatedSwitch

LOG = logging.getLogger(__name__)

# Telnet protocol bytes (RFC 854/857/858).
IAC, DONT, DO, WONT, WILL, SB, SE = 255, 254, 253, 252, 251, 250, 240
ECHO, SGA = 1, 3


def generate_host_key() -> asyncssh.SSHKey:
    return asyncssh.generate_private_key("ssh-ed25519")


class _SSHTerminal:
    def __init__(self, process: asyncssh.SSHServerProcess[str]) -> None:
        self.process = process

    async def read(self) -> str:
        try:
            return await self.process.stdin.read(1024)
        except (asyncssh.BreakReceived, asyncssh.SignalReceived, asyncssh.TerminalSizeChanged):
            return " "  # not input, but not the end either
        except (asyncssh.Error, ConnectionError):
            return ""

    def write(self, text: str) -> None:
        if not self.process.is_closing():
            self.process.stdout.write(text)

    def close(self) -> None:
        if not self.process.is_closing():
            self.process.exit(0)


class _SSHServer(asyncssh.SSHServer):
    def __init__(self, switch: EmulatedSwitch) -> None:
        self.switch = switch

    def begin_auth(self, username: str) -> bool:
        return True

    def password_auth_supported(self) -> bool:
        return True

    def validate_password(self, username: str, password: str) -> bool:
        return username == self.switch.username and password == self.switch.password


async def start_ssh(
    switch: EmulatedSwitch, host_key: asyncssh.SSHKey, port: int = 0
) -> asyncssh.SSHAcceptor:
    """Serve ``switch`` over SSH on 127.0.0.1; the acceptor's ``get_port()`` tells where."""

    async def session(process: asyncssh.SSHServerProcess[str]) -> None:
        await CliSession(switch, _SSHTerminal(process), authenticated=True).run()

    return await asyncssh.create_server(
        lambda: _SSHServer(switch),
        "127.0.0.1",
        port,
        server_host_keys=[host_key],
        process_factory=session,
        line_editor=False,
        encoding="utf-8",
        keepalive_interval=0,
    )


class _TelnetTerminal:
    """A telnet socket: strips protocol commands from input, doubles 0xFF in output."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self._pending = b""
        # The server echoes and runs character-at-a-time, like a switch's telnet daemon.
        writer.write(bytes([IAC, WILL, ECHO, IAC, WILL, SGA, IAC, DO, SGA]))

    async def read(self) -> str:
        while True:
            try:
                data = await self.reader.read(1024)
            except ConnectionError:
                return ""
            if not data:
                return ""
            text = self._strip(self._pending + data)
            if text:
                return text

    def _strip(self, data: bytes) -> str:
        out = bytearray()
        i = 0
        self._pending = b""
        while i < len(data):
            b = data[i]
            if b != IAC:
                out.append(b)
                i += 1
                continue
            if i + 1 >= len(data):
                self._pending = data[i:]
                break
            cmd = data[i + 1]
            if cmd == IAC:
                out.append(IAC)
                i += 2
            elif cmd in (DO, DONT, WILL, WONT):
                if i + 2 >= len(data):
                    self._pending = data[i:]
                    break
                i += 3
            elif cmd == SB:
                end = data.find(bytes([IAC, SE]), i)
                if end < 0:
                    self._pending = data[i:]
                    break
                i = end + 2
            else:
                i += 2
        return out.decode("utf-8", errors="replace")

    def write(self, text: str) -> None:
        if not self.writer.is_closing():
            self.writer.write(text.encode().replace(b"\xff", b"\xff\xff"))

    def close(self) -> None:
        self.writer.close()


async def start_telnet(switch: EmulatedSwitch, port: int = 0) -> asyncio.Server:
    """Serve ``switch`` over telnet on 127.0.0.1."""

    async def session(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await CliSession(switch, _TelnetTerminal(reader, writer), authenticated=False).run()

    return await asyncio.start_server(session, "127.0.0.1", port)
