# mod_wsgi script: mod_wsgi passes SetEnv values per request, not to os.environ,
# so the config path is set here too.
import os

os.environ.setdefault("HAAS_CONFIG", "/etc/haas/haas.conf")

from haas_core.api.wsgi import application  # noqa: E402,F401
