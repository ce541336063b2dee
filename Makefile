# The README's two commands. Each sets up what it needs first (.ci/setup.sh).
FLAGSHIP ?= specs/conformance/twophase.tock
ARGS ?=

.PHONY: check-flagship test setup

check-flagship: setup
	.venv/bin/tock check $(FLAGSHIP) --out out $(ARGS)

test: setup
	.venv/bin/python -m pytest $(ARGS)

setup:
	@.ci/setup.sh
