"""Entry point for gunicorn: `gunicorn -w 4 wsgi:app`."""

import os

from forum import create_app

app = create_app(os.environ.get("FORUM_CONFIG", "production"))
