# Two entry points: `make demo` (set up, run the main job) and `make test` (set up, run
# every check). Both create .venv, install the package editable with its extras, and
# install graphviz's `dot` when it is missing.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
# The reference engine for the tests; set TORCH=0 to run the suite without it.
TORCH  ?= 1
comma  := ,
EXTRAS := test$(if $(filter 1,$(TORCH)),$(comma)torch)

.PHONY: setup demo test lint bench notebooks docs clean dot chromium

setup: dot $(VENV)/.installed-$(EXTRAS)

$(VENV)/.installed-$(EXTRAS): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { \
	  echo "could not create a virtual environment: sudo apt-get install python3-venv"; exit 1; }
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[$(EXTRAS)]"
	@rm -f $(VENV)/.installed-*
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

# The browser the tests drive (headless, network blocked): Debian's, never a download.
chromium:
	$(call apt_install,chromium,chromium chromium-driver)

demo: setup
	$(BIN)/autograd-lite demo --out out --force

lint: setup
	$(BIN)/ruff check .

test: chromium lint
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

clean:
	rm -rf $(VENV) out site .pytest_cache .ruff_cache .hypothesis
