"""Switches driven through their command line (ssh or telnet): the shared engine
(``engine``, ``console``) and one module per vendor, each a plugin of its own."""
