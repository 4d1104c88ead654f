"""``python -m haas_core.agent``: the same as ``haas-network-agent``."""

import sys

from haas_core.agent import main

sys.exit(main())
