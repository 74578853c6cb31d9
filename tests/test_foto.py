"""The conversation sheet (issue 14, item 4): the six parts of the foto veerkracht on at most two A4 pages, with a
headline figure, the build's verdict and a sentence per part, the sources and peildata on paper, and a PDF made on
the server by WeasyPrint."""

from __future__ import annotations

import http.server
import io
import re
import threading

import pytest
from pypdf import PdfReader

import atlas
from atlas.artifact.compare import Verdict, verdict_of
from atlas.render.foto import PARTS, foto, headline_sentence
from atlas.render.pdf import html_to_pdf

from .conftest import SCREENSHOTS


@pytest.fixture(scope="module")
def demo(demo_build):
    return atlas.Artifact.open(demo_build)


def _pdf_text(body: bytes) -> tuple[int, str]:
    reader = PdfReader(io.BytesIO(body))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return len(reader.pages), re.sub(r"\s+", " ", text)


def test_six_parts_in_the_order_of_the_monitor(demo):
    f = foto(demo, demo.areas.level("buurt").code.iloc[10])
    assert [part.number for part in f.parts] == [1, 2, 3, 4, 5, 6]
    assert [part.title for part in f.parts] == [spec.title for spec in PARTS]
    assert all(part.headline is not None for part in f.parts)
    assert f.parts[4].facilities is not None  # facilities, summarised
    assert any("Leeftijd" in chart.caption for chart in f.parts[5].charts)  # the age chart with its forecast
    assert "Prognose" in f.parts[5].sentence


def test_each_sentence_says_what_the_verdict_says(demo):
    """ "dat verschil is duidelijk" exactly when the build's verdict is a clear difference; and that verdict is the
    one values.parquet holds for the row shown (the profile, the maps and the API give the same)."""
    values = demo.values.assign(year=demo.values.period.astype(str).str[:4].astype(int)).set_index(
        ["indicator", "code", "year"]
    )
    seen = set()
    for level in ("buurt", "wijk"):
        for code in demo.areas.level(level).code:
            f = foto(demo, str(code))
            for part in f.parts:
                if part.headline is None or part.headline.row.year is None:
                    continue
                row = part.headline.row
                stored = values.loc[(row.indicator.id, str(code), row.year)]
                assert row.verdict == verdict_of(stored.to_dict()), (code, row.indicator.id)
                clear = "dat verschil is duidelijk" in part.sentence
                assert clear == row.verdict.clear, (code, part.sentence, row.verdict)
                seen.add(row.verdict)
    assert {Verdict.HIGHER, Verdict.UNCLEAR} <= seen or {Verdict.LOWER, Verdict.UNCLEAR} <= seen, seen


def test_the_gemeente_is_not_compared_with_itself(demo):
    code = demo.areas.level("gemeente").code.iloc[0]
    f = foto(demo, code)
    for part in f.parts:
        assert "in Zwolle" not in part.sentence.replace(f"In {f.profile.area.naam}", ""), part.sentence
        assert "duidelijk" not in part.sentence


def test_a_withheld_headline_says_so(demo):
    """A withheld value is never a figure in a sentence: the sentence names its status."""
    f = foto(demo, demo.areas.level("buurt").code.iloc[0])
    row = next(p.headline.row for p in f.parts if p.headline is not None)
    withheld = type(row)(**{**row.__dict__, "value": "", "status": "niet gepubliceerd (klein aantal)"})
    text = headline_sentence(f.profile, withheld)
    assert "niet gepubliceerd" in text and row.value not in text


def test_sheet_page_and_errors(client, demo):
    buurt = str(demo.areas.level("buurt").code.iloc[3])
    page = client.get(f"/gebied/{buurt}/foto")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert html.count('class="foto-deel"') == 6
    assert "Bronnen en peildata" in html and "peildatum" in html
    assert "demo-gegevens" in html
    assert f'href="/gebied/{buurt}/foto.pdf"' in html
    for path in ("/gebied/BU99999999/foto", "/gebied/BU99999999/foto.pdf", "/gebied/%3Cscript%3E/foto"):
        assert client.get(path).status_code == 404, path


def test_every_demo_buurt_and_wijk_prints_to_at_most_two_pages_with_its_sources(client, demo):
    """The issue's check: the PDF of each sheet has at most two A4 pages and carries the sources on paper."""
    too_long = {}
    for level in ("buurt", "wijk"):
        for code in demo.areas.level(level).code:
            response = client.get(f"/gebied/{code}/foto.pdf")
            assert response.status_code == 200, code
            assert response.mimetype == "application/pdf"
            assert f'filename="foto-veerkracht-{code}.pdf"' in response.headers["Content-Disposition"]
            pages, text = _pdf_text(response.data)
            if pages > 2:
                too_long[code] = pages
            reader = PdfReader(io.BytesIO(response.data))
            box = reader.pages[0].mediabox  # A4: 595 x 842 pt
            assert (round(float(box.width)), round(float(box.height))) == (595, 842)
            f = foto(demo, str(code))
            assert "Bronnen en peildata" in text, code
            for line in f.sources:
                assert re.sub(r"\s+", " ", line.source) in text, (code, line.source)
            assert "peildatum" in text
            assert f.built in text and "demo-gegevens" in text
            for part in f.parts:
                assert part.title in text, (code, part.title)
    assert too_long == {}


def test_the_pdf_fetches_nothing():
    """An address in the HTML (an image, a stylesheet) is never fetched by the server."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        html = f'<link rel="stylesheet" href="{url}/x.css"><p>hallo</p><img src="{url}/x.png">'
        body = html_to_pdf(html)
        assert body.startswith(b"%PDF")
    finally:
        server.shutdown()
    assert hits == []


@pytest.mark.browser
def test_the_sheet_on_screen_and_in_the_browsers_print(browser, live_server, demo):
    """The sheet as a resident sees it (screenshots at laptop and phone width, nothing sideways) and as the
    browser prints it (Chromium's own print to A4: at most two pages too)."""
    buurt = str(demo.areas.level("buurt").code.iloc[3])
    SCREENSHOTS.mkdir(exist_ok=True)
    for name, (width, height) in {"laptop": (1366, 900), "telefoon": (390, 844)}.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL")
        page = context.new_page()
        try:
            page.goto(f"{live_server}/gebied/{buurt}/foto")
            assert page.locator(".foto-deel").count() == 6
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            page.screenshot(path=str(SCREENSHOTS / f"foto_{name}.png"), full_page=True)
            if name == "laptop":
                pdf = page.pdf(format="A4", print_background=True)
                assert len(PdfReader(io.BytesIO(pdf)).pages) <= 2
        finally:
            context.close()


def test_without_weasyprint_the_pdf_is_a_503(app, client, demo, monkeypatch):
    """A server without WeasyPrint's libraries answers the PDF with 503 and says why; the sheet itself still works."""
    import builtins

    real = builtins.__import__

    def no_weasyprint(name, *args, **kwargs):
        if name == "weasyprint":
            raise OSError("cannot load library 'libpango-1.0-0'")
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_weasyprint)
    app.extensions["atlas_cache"].clear()  # an earlier test may have cached this PDF
    wijk = str(demo.areas.level("wijk").code.iloc[1])
    response = client.get(f"/gebied/{wijk}/foto.pdf")
    assert response.status_code == 503
    assert "WeasyPrint" in response.get_data(as_text=True)
    assert client.get(f"/gebied/{wijk}/foto").status_code == 200
