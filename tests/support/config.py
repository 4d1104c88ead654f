"""Writing haas.conf files for tests and benchmarks (standard library only)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any


def write_ini(path: Path, sections: dict[str, dict[str, Any]]) -> Path:
    """A haas.conf holding ``sections``, mode 0600 as haas demands."""
    lines = []
    for section, values in sections.items():
        lines.append(f"[{section}]")
        lines.extend(f"{key} = {value}" for key, value in values.items())
        lines.append("")
    path.write_text("\n".join(lines))
    os.chmod(path, 0o600)
    return path
