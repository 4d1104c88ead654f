"""A switch's command line over ``ssh`` or ``telnet``, driven with pexpect.

:class:`Console` is the seam between the CLI engine and the wire: the engine only
calls :meth:`Console.run` and :meth:`Console.close`. :class:`PexpectConsole` logs in
(feeding the password at the prompt: it is never on a command line or in a log),
enters enable mode, learns the prompt, turns paging off, answers ``--More--`` and
confirmation questions, and turns the switch's error messages into SwitchError.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import pexpect

from haas_core.errors import SwitchConnectionError, SwitchError

LOG = logging.getLogger(__name__)

#: Lines a switch prints when it refuses a command.
ERROR_LINES = (
    r"% ?(Invalid|Incomplete|Ambiguous|Unrecognized|Unknown|Bad|Wrong|Error|Failed).*",
    r"(ERROR|Error): .*",
)
#: What ssh and telnet print when the connection itself fails (trying again may help).
_UNREACHABLE = (
    r"Connection refused|Connection timed out|No route to host|Network is unreachable"
    r"|Could not resolve|Name or service not known|Unable to connect|Connection reset"
)
_AUTH_FAILED = (
    r"Permission denied|Login incorrect|[Aa]uthentication failed|Access denied"
    r"|% Bad passwords|[Ii]nvalid (user ?name|password|login)"
)
_HOST_KEY_FAILED = (
    r"REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed"
    r"|No \S+ host key is known"
)
_HOST_KEY_QUESTION = r"key fingerprint is (\S+)\.?\r?\n(?:.*\r?\n)*?.*continue connecting.*\?\s*"
_USER_PROMPT = r"(User ?[Nn]ame|[Uu]sername|User|[Ll]ogin)\s*:\s*$"
_PASSWORD_PROMPT = r"[Pp]ass(word|code)\s*:\s*$"  # noqa: S105 - a prompt, not a secret
_ANY_PROMPT = r"(^|[\r\n])[^\r\n]*[>#]\s*$"
_TERMINAL_NOISE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x08+ *\x08*|\x00")


class Console(Protocol):
    """A logged-in command line at the switch's privileged prompt."""

    def run(self, command: str, *, confirm: tuple[str, str] | None = None) -> str:
        """Send ``command``; its output (no echo, no prompt, no paging marks).

        ``confirm``: (question regex, answer) for a command that asks before acting.
        :raises SwitchError: the switch refused the command, or stopped answering.
        """

    def close(self) -> None:
        """Log out."""

    def abort(self) -> None:
        """Drop the connection at once (from another thread; see SwitchSession.abort)."""


@dataclass(frozen=True)
class Target:
    """Where and how to log in."""

    label: str
    hostname: str
    port: int
    username: str
    password: str = field(repr=False)
    protocol: str
    #: ``accept-new``, ``strict`` or an ssh key fingerprint (``SHA256:...``).
    host_key_policy: str
    known_hosts_file: Path
    timeout: float


@dataclass(frozen=True)
class Prompts:
    """How a vendor's command line behaves around the commands."""

    more: str = r"--More--|More: <space>.*|--More-- or \(q\)uit"
    disable_paging: str | None = "terminal length 0"
    enable: str = "enable"
    logout: str = "exit"
    errors: Sequence[str] = ERROR_LINES


def ssh_argv(target: Target) -> list[str]:
    """The ssh command line: no password, no user configuration, one password try."""
    if target.host_key_policy in ("accept-new", "strict"):
        target.known_hosts_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        strict = "accept-new" if target.host_key_policy == "accept-new" else "yes"
        known_hosts = str(target.known_hosts_file)
    else:
        # A pinned fingerprint: ssh shows the key's fingerprint and asks; we compare.
        strict, known_hosts = "ask", "/dev/null"
    options = {
        "StrictHostKeyChecking": strict,
        "UserKnownHostsFile": known_hosts,
        "GlobalKnownHostsFile": "/dev/null",
        "FingerprintHash": "sha256",
        "PubkeyAuthentication": "no",
        "PreferredAuthentications": "keyboard-interactive,password",
        "NumberOfPasswordPrompts": "1",
        "ConnectTimeout": str(max(1, int(target.timeout))),
        "ServerAliveInterval": "15",
        "LogLevel": "ERROR",
    }
    argv = ["ssh", "-F", "/dev/null", "-tt", "-p", str(target.port), "-l", target.username]
    for name, value in options.items():
        argv += ["-o", f"{name}={value}"]
    return [*argv, "--", target.hostname]


