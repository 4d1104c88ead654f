"""haas: Hardware as a Service, the core.

The core owns the data model, the REST API and the rules of isolation; all
hardware and identity work is done by plugins (see ``docs/plugins.md``).
"""

__version__ = "0.1.0"
