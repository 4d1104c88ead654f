"""sushy-tools' Redfish emulator (fake systems driver) as a subprocess on 127.0.0.1,
with Basic auth and optionally TLS; stopped by its PID."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import bcrypt
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

EMULATOR_BIN = str(Path(sys.executable).with_name("sushy-emulator"))
USER = "redfish-admin"
PASSWORD = "redfish-secret-pw"


def _free_tcp_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (its own CA) and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "bmc.crt", directory / "bmc.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


class RedfishEmulator:
    def __init__(self, workdir: Path, tls: bool = False) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.port = _free_tcp_port()
        self.system_id = str(uuid.uuid4())
        self.tls = tls
        self.cert: Path | None = None
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def address(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def start(self) -> RedfishEmulator:
        auth = self.dir / "htpasswd"
        auth.write_text(f"{USER}:{bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(4)).decode()}\n")
        config = self.dir / "emulator.conf"
        config.write_text(
            f"SUSHY_EMULATOR_AUTH_FILE = {str(auth)!r}\n"
            f"SUSHY_EMULATOR_STATE_DIR = {str(self.dir / 'state')!r}\n"
            "SUSHY_EMULATOR_FAKE_SYSTEMS = [{"
            f"'uuid': {self.system_id!r}, 'name': 'node1', 'power_state': 'Off', "
            "'external_notifier': False, 'nics': [{'mac': '00:5c:52:31:3a:9c'}]}]\n"
        )
        argv = [EMULATOR_BIN, "--fake", "-i", "127.0.0.1", "-p", str(self.port)]
        argv += ["--config", str(config)]
        if self.tls:
            self.cert, key = self_signed_cert(self.dir)
            argv += ["--ssl-certificate", str(self.cert), "--ssl-key", str(key)]
        with (self.dir / "emulator.log").open("ab") as log:
            self.proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(f"{self.address}/redfish/v1/", timeout=1, verify=self._verify)
                return self
            except requests.RequestException:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("the Redfish emulator did not start") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()

    @property
    def _verify(self) -> bool | str:
        return str(self.cert) if self.cert is not None else True

    def obm(self, **extra: object) -> dict[str, object]:
        return {
            "type": "redfish",
            "address": self.address,
            "system_path": f"/redfish/v1/Systems/{self.system_id}",
            "user": USER,
            "password": PASSWORD,
            **extra,
        }

    def system(self) -> dict[str, object]:
        """The system as the emulator shows it (read back independently of haas)."""
        resp = requests.get(
            f"{self.address}/redfish/v1/Systems/{self.system_id}",
            auth=(USER, PASSWORD),
            timeout=10,
            verify=self._verify,
        )
        resp.raise_for_status()
        data: dict[str, object] = resp.json()
        return data
