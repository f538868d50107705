# dynsr: the two commands of the README.
#   make test                 set up, then run the test suite (unit tests + one smoke reproduce whose executed notebooks get nbval's check)
#   make test-fast            run the tests outside the slow and artifact tiers (development; tests/conftest.py)
#   make nbval                set up, then run nbval itself on notebooks/ (the smoke profile; executes every notebook again)
#   make reproduce PROFILE=cpu   set up, then regenerate every table and figure for a profile
PYTHON ?= python3
PROFILE ?= cpu
# pytest-xdist processes for the tests: they run torch on one thread each (tests/conftest.py), so one per core
WORKERS ?= 2

.PHONY: setup test test-fast nbval reproduce bench

setup:
	$(PYTHON) -m pip install --quiet -r requirements.txt
	$(PYTHON) -m pip install --quiet --no-deps --no-build-isolation -e .

test: setup
	$(PYTHON) -m pytest tests -p no:cacheprovider -n $(WORKERS) --dist loadfile --no-loadscope-reorder

test-fast:
	$(PYTHON) -m pytest tests -p no:cacheprovider -n $(WORKERS) --dist loadfile --no-loadscope-reorder -m "not slow and not artifact"

nbval: setup
	$(PYTHON) -m pytest notebooks --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

reproduce: setup
	$(PYTHON) -m dynsr.cli reproduce --profile $(PROFILE)

bench: setup
	$(PYTHON) benchmarks/resize.py
	$(PYTHON) benchmarks/ops.py
	$(PYTHON) benchmarks/tiling.py
	$(PYTHON) benchmarks/dasr_time.py
