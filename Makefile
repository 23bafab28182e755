# Doppel: two commands for a new user, `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install chromium run test lint bench clean

install: $(STAMP)

# torch first, from the local CPU wheel, so sdv does not pull the CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[test]'
	$(MAKE) --no-print-directory chromium
	touch $(STAMP)

# Debian's Chromium and its chromedriver for the tests that open pages in a real headless browser (Robot's
# SeleniumLibrary drives chromedriver); no downloaded browsers or drivers.
chromium:
	@{ command -v chromium >/dev/null || command -v chromium-browser >/dev/null; } && command -v chromedriver >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get install -y -q chromium chromium-driver >/dev/null 2>&1 || \
	  { $$SUDO apt-get update -q >/dev/null && $$SUDO apt-get install -y -q chromium chromium-driver >/dev/null; } || \
	  echo "could not install Debian's chromium and chromium-driver: the browser tests will say so;" \
	    "set DOPPEL_CHROMIUM and DOPPEL_CHROMEDRIVER"; }

# The main job: the bundled telecom sample through the offline workflow (ingest ... export, report),
# approval points approved automatically (recorded as such), then how to reach Doppel from an IDE.
run: install
	$(BIN)/doppel run telecom --approve-all
	@echo ""
	@echo "Chat with it:   $(BIN)/doppel chat          (offline rules model unless doppel.toml says otherwise)"
	@echo "Web UI:         $(BIN)/doppel ui --demo     (Chainlit on http://127.0.0.1:8000; first start prints the admin's one-time password)"
	@echo "MCP clients (IDE assistants) start Doppel with this entry; or: $(BIN)/doppel mcp --transport http"
	@$(BIN)/doppel mcp --client-config

test: install
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/mypy

bench: install
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/generate.py
	$(BIN)/python bench/quality.py --public

clean:
	rm -rf $(VENV) out .doppel .pytest_cache .mypy_cache .ruff_cache
