"""``haas-network-agent``: the process that applies queued networking actions.

It arrives with the networking issue; until then the entry point says so.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    print(
        "haas-network-agent: the network agent is not part of this release yet; "
        "networking actions stay PENDING until it is.",
        file=sys.stderr,
    )
    return 2
