# The README's two commands. Each sets up what it needs first (.ci/setup.sh): a virtualenv
# with Tock and its test tools, and graphviz's dot from the OS package manager.
FLAGSHIP ?= specs/mesos/agent_recovery.tock
ARGS ?=

.PHONY: flagship test quick setup parser-tables

flagship: setup
	.venv/bin/tock check $(FLAGSHIP) --out out $(ARGS)

# One pytest-xdist worker per core (JOBS=2: two; JOBS=0: no workers, all here). Worksteal:
# each worker takes half the tests in order and an idle one takes over the rest of the other's
JOBS ?= auto
test: setup
	.venv/bin/python -m pytest -n $(JOBS) --dist worksteal $(ARGS)

# About a minute: the architecture rules, the language, both engines' core tests and the
# frozen reports of every spec in the manifest; `make test` before a commit lands
QUICK = tests/test_architecture.py tests/model/test_check.py tests/model/test_diagnostics.py \
	tests/model/test_parser.py tests/checker/test_explore.py tests/checker/test_timed.py \
	tests/specs/test_frozen_reports.py
quick: setup
	.venv/bin/python -m pytest -x -q $(QUICK) $(ARGS)

setup:
	@.ci/setup.sh

# after an edit of model/grammar.lark (or a new lark): the parser's tables shipped with the
# package, model/grammar.lalr (tests/model/test_parser_cache.py checks they are current)
parser-tables:
	.venv/bin/python -c 'from model.parser import TABLES, build_tables; \
	open("model/" + TABLES, "wb").write(build_tables())'
