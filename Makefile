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

# PostgreSQL and Dovecot are part of the test run: start the local PostgreSQL if it is
# down, install dovecot-imapd if missing (root only; never fails the run).
services:
	@scripts/ensure-services.sh

test: $(STAMP) services
	$(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python bench/smtp_load.py

clean:
	rm -rf $(VENV) var *.egg-info
