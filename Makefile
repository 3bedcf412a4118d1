# Lantern: two commands on a fresh Debian 12 machine, as root.
#   make run   installs what is missing, builds, opens the app on a demo vault
#   make test  installs what is missing, runs every test tier
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help run run-headless test deps ui-build app-build fmt clippy test-rust test-ui test-browser test-dashboard test-e2e test-forms test-differential

help:
	@echo "make run           build and open Lantern (needs a display)"
	@echo "make run-headless  run Lantern under Xvfb and save a screenshot"
	@echo "make test          every test tier (installs what is missing first)"
	@echo "tiers alone: make fmt clippy test-rust test-ui test-browser test-dashboard test-e2e test-forms test-differential"

deps:
	@scripts/deps.sh

run: deps
	@scripts/run.sh

run-headless: deps
	@scripts/run.sh --headless

test: deps
	@scripts/test.sh

ui-build:
	@cd ui && npm run build

app-build: ui-build
	@cargo build -p lantern-app

fmt:
	@cargo fmt --all --check

clippy: ui-build
	@cargo clippy --workspace --all-targets -- -D warnings

test-rust: ui-build
	@cargo test --workspace

test-ui:
	@scripts/tier-ui.sh

test-browser: ui-build
	@scripts/tier-browser.sh

test-dashboard:
	@scripts/tier-dashboard.sh

test-e2e: ui-build
	@scripts/tier-e2e.sh

test-forms:
	@scripts/tier-forms.sh

test-differential:
	@scripts/tier-differential.sh
