"""The CLI engine over the real ``ssh`` and ``telnet`` binaries, against a scripted
switch on 127.0.0.1 (tests/support/cli_server.py): login, enable, paging, errors in the
switch's words, timeouts, host-key policies, and the password kept off command lines
and out of logs."""

from __future__ import annotations

import logging
import re
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from haas_core.errors import SwitchConnectionError, SwitchError
from haas_plugins_switches.cli.engine import CliSwitchDriver
from haas_plugins_switches.cli.nexus import NexusDriver
from haas_plugins_switches.cli.powerconnect55xx import PowerConnect55xxDriver
from tests.support.cli_server import CliServer, Script, cli_server

PASSWORD = "sw-secret-9f3b"

NEXUS_SHOW = "\n".join(
    [
        "Name: Ethernet1/3",
        "  Switchport: Enabled",
        "  Switchport Monitor: Not enabled",
        "  Operational Mode: trunk",
        "  Access Mode VLAN: 1 (default)",
        "  Administrative private-vlan primary host-association: none",
        "  Administrative private-vlan secondary host-association: none",
        "  Administrative private-vlan primary mapping: none",
        "  Administrative private-vlan secondary mapping: none",
        "  Administrative private-vlan trunk native VLAN: none",
        # Beyond the first page (8 lines): only read when --More-- was answered.
        "  Trunking Native Mode VLAN: 100 (VLAN0100)",
        "  Trunking VLANs Allowed: 100,200-201",
        "  Voice VLAN: none",
    ]
)


@pytest.fixture(autouse=True)
def _binaries() -> None:
    for binary in ("ssh", "telnet"):
        if shutil.which(binary) is None:
            pytest.skip(f"{binary} is not installed (apt-get install -y openssh-client telnet)")


def nexus_script(**kw: Any) -> Script:
    defaults: dict[str, Any] = {
        "hostname": "n5k-1",
        "password": PASSWORD,
        "starts_unprivileged": False,
        "prompt_space": " ",
        "save_question": None,
        "save_done": "[########################################] 100%\r\nCopy complete.",
        "outputs": {"show interface Ethernet1/3 switchport": NEXUS_SHOW},
    }
    return Script(**{**defaults, **kw})


def driver(
    cls: type[CliSwitchDriver], server: CliServer, tmp_path: Path, **fields: Any
) -> CliSwitchDriver:
    protocol = fields.get("protocol", "ssh")
    info = {
        "hostname": "127.0.0.1",
        "username": "admin",
        "password": PASSWORD,
        "port": server.ssh_port if protocol == "ssh" else server.telnet_port,
        "protocol": protocol,
        "known_hosts_file": str(tmp_path / "known_hosts"),
        "timeout": 10.0,
        "dummy_vlan": 4000,
        **fields,
    }
    return cls(cls.Info.model_validate(info), switch_id=1, label="sw1", database=None)


@pytest.fixture
def nexus_server() -> Iterator[CliServer]:
    with cli_server(nexus_script()) as server:
        yield server


def test_ssh_session_logs_in_applies_saves_and_logs_out(
    nexus_server: CliServer, tmp_path: Path
) -> None:
    session = driver(NexusDriver, nexus_server, tmp_path).open_session()
    session.modify_port("Ethernet1/3", "vlan/native", "100")
    session.close()
    assert nexus_server.script.received == [
        "terminal length 0",
        "configure terminal",
        "interface Ethernet1/3",
        "switchport",
        "switchport mode trunk",
        "switchport trunk native vlan 100",
        "switchport trunk allowed vlan add 100",
        "exit",
        "exit",
        "copy running-config startup-config",
        "exit",
    ]


def test_telnet_session_logs_in_in_band_enables_and_answers_the_save_question(
    tmp_path: Path,
) -> None:
    script = Script(password=PASSWORD, hostname="console", user_prompt="User Name:")
    with cli_server(script) as server:
        pc = driver(PowerConnect55xxDriver, server, tmp_path, protocol="telnet")
        session = pc.open_session()
        session.modify_port("gi1/0/3", "vlan/200", "200")
        session.close()
    assert script.received == [
        "enable",
        "terminal datadump",
        "configure",
        "interface gi1/0/3",
        "switchport mode trunk",
        "switchport trunk allowed vlan add 200",
        "exit",
        "exit",
        "copy running-config startup-config",
        "exit",
    ]


