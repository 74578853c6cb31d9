"""WSGI entry point: ``waitress-serve --call server:app`` style servers import ``app`` from here.

The artifact directory comes from ``$ATLAS_BUILD``; ``atlas serve --build DIR`` is the usual way to run it.
"""

from atlas.web import create_app

app = create_app()
