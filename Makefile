# Two entry points: `make demo` (set up, run the main job) and `make test` (set up, run
# every check). Each creates .venv and installs the package editable with the extras it
# needs: the demo only `train` (matplotlib, tqdm); the tests `test` and the PyTorch
# reference. Both install graphviz's `dot` when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
# The reference engine for the tests; set TORCH=0 to run the suite without it.
TORCH  ?= 1
comma  := ,
EXTRAS := test$(if $(filter 1,$(TORCH)),$(comma)torch)
DEMO_EXTRAS := train
# KaTeX (npm, version pinned in package.json): the docs and exported notebooks render math
# from this copy, never from a CDN.
KATEX  := node_modules/katex/dist/katex.min.js

.PHONY: setup setup-demo demo test lint bench notebooks notebooks-html docs clean dot chromium \
	katex

setup: dot katex $(VENV)/.installed-$(EXTRAS)

setup-demo: dot $(VENV)/.installed-$(DEMO_EXTRAS)

# One stamp per set of extras: installing one set never removes another's packages.
$(VENV)/.installed-%: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "could not create a virtual environment: sudo apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$*]"
	@touch $@

# Debian packages: installed as root, or with passwordless sudo; otherwise the command to
# run is printed and make stops.
define apt_install
	@command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq $(2); \
	  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then \
	    sudo apt-get update -qq && sudo apt-get install -y -qq $(2); \
	  else echo "$(1) is missing; run: sudo apt-get install $(2)"; exit 1; fi; }
endef

dot:
	$(call apt_install,dot,graphviz)

npm:
	$(call apt_install,npm,npm)

katex: $(KATEX)

$(KATEX): package.json | npm
	npm install --no-audit --no-fund --no-package-lock --loglevel=error
	@touch $@

# The browser the tests drive (headless, network blocked): Debian's, never a download.
chromium:
	$(call apt_install,chromium,chromium chromium-driver)

demo: setup-demo
	$(BIN)/autograd-lite demo --out out --force

# The linters need only the venv: no apt, no npm. ruff; the layers of the packages
# (import-linter, contracts in pyproject.toml); types (mypy, strict on autograd_lite/).
lint: $(VENV)/.installed-$(EXTRAS)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: setup chromium lint
	$(PY) -m pytest --doctest-modules autograd_lite nets tests

bench: setup
	$(PY) -m pip install --quiet -e ".[bench,torch]"
	$(PY) benchmarks/compare.py

# Sync each notebook with its paired script (the newer wins), then re-run it in place so
# the committed notebook carries fresh outputs.
notebooks: setup
	$(BIN)/jupytext --sync notebooks/*.py
	cd notebooks && ../$(BIN)/jupyter-execute --inplace --timeout=300 *.ipynb

docs: setup
	$(BIN)/mkdocs build --strict

# The notebooks as HTML pages that read offline, with their own copy of KaTeX beside them.
notebooks-html: setup
	$(PY) tools/notebooks_html.py out/notebooks

clean:
	rm -rf $(VENV) out site node_modules .pytest_cache .ruff_cache .hypothesis