def telnet_argv(target: Target) -> list[str]:
    return ["telnet", "-8", "-E", target.hostname, str(target.port)]


class PexpectConsole:
    def __init__(self, child: pexpect.spawn, target: Target, prompts: Prompts) -> None:
        self.child = child
        self.target = target
        self.prompts = prompts
        self._errors = [re.compile(rf"^\s*({p})\s*$") for p in prompts.errors]
        self.prompt = _ANY_PROMPT
        #: Why the session can no longer be used (a timeout or a closed connection).
        self.lost: str | None = None

    # ------------------------------------------------------------ logging in

    @classmethod
    def open(cls, target: Target, prompts: Prompts) -> PexpectConsole:
        """Connect and log in; at the privileged prompt with paging off.

        :raises SwitchConnectionError: the switch did not answer (in time).
        :raises SwitchError: the login was refused or the host key is not trusted.
        """
        argv = ssh_argv(target) if target.protocol == "ssh" else telnet_argv(target)
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C", "TERM": "vt100"}
        child = pexpect.spawn(
            argv[0],
            argv[1:],
            env=env,
            encoding="utf-8",
            codec_errors="replace",
            timeout=target.timeout,
            dimensions=(200, 512),
            echo=False,
        )
        # pexpect sleeps 50 ms before every send by default: a command's worth of latency
        # added to each line; every send here follows the switch's prompt anyway.
        child.delaybeforesend = None
        console = cls(child, target, prompts)
        try:
            console._login(time.monotonic() + target.timeout)
            if prompts.disable_paging:
                console.run(prompts.disable_paging)
        except BaseException:
            child.close(force=True)
            raise
        LOG.debug("switch %s: logged in over %s", target.label, target.protocol)
        return console

    def _login(self, deadline: float) -> None:
        t = self.target
        where = f"Switch {t.label} ({t.hostname}:{t.port} over {t.protocol})"
        patterns: list[Any] = [
            _HOST_KEY_QUESTION,
            _HOST_KEY_FAILED,
            _AUTH_FAILED,
            _UNREACHABLE,
            _PASSWORD_PROMPT,
            _USER_PROMPT,
            _ANY_PROMPT,
            pexpect.EOF,
            pexpect.TIMEOUT,
        ]
        passwords_sent = 0
        users_sent = 0
        while True:
            index = self.child.expect(patterns, timeout=max(0.0, deadline - time.monotonic()))
            if index == 0:
                match = self.child.match
                self._answer_host_key(match.group(1) if isinstance(match, re.Match) else "", where)
            elif index == 1:
                raise SwitchError(
                    f"{where}: the switch's ssh host key is not trusted ({self._said()})."
                )
            elif index == 2:
                raise SwitchError(f"{where}: authentication failed ({self._said()}).")
            elif index == 3:
                raise SwitchConnectionError(f"{where}: cannot connect ({self._said()}).")
            elif index == 4:
                # One password per user name asked, plus ssh's own before any: a PowerConnect
                # asks for both again after the ssh login.
                if passwords_sent > users_sent:
                    raise SwitchError(f"{where}: authentication failed (password refused).")
                self.child.sendline(t.password)
                passwords_sent += 1
            elif index == 5:
                if users_sent:
                    raise SwitchError(f"{where}: authentication failed (login refused).")
                self.child.sendline(t.username)
                users_sent += 1
            elif index == 6:
                self._learn_prompt(_text(self.child.after))
                if _text(self.child.after).rstrip().endswith(">"):
                    self._enable(deadline, where)
                return
            elif index == 7:
                if passwords_sent:
                    raise SwitchError(f"{where}: authentication failed ({self._said()}).")
                raise SwitchConnectionError(f"{where}: the connection closed ({self._said()}).")
            else:
                raise SwitchConnectionError(f"{where}: no login prompt within {t.timeout:g} s.")

    def _answer_host_key(self, shown: str, where: str) -> None:
        wanted = self.target.host_key_policy
        if shown.rstrip(".") != wanted:
            self.child.sendline("no")
            raise SwitchError(
                f"{where}: the switch's ssh host key {shown.rstrip('.')} is not the "
                f"configured {wanted}."
            )
        self.child.sendline("yes")

    def _enable(self, deadline: float, where: str) -> None:
        self.child.sendline(self.prompts.enable)
        index = self.child.expect(
            [_PASSWORD_PROMPT, self.prompt, pexpect.EOF, pexpect.TIMEOUT],
            timeout=max(0.0, deadline - time.monotonic()),
        )
        if index == 0:
            self.child.sendline(self.target.password)
            index = self.child.expect(
                [self.prompt, pexpect.EOF, pexpect.TIMEOUT],
                timeout=max(0.0, deadline - time.monotonic()),
            )
            index = index + 1
        if index in (2, 3):
            raise SwitchConnectionError(f"{where}: no answer to {self.prompts.enable!r}.")
        if not _text(self.child.after).rstrip().endswith("#"):
            raise SwitchError(f"{where}: {self.prompts.enable!r} was refused ({self._said()}).")

    def _learn_prompt(self, shown: str) -> None:
        """``sw1>`` or ``sw1#``: every later prompt is ``sw1`` plus an optional mode in
        parentheses (``sw1(config-if)#``), at the end of what the switch sent."""
        last = clean(shown).strip().splitlines()[-1].strip()
        name = re.split(r"[(>#]", last, maxsplit=1)[0]
        self.prompt = rf"(^|[\r\n]){re.escape(name)}(\([^)\r\n]*\))?[>#]\s*$"

    def _said(self) -> str:
        """The last words of the switch (or of ssh/telnet), for an error message."""
        text = clean(_text(self.child.before) + _text(self.child.after))
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[-1][:200] if lines else "no message"

    # ------------------------------------------------------------ commands

    def run(self, command: str, *, confirm: tuple[str, str] | None = None) -> str:
        if self.lost:
            raise SwitchError(f"Switch {self.target.label}: the session was lost ({self.lost}).")
        LOG.debug("switch %s: sending %r", self.target.label, command)
        self.child.send(command + "\r")
        patterns: list[Any] = [self.prompt, self.prompts.more, pexpect.EOF, pexpect.TIMEOUT]
        if confirm is not None:
            patterns.append(confirm[0])
        output = []
        while True:
            index = self.child.expect(patterns)
            output.append(_text(self.child.before))
            if index == 0:
                break
            if index == 1:
                self.child.send(" ")
            elif index == 2:
                self.lost = f"closed after {command!r}"
                raise SwitchError(
                    f"Switch {self.target.label} closed the connection after {command!r}."
                )
            elif index == 3:
                # Whatever the switch says later would be taken for the next command's.
                self.lost = f"no answer to {command!r}"
                raise SwitchError(
                    f"Switch {self.target.label} did not answer {command!r} within "
                    f"{self.target.timeout:g} s."
                )
            else:
                assert confirm is not None
                output.append(_text(self.child.after))
                self.child.send(confirm[1] + "\r")
        text = strip_echo(clean("".join(output)), command)
        for line in text.splitlines():
            if any(error.match(line) for error in self._errors):
                raise SwitchError(
                    f"Switch {self.target.label} refused {command!r}: {line.strip()}"
                )
        return text

    def abort(self) -> None:
        """Kill the ssh or telnet client; the thread stuck reading from it sees EOF."""
        self.lost = self.lost or "aborted"
        with contextlib.suppress(OSError):
            self.child.kill(signal.SIGKILL)

    def close(self) -> None:
        if self.lost:
            self.child.close(force=True)
            return
        try:
            self.child.send(self.prompts.logout + "\r")
            # Some switches only leave enable mode on the first exit.
            if self.child.expect([pexpect.EOF, self.prompt, pexpect.TIMEOUT], timeout=2) == 1:
                self.child.send(self.prompts.logout + "\r")
                self.child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=2)
        finally:
            self.child.close(force=True)


def clean(text: str) -> str:
    """Output without terminal control sequences and with plain ``\\n`` line ends."""
    text = _TERMINAL_NOISE.sub("", text)
    return text.replace("\r\n", "\n").replace("\r", "\n")


def strip_echo(text: str, command: str) -> str:
    """The output of ``command``, without the switch's echo of it."""
    first, _, rest = text.lstrip("\n").partition("\n")
    return rest if first.strip().endswith(command.strip()) else text


def _text(value: object) -> str:
    """pexpect's ``before``/``after``/match groups as text (they are EOF/TIMEOUT classes
    or None when nothing was read)."""
    return value if isinstance(value, str) else ""