def test_paged_output_is_read_to_the_end(tmp_path: Path) -> None:
    script = nexus_script(paging_can_be_disabled=False)
    with cli_server(script) as server:
        session = driver(NexusDriver, server, tmp_path).open_session()
        networks = session.get_port_networks(["Ethernet1/3"])
        session.close()
    assert networks == {
        "Ethernet1/3": {"vlan/native": "100", "vlan/200": "200", "vlan/201": "201"}
    }


@pytest.mark.parametrize("protocol", ["ssh", "telnet"])
def test_a_wrong_password_is_an_authentication_error(protocol: str, tmp_path: Path) -> None:
    with cli_server(nexus_script(user_prompt="login:")) as server:
        sw = driver(NexusDriver, server, tmp_path, protocol=protocol, password="wrong")
        with pytest.raises(SwitchError, match="authentication failed") as err:
            sw.open_session()
    assert not isinstance(err.value, SwitchConnectionError)
    assert server.script.received == []


def test_a_refused_command_raises_with_the_switchs_words(
    nexus_server: CliServer, tmp_path: Path
) -> None:
    refused = "switchport trunk allowed vlan add 100"
    nexus_server.script.refuse[refused] = "% Invalid command at '^' marker."
    session = driver(NexusDriver, nexus_server, tmp_path).open_session()
    with pytest.raises(SwitchError) as err:
        session.modify_port("Ethernet1/3", "vlan/native", "100")
    assert err.value.msg == f"Switch sw1 refused {refused!r}: % Invalid command at '^' marker."
    # The session went back to the privileged prompt: it can still save and log out.
    session.close()
    assert nexus_server.script.received[-4:] == [
        refused,
        "end",
        "copy running-config startup-config",
        "exit",
    ]


@pytest.mark.parametrize("protocol", ["ssh", "telnet"])
def test_a_hanging_switch_is_a_connection_error_within_the_timeout(
    protocol: str, tmp_path: Path
) -> None:
    with cli_server(Script(hang=True)) as server:
        sw = driver(NexusDriver, server, tmp_path, protocol=protocol, timeout=1.5)
        started = time.monotonic()
        with pytest.raises(SwitchConnectionError, match=r"timed out|within 1\.5 s"):
            sw.open_session()
        assert time.monotonic() - started < 4


def test_a_switch_that_stops_answering_fails_the_change_within_the_timeout(
    tmp_path: Path,
) -> None:
    script = nexus_script(silent_after={"switchport mode trunk"})
    with cli_server(script) as server:
        sw = driver(NexusDriver, server, tmp_path, timeout=1.0, save_config=False)
        session = sw.open_session()
        started = time.monotonic()
        with pytest.raises(
            SwitchError, match=r"did not answer 'switchport mode trunk' within 1 s"
        ):
            session.modify_port("Ethernet1/3", "vlan/200", "200")
        # The session is lost: closing it does not wait on the silent switch again.
        session.close()
        assert time.monotonic() - started < 3
    assert script.received[-1] == "switchport mode trunk"


def test_abort_from_another_thread_ends_a_hung_change_and_kills_the_client(
    tmp_path: Path,
) -> None:
    """What the agent does when a change hangs past its action timeout: nothing more may
    reach the switch through that session."""
    script = nexus_script(silent_after={"switchport mode trunk"})
    with cli_server(script) as server:
        sw = driver(NexusDriver, server, tmp_path, timeout=60.0, save_config=False)
        session = sw.open_session()
        client = session.console.child  # type: ignore[attr-defined]
        failure: list[BaseException] = []

        def change() -> None:
            try:
                session.modify_port("Ethernet1/3", "vlan/200", "200")
            except BaseException as exc:  # noqa: BLE001 - checked below
                failure.append(exc)

        hung = threading.Thread(target=change)
        hung.start()
        deadline = time.monotonic() + 10
        while script.received[-1:] != ["switchport mode trunk"]:
            assert time.monotonic() < deadline, "the change never reached the switch"
            time.sleep(0.02)
        started = time.monotonic()
        session.abort()
        hung.join(10)
        assert not hung.is_alive() and time.monotonic() - started < 5
        assert failure and isinstance(failure[0], SwitchError)
        client.wait()  # reaped: the ssh client is gone
        assert not client.isalive()
        session.close()  # the session is lost: closing sends nothing
    assert script.received[-1] == "switchport mode trunk"


