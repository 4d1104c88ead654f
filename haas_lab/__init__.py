"""The simulated datacenter: switches that speak vendor protocols and forward real frames.

* :mod:`haas_lab.fabric`: Open vSwitch (userspace datapath) in a namespace, nodes as namespaces.
* :mod:`haas_lab.cli`, :mod:`haas_lab.dialects`, :mod:`haas_lab.grammar`,
  :mod:`haas_lab.servers`: the PowerConnect 55xx, Dell N3000 and Cisco Nexus CLIs over SSH and
  telnet.
* :mod:`haas_lab.rest`: the Brocade VDX and Dell OS9 REST APIs.
* :mod:`haas_lab.lab`: a whole lab; :mod:`haas_lab.supervisor` and :mod:`haas_lab.control`:
  ``haas-manage lab up|status|down``; :mod:`haas_lab.register`: registration in haas.

See docs/lab.md.
"""
