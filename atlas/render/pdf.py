"""HTML to PDF with WeasyPrint, for the printed conversation sheet (``/gebied/<code>/foto.pdf``).

The sheet's HTML is rendered by the same template as the page; WeasyPrint lays it out with the site's stylesheet for
``@media print`` (A4, the margins of ``atlas.css``). It fetches nothing: the maps and charts are inline SVG and the
stylesheet is read from the package, so a PDF never depends on the network, and a URL in the HTML (a link, an image
source) cannot make the server fetch anything (a fetcher that allows no protocol).
"""

from __future__ import annotations

import functools
import logging
from pathlib import Path
from typing import Any

from atlas.errors import Unavailable

STYLESHEET = Path(__file__).resolve().parent.parent / "web" / "static" / "atlas.css"


def html_to_pdf(html: str, *, stylesheets: tuple[Path, ...] = (STYLESHEET,)) -> bytes:
    """The PDF of ``html`` laid out for print with ``stylesheets``."""
    try:
        import weasyprint
    except (ImportError, OSError) as err:  # OSError: Pango missing (Debian's libpango-1.0-0)
        raise Unavailable(f"WeasyPrint is not available: {err}") from err
    css = [_stylesheet(path) for path in stylesheets]
    refuse_all = weasyprint.urls.URLFetcher(allowed_protocols=frozenset())  # every URL: "disallowed protocol"
    document = weasyprint.HTML(string=html, url_fetcher=refuse_all, base_url=None)
    pdf = document.write_pdf(stylesheets=css)
    if pdf is None:  # only when a target is given
        raise Unavailable("WeasyPrint wrote no PDF")
    return bytes(pdf)


@functools.cache
def _stylesheet(path: Path) -> Any:
    """A stylesheet parsed once per process (WeasyPrint's ``CSS``); the package's files do not change under it."""
    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)  # not the CSS it skips (screen-only properties)
    return weasyprint.CSS(string=path.read_text(encoding="utf-8"))
