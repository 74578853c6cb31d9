"""WSGI entry point: ``waitress-serve --call server:app`` style servers import ``app`` from here.

The artifact directory comes from ``$ATLAS_BUILD``; ``atlas serve --build DIR`` is the usual way to run it. Like
``atlas serve``, it warms the home page and every indicator's default map in a background thread.
"""

from atlas.web import create_app
from atlas.web.warm import start

app = create_app()
start(app)
