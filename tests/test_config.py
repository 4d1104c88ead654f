"""Configuration: which file is read, refusing insecure files, option parsing, the sample."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from oslo_config import cfg

from haas_core import config
from haas_core.config import find_config_file, load_config
from haas_core.errors import ConfigError
from haas_core.services import build_services
from haas_plugins.network_allocators.vlan_pool.allocator import parse_vlan_ranges
from tests.support.app import make_conf, write_config
from tests.support.pgcluster import free_port

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SAMPLE = ROOT / "etc" / "haas" / "haas.conf.sample"
GENERATOR_CONF = ROOT / "etc" / "haas" / "haas-config-generator.conf"


def write(path: Path, text: str, mode: int = 0o600) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    os.chmod(path, mode)
    return path


def level_file(path: Path, level: str, mode: int = 0o600) -> Path:
    """A config file told apart from the others by its ``log_level``."""
    return write(path, f"[DEFAULT]\nlog_level = {level}\n", mode)


@pytest.fixture
def places(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """A config in each place of the search order, and a working directory to run in."""
    monkeypatch.delenv("HAAS_CONFIG", raising=False)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    system = level_file(tmp_path / "etc" / "haas.conf", "CRITICAL")
    monkeypatch.setattr(config, "SEARCH_PATH", ("./haas.conf", str(system)))
    return {
        "explicit": level_file(tmp_path / "explicit.conf", "DEBUG"),
        "env": level_file(tmp_path / "env.conf", "WARNING"),
        "cwd": level_file(cwd / "haas.conf", "ERROR"),
        "system": system,
    }


# ---------------------------------------------------------------- search order


def test_search_path_is_cwd_then_etc() -> None:
    assert config.SEARCH_PATH == ("./haas.conf", "/etc/haas/haas.conf")


def test_explicit_file_beats_haas_config_and_cwd(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAAS_CONFIG", str(places["env"]))
    assert find_config_file(str(places["explicit"])) == str(places["explicit"])
    assert load_config(str(places["explicit"])).log_level == "DEBUG"


def test_haas_config_beats_cwd(places: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAAS_CONFIG", str(places["env"]))
    assert find_config_file() == str(places["env"])
    assert load_config().log_level == "WARNING"


def test_cwd_file_beats_system_file(places: dict[str, Path]) -> None:
    assert find_config_file() == "./haas.conf"
    assert load_config().log_level == "ERROR"


def test_system_file_is_the_last_resort(places: dict[str, Path]) -> None:
    places["cwd"].unlink()
    assert find_config_file() == str(places["system"])
    assert load_config().log_level == "CRITICAL"


def test_no_file_anywhere_gives_the_defaults(places: dict[str, Path]) -> None:
    places["cwd"].unlink()
    places["system"].unlink()
    assert find_config_file() is None
    conf = load_config()
    assert conf.log_level == "INFO"
    assert conf.database.connection == "sqlite:///haas.db"


def test_missing_explicit_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(str(tmp_path / "nosuch.conf"))


def test_missing_haas_config_file_is_an_error(
    places: dict[str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # A wrong $HAAS_CONFIG is reported, not silently replaced by ./haas.conf.
    monkeypatch.setenv("HAAS_CONFIG", str(tmp_path / "nosuch.conf"))
    with pytest.raises(ConfigError, match=r"nosuch\.conf does not exist"):
        load_config()


def test_unparseable_file_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path / "haas.conf", "this is not ini\n[DEFAULT\n")
    with pytest.raises(ConfigError, match=str(path)):
        load_config(str(path))


# ---------------------------------------------------------------- file permissions


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_file_readable_by_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = level_file(tmp_path / "haas.conf", "INFO", mode)
    with pytest.raises(ConfigError) as info:
        load_config(str(path))
    assert f"chmod 600 {path}" in str(info.value)
    assert f"{mode:04o}" in str(info.value)


@pytest.mark.parametrize("mode", [0o600, 0o400])
def test_file_readable_only_by_its_owner_is_accepted(tmp_path: Path, mode: int) -> None:
    path = level_file(tmp_path / "haas.conf", "DEBUG", mode)
    assert load_config(str(path)).log_level == "DEBUG"


def test_insecure_file_is_accepted_when_explicitly_allowed(tmp_path: Path) -> None:
    path = write(
        tmp_path / "haas.conf",
        "[DEFAULT]\nallow_insecure_config_permissions = true\nlog_level = DEBUG\n",
        0o644,
    )
    assert load_config(str(path)).log_level == "DEBUG"


def test_manage_serve_refuses_an_insecure_config(tmp_path: Path) -> None:
    path = write_config(tmp_path / "haas.conf", f"sqlite:///{tmp_path / 'haas.db'}")
    os.chmod(path, 0o644)
    argv = [str(BIN / "haas-manage"), "--config-file", str(path), "serve"]
    argv += ["--host", "127.0.0.1", "--port", str(free_port())]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        _out, err = proc.communicate(timeout=60)
    finally:
        # Only reached with a live process if the server started by mistake.
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert "chmod 600" in err
    assert str(path) in err
    assert "Traceback" not in err


# ---------------------------------------------------------------- option parsing


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["100-103"], {100, 101, 102, 103}),
        (["7"], {7}),
        (["100-101", " 300 ", "5-5", "8 - 9"], {5, 8, 9, 100, 101, 300}),
        (["1", "4094"], {1, 4094}),
        (["10-12", "11-13"], {10, 11, 12, 13}),
        (["", "  "], set()),
    ],
)
def test_vlans_option_accepts_ranges_and_single_ids(items: list[str], expected: set[int]) -> None:
    assert parse_vlan_ranges(items) == expected


@pytest.mark.parametrize(
    "item",
    ["abc", "10-", "-10", "10-5", "0", "4095", "1-4095", "1-2-3", "10 - x", "1.5", "+5", "1_0"],
)
def test_vlans_option_refuses_bad_input(item: str) -> None:
    with pytest.raises(ConfigError, match=r"\[network_allocator_vlan_pool\] vlans"):
        parse_vlan_ranges(["100-110", item])


def test_bad_vlans_option_stops_start_up(tmp_path: Path) -> None:
    conf = make_conf(
        tmp_path / "haas.conf",
        f"sqlite:///{tmp_path / 'unused.db'}",
        {"network_allocator_vlan_pool": {"vlans": "100-110, 5000"}},
    )
    with pytest.raises(ConfigError, match="5000"):
        build_services(conf, startup=False)


def test_vlans_option_reaches_the_allocator(tmp_path: Path) -> None:
    conf = make_conf(
        tmp_path / "haas.conf",
        f"sqlite:///{tmp_path / 'unused.db'}",
        {"network_allocator_vlan_pool": {"vlans": "20-22, 40"}},
    )
    services = build_services(conf, startup=False)
    try:
        assert services.allocator.vlans == {20, 21, 22, 40}  # type: ignore[attr-defined]
    finally:
        services.db.dispose()


@pytest.mark.parametrize("key", ["", "not-a-fernet-key"])
def test_missing_or_bad_secret_key_stops_start_up(tmp_path: Path, key: str) -> None:
    conf = make_conf(
        tmp_path / "haas.conf",
        f"sqlite:///{tmp_path / 'unused.db'}",
        {"DEFAULT": {"secret_key": key}},
    )
    with pytest.raises(ConfigError, match=r"\[DEFAULT\] secret_key") as info:
        build_services(conf, startup=False)
    if not key:
        assert "haas-manage generate-secret-key" in str(info.value)


def test_generated_secret_key_is_accepted(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(BIN / "haas-manage"), "generate-secret-key"],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    key = result.stdout.strip()
    Fernet(key.encode())  # a valid key
    conf = make_conf(
        tmp_path / "haas.conf",
        f"sqlite:///{tmp_path / 'unused.db'}",
        {"DEFAULT": {"secret_key": key}},
    )
    services = build_services(conf, startup=False)
    services.db.dispose()
    assert services.secrets.open_value(services.secrets.seal_value("pw")) == "pw"


# ---------------------------------------------------------------- the generated sample


def generator_namespaces() -> list[str]:
    conf = cfg.ConfigOpts()
    conf.register_cli_opts([cfg.MultiStrOpt("namespace")])
    conf(args=[], default_config_files=[str(GENERATOR_CONF)])
    return list(conf.namespace)


def test_sample_config_is_up_to_date(tmp_path: Path) -> None:
    fresh = tmp_path / "haas.conf.sample"
    subprocess.run(
        [
            str(BIN / "oslo-config-generator"),
            "--config-file",
            str(GENERATOR_CONF),
            "--output-file",
            str(fresh),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert fresh.read_text() == SAMPLE.read_text(), "run: tox -e genconfig"


def test_generator_covers_every_haas_option_namespace() -> None:
    installed = {ep.name for ep in entry_points(group="oslo.config.opts")}
    haas = {name for name in installed if name == "haas" or name.startswith("haas.")}
    assert "haas" in haas
    assert sorted(generator_namespaces()) == sorted(haas)


def test_sample_documents_every_option_registered_at_start_up(tmp_path: Path) -> None:
    conf = make_conf(tmp_path / "haas.conf", f"sqlite:///{tmp_path / 'unused.db'}")
    services = build_services(conf, startup=False)
    services.db.dispose()
    sample = SAMPLE.read_text()
    # oslo.config's own command-line options are not haas settings.
    builtin = {"config_file", "config_dir", "config_source", "shell_completion"}
    options = {"DEFAULT": sorted(n for n in conf if n not in builtin and not is_group(conf, n))}
    options.update({n: sorted(conf[n]) for n in conf if is_group(conf, n)})
    assert {"auth_database", "network_allocator_vlan_pool"} <= options.keys()
    for group, names in options.items():
        section = sample.split(f"\n[{group}]\n", 1)[-1].split("\n[", 1)[0]
        assert f"[{group}]" in sample, group
        for name in names:
            assert f"\n#{name} =" in section, f"[{group}] {name}"


def is_group(conf: cfg.ConfigOpts, name: str) -> bool:
    return isinstance(conf[name], cfg.ConfigOpts.GroupAttr)
