# muejam.infra — the two commands a newcomer needs are `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help
VENV := .venv
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export ANSIBLE_CONFIG := $(CURDIR)/ansible.cfg
EMULATOR_STATE ?= $(CURDIR)/.emulator
EMULATOR_PORT ?= 4566

.PHONY: help setup emulator demo rollout down teardown test lint unit molecule sanity changelog benchmark clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

setup: ## Create .venv with the pinned dependencies and link the collection (idempotent)
	@bash scripts/setup.sh

emulator: setup ## Start the local AWS emulator on 127.0.0.1:$(EMULATOR_PORT) and the reference /health server (kept running)
	@$(VENV)/bin/python -m tools.emulator start --port $(EMULATOR_PORT) --state-dir $(EMULATOR_STATE)
	@$(VENV)/bin/python -m tools.health_server start --port 0 --state-dir $(EMULATOR_STATE)/health

demo: emulator ## Set up, start the emulator and provision the whole stack with inventories/local
	MUEJAM_AWS_ENDPOINT=http://127.0.0.1:$(EMULATOR_PORT) MUEJAM_EMULATOR_STATE=$(EMULATOR_STATE) \
	  ansible-playbook site.yml -i inventories/local

rollout: setup ## Roll a new AMI out on the local stack (make rollout AMI=ami-...), gated by readiness
	@test -n "$(AMI)" || { echo "make rollout needs AMI=<an AMI id of the emulator>, such as AMI=ami-0fbd8b6e0b1d8a1e5" >&2; exit 2; }
	MUEJAM_AWS_ENDPOINT=http://127.0.0.1:$(EMULATOR_PORT) MUEJAM_EMULATOR_STATE=$(EMULATOR_STATE) \
	  ansible-playbook playbooks/rollout.yml -i inventories/local -e scaling_group_ami_id=$(AMI)

teardown: setup ## Remove the local stack again (the emulator keeps running)
	MUEJAM_AWS_ENDPOINT=http://127.0.0.1:$(EMULATOR_PORT) MUEJAM_EMULATOR_STATE=$(EMULATOR_STATE) \
	  ansible-playbook teardown.yml -i inventories/local -e teardown_confirm=local

down: ## Stop the local AWS emulator and the reference /health server
	@if [ -x $(VENV)/bin/python ]; then \
	  $(VENV)/bin/python -m tools.health_server stop --state-dir $(EMULATOR_STATE)/health; \
	  $(VENV)/bin/python -m tools.emulator stop --state-dir $(EMULATOR_STATE); fi

test: setup ## Set up and run the whole test suite (lint, unit, molecule, ansible-test sanity and units)
	@bash scripts/test.sh

lint: setup ## ruff, ansible-lint (production profile) and antsibull-changelog lint
	@bash scripts/test.sh lint

unit: setup ## Unit tests only (pytest, and ansible-test units for the pure ones)
	@bash scripts/test.sh unit

molecule: setup ## Molecule scenarios only, on their own emulator
	@bash scripts/test.sh molecule

sanity: setup ## ansible-test sanity and units on a copy laid out as ansible_collections/muejam/infra
	@bash scripts/test.sh sanity

changelog: setup ## Regenerate CHANGELOG.md and changelogs/changelog.yaml from changelogs/fragments
	antsibull-changelog release --update-existing --refresh-fragments without-archives

benchmark: setup ## Time site.yml (first and second run), check mode, readiness, audit and teardown
	@bash scripts/benchmark.sh

clean: down ## Remove the virtual environment, emulator state and outputs
	rm -rf $(VENV) .emulator .emulator-test outputs collections/ansible_collections
