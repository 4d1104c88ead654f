"""The README's walkthrough, run as written against a live haas."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.live import ADMIN_PASSWORD, LiveHaas, live_haas

README = Path(__file__).parent.parent / "README.md"


def walkthrough(language: str) -> str:
    section = README.read_text().split("## Describe datacenter resources", 1)[1]
    section = section.split("\n## ", 1)[0]
    found = re.search(rf"```{language}\n(.*?)```", section, re.S)
    assert found, f"no {language} block in the README walkthrough"
    return found.group(1)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveHaas]:
    with live_haas(tmp_path_factory.mktemp("haas")) as live:
        yield live


def test_the_readme_walkthrough_runs(server: LiveHaas, tmp_path: Path) -> None:
    lines = walkthrough("sh").splitlines()
    settings = [line for line in lines if line.startswith("export ")]
    assert "HAAS_ENDPOINT=" in settings[0] and "HAAS_PASSWORD=" in settings[1]
    rest = "\n".join(line for line in lines if line not in settings)  # the env below instead
    env = {**os.environ, **server.env()}
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '')}"
    done = subprocess.run(
        ["bash", "-euxo", "pipefail", "-c", rest],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "vlan/native=runtime-net" in done.stdout
    assert "Nothing to do" in done.stdout  # the exported inventory matches the server
    client = server.client()
    assert client.nodes.show("node-01")["nics"][0]["networks"] == {"vlan/native": "runtime-net"}
    code = walkthrough("python").replace("http://127.0.0.1:5000/v0", server.endpoint)
    exec(code, {"password": ADMIN_PASSWORD})  # noqa: S102 - the README's own example
    assert client.nodes.show("node-01")["nics"][1]["networks"] == {"vlan/native": "internet"}
