# The README's two commands. Each sets up what it needs first (.ci/setup.sh): a virtualenv
# with Tock and its test tools, and graphviz's dot from the OS package manager.
FLAGSHIP ?= specs/mesos/agent_recovery.tock
ARGS ?=

.PHONY: flagship test setup

flagship: setup
	.venv/bin/tock check $(FLAGSHIP) --out out $(ARGS)

test: setup
	.venv/bin/python -m pytest $(ARGS)

setup:
	@.ci/setup.sh
