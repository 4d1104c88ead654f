"""Headnode backends: ``libvirt`` (VMs cloned from base domains) and ``null`` (database only)."""