@pytest.mark.parametrize("protocol", ["ssh", "telnet"])
def test_a_dropped_connection_fails_the_change(protocol: str, tmp_path: Path) -> None:
    script = nexus_script(user_prompt="login:", drop_after={"interface Ethernet1/3"})
    with cli_server(script) as server:
        session = driver(NexusDriver, server, tmp_path, protocol=protocol).open_session()
        with pytest.raises(
            SwitchError, match="closed the connection after 'interface Ethernet1/3'"
        ):
            session.revert_port("Ethernet1/3")
        # The change may be half made: closing says the configuration was not saved.
        with pytest.raises(SwitchError, match="session was lost"):
            session.close()


def test_a_closed_port_is_a_connection_error(tmp_path: Path) -> None:
    with cli_server(nexus_script()) as server:
        pass  # stopped: nothing listens on its ports any more
    with pytest.raises(SwitchConnectionError, match=r"cannot connect|connection closed"):
        driver(NexusDriver, server, tmp_path, timeout=5).open_session()


def test_the_password_is_never_on_a_command_line_nor_in_the_logs(
    nexus_server: CliServer, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    session = driver(NexusDriver, nexus_server, tmp_path).open_session()
    child = session.console.child  # type: ignore[attr-defined]
    cmdline = Path(f"/proc/{child.pid}/cmdline").read_bytes()
    environ = Path(f"/proc/{child.pid}/environ").read_bytes()
    session.modify_port("Ethernet1/3", "vlan/native", "100")
    session.close()
    assert b"ssh" in cmdline and b"127.0.0.1" in cmdline
    assert PASSWORD.encode() not in cmdline
    assert PASSWORD.encode() not in environ
    assert "switchport trunk native vlan 100" in caplog.text  # commands are logged...
    assert PASSWORD not in caplog.text  # ...the password is not


def test_host_key_policies(nexus_server: CliServer, tmp_path: Path) -> None:
    known = tmp_path / "known_hosts"
    # strict: an unknown key is refused.
    with pytest.raises(SwitchError, match="host key is not trusted"):
        driver(NexusDriver, nexus_server, tmp_path, host_key_policy="strict").open_session()
    # accept-new: trusted on first use, written to haas's own known_hosts file...
    driver(NexusDriver, nexus_server, tmp_path).open_session().close()
    assert known.exists() and "ssh-ed25519" in known.read_text()
    # ...after which strict accepts it.
    driver(NexusDriver, nexus_server, tmp_path, host_key_policy="strict").open_session().close()
    # A pinned fingerprint: the right one logs in, another is refused naming both.
    fingerprint = nexus_server.host_key_fingerprint
    driver(NexusDriver, nexus_server, tmp_path, host_key_policy=fingerprint).open_session().close()
    other = "SHA256:" + "A" * 43
    expected = re.escape(f"{fingerprint} is not the configured {other}")
    with pytest.raises(SwitchError, match=expected):
        driver(NexusDriver, nexus_server, tmp_path, host_key_policy=other).open_session()


def test_a_changed_host_key_is_refused(tmp_path: Path) -> None:
    with cli_server(nexus_script()) as first:
        driver(NexusDriver, first, tmp_path).open_session().close()
        port = first.ssh_port
    known = tmp_path / "known_hosts"
    # Another key answering at the same address: a man in the middle, as far as ssh knows.
    with cli_server(nexus_script()) as second:
        known.write_text(known.read_text().replace(f"]:{port} ", f"]:{second.ssh_port} "))
        with pytest.raises(SwitchError, match="host key is not trusted"):
            driver(NexusDriver, second, tmp_path).open_session()
