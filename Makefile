# The two commands: `make demo` runs the helpdesk, `make test` runs every test.
# Both create .venv/ and install what they need on a fresh machine.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install services bench clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/helpdesk --config config.toml demo

# PostgreSQL is part of the test run: start the local server if it is down (root only).
services:
	@scripts/ensure-services.sh

test: $(STAMP) services
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/smtp_load.py

clean:
	rm -rf $(VENV) var *.egg-info
