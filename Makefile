# weeklylib — everything a fresh machine with Python 3 and make needs.
#   make figures   main job: every figure from the bundled seeds/ corpus into figures/
#   make test      whole test suite: unit tests, then the notebooks under nbval (strict) twice
#   make lab       JupyterLab on notebooks/
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
SOURCE ?= seeds
OUT    ?= figures
export MPLBACKEND := Agg
export PYTHONHASHSEED := 0

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg \
         -p no:cacheprovider notebooks

.PHONY: all figures ingest test unit notebooks lab bench lint clean
all: figures

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test]"
	@touch $@

figures: $(VENV)/.installed
	$(VENV)/bin/weeklylib figures $(SOURCE) --out $(OUT)

ingest: $(VENV)/.installed
	$(VENV)/bin/weeklylib ingest $(SOURCE) --out out/tables

# pytest exits 5 when it collected nothing: that is a broken suite, never a pass.
define run_pytest
	$(PY) -m pytest $(1); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests: the suite is broken" >&2; exit 1; fi; \
	exit $$rc
endef

test: $(VENV)/.installed
	@$(call run_pytest,tests)
	@$(call run_pytest,$(NBVAL))
	@echo "second notebook pass (outputs must be stable run to run):"
	@$(call run_pytest,$(NBVAL))

unit: $(VENV)/.installed
	@$(call run_pytest,tests)

notebooks: $(VENV)/.installed
	@$(call run_pytest,$(NBVAL))

lab: $(VENV)/.installed
	$(PY) -m pip install --quiet -c constraints.txt -e ".[lab]"
	$(VENV)/bin/jupyter lab notebooks/

bench: $(VENV)/.installed
	$(PY) benchmarks/run.py

lint: $(VENV)/.installed
	$(PY) -m pip install --quiet ruff
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) out .weeklylib-cache
