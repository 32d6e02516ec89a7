import os

from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mkwebhooks.settings")
application = get_wsgi_application()

# WSGI servers (gunicorn) do not run Django's system checks, so a web process would serve
# with a public secret key or without encryption keys. Refuse, as manage.py does.
errors = [message for message in checks.run_checks() if message.is_serious()]
if errors:
    raise ImproperlyConfigured("\n".join(str(message) for message in errors))
