# The verbs a newcomer needs. Everything installs itself into .venv on first use.
#   make demo    install, generate the demo data, build it and serve the atlas on http://127.0.0.1:8000/
#   make test    install (incl. Chromium for the browser tests) and run lint, types and the whole test suite
#   make bench   run the benchmarks under bench/
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
STAMP  := $(VENV)/.installed

.PHONY: install demo demo-data serve test pytest lint format typecheck browser pdflibs bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python >= 3.11 is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

build/demo-bron/sources.yaml: $(STAMP)
	$(BIN)/atlas demo --out build/demo-bron

demo-data: $(STAMP)
	$(BIN)/atlas demo --out build/demo-bron
	$(BIN)/atlas build --sources build/demo-bron/sources.yaml --out build/demo

demo: demo-data pdflibs
	$(BIN)/atlas serve --build build/demo --port $(PORT)

serve: $(STAMP)
	$(BIN)/atlas serve --build $(or $(BUILD),build/demo) --port $(PORT)

browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing: install Debian's 'chromium' package (browser tests are skipped without it)"; fi; }

# WeasyPrint (the PDF of the conversation sheet) needs Pango and a font
pdflibs:
	@{ ldconfig -p 2>/dev/null | grep -q libpangoft2-1.0; } || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core >/dev/null; \
	  else echo "Pango is missing: install Debian's 'libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core' (PDFs answer 503 without it)"; fi; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

typecheck: $(STAMP)
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

pytest: $(STAMP) browser pdflibs
	$(BIN)/pytest

test: lint pytest

bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is missing: install Debian's 'wrk' package (the web benchmark is skipped without it)"; fi; }
	$(BIN)/python -m bench

clean:  # build/ holds each artifact's link and its versions folder (build/demo -> demo.versions/...)
	rm -rf build .pytest_cache .mypy_cache .ruff_cache
