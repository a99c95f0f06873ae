# Two commands for a new user: `make serve` and `make test`. Everything else is set-up they call.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# llama-cpp-python is source-only on PyPI: build its wheel once into a cache outside the repo, with the CPU code
# built for every x86 generation, the best one for the machine loaded at run time (assistant.llm.adapters.
# load_cpu_backend): AVX-512 where the CPU has it, AVX2 or older where not, from the same wheel.
WHEELS ?= $(HOME)/.cache/assistant/wheels/cpu-variants
LLAMA_CMAKE := -DGGML_NATIVE=OFF -DGGML_BACKEND_DL=ON -DGGML_CPU_ALL_VARIANTS=ON
LLAMA_VERSION := 0.3.36
TORCH_WHEELS := $(wildcard /opt/wheels)
FIND_LINKS := --find-links $(WHEELS) $(if $(TORCH_WHEELS),--find-links /opt/wheels)
STAMP := $(VENV)/.installed

.PHONY: install models ingest serve test test-fast bench-retrieval bench-answers bench-scripts bench-dev bench-team bench-gold bench-names bench-unheard browser clean-store

install: $(STAMP)

$(STAMP): pyproject.toml requirements.lock Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --disable-pip-version-check -q $(FIND_LINKS) torch==2.13.0
	@ls $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl >/dev/null 2>&1 || { \
	  echo "Building llama-cpp-python $(LLAMA_VERSION) from source (once, ~10 min)"; \
	  mkdir -p $(WHEELS) && CMAKE_ARGS="$(LLAMA_CMAKE)" $(PIP) wheel --disable-pip-version-check -q \
	    --no-cache-dir --no-deps -w $(WHEELS) llama-cpp-python==$(LLAMA_VERSION); }
	$(PIP) install --disable-pip-version-check -q $(FIND_LINKS) "llama-cpp-python[server]==$(LLAMA_VERSION)" -r requirements.lock
	@# a venv holding an earlier build of the same version keeps it unless told: install the cached wheel over it
	$(PIP) install --disable-pip-version-check -q --no-deps --force-reinstall $(WHEELS)/llama_cpp_python-$(LLAMA_VERSION)-*.whl
	$(PIP) install --disable-pip-version-check -q --no-deps -e .
	touch $(STAMP)

models: install
	$(VENV)/bin/assistant models

ingest: install
	$(VENV)/bin/assistant ingest

serve: install
	$(VENV)/bin/assistant serve

# Debian's Chromium for the real-browser test (Playwright's own download cannot work here) and a CJK font,
# without which Chinese and Japanese render as boxes in the screenshots.
browser:
	@test -x /usr/bin/chromium -a -n "$$(fc-list :lang=zh 2>/dev/null)" || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; }

test: install browser
	$(VENV)/bin/assistant models --prepare
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not slow and not browser"

bench-retrieval: install
	$(VENV)/bin/assistant bench retrieval --passages ../shared/bench/cmrc2018_dev/passages.jsonl --questions ../shared/bench/cmrc2018_dev/questions.jsonl --limit 500

# a Chinese question in either script over passages in either script: as asked vs both scripts' vector (no LLM)
bench-scripts: install
	$(VENV)/bin/assistant bench scripts --passages $(SHARED)/bench/xquad/passages.jsonl --questions $(SHARED)/bench/xquad/questions.jsonl --limit 400

bench-answers: install
	$(VENV)/bin/assistant bench answers

# Answer quality, the aggregates every quality change is judged on (one LLM process at a time: two
# llama.cpp processes on 2 cores slow each other down tenfold). Results go to artifacts/ (git-ignored).
SHARED ?= ../shared
bench-dev: install
	@mkdir -p artifacts
	$(PY) $(SHARED)/eval/score.py $(SHARED)/eval/dev_qa.jsonl $(SHARED)/eval/dev_qa_more.jsonl --json artifacts/dev_scores.json

# 80 more questions about the seed articles, written from the articles alone (tests/data/team_qa.jsonl):
# a second sample beside the dev set, which earlier sessions tuned against
bench-team: install
	@mkdir -p artifacts
	$(PY) $(SHARED)/eval/score.py tests/data/team_qa.jsonl --json artifacts/team_scores.json

GOLD_SETS := cmrc2018_dev/questions.jsonl jsquad_valid/questions.jsonl xquad/questions_en_to_zh.jsonl
bench-gold: install
	@mkdir -p artifacts
	@for q in $(GOLD_SETS); do d=$${q%%/*}; n=$$(basename $$q .jsonl); \
	  for mode in "" --leave-out-gold; do \
	    out=artifacts/gold-$$d-$$n$${mode:+-left-out}.json; echo "== $$q $$mode -> $$out"; \
	    $(VENV)/bin/assistant bench gold --passages $(SHARED)/bench/$$d/passages.jsonl --questions $(SHARED)/bench/$$q \
	      --limit 100 $$mode --json > $$out && $(PY) -c "import json,sys; r=json.load(open(sys.argv[1])); r.pop('answers'); print(r)" $$out; \
	  done; done

# the name premise of the refusal policy, without the LLM (seconds per set once embedded)
bench-names: install
	@for d in cmrc2018_dev jsquad_valid; do echo "== $$d"; $(VENV)/bin/assistant bench names \
	  --passages $(SHARED)/bench/$$d/passages.jsonl --questions $(SHARED)/bench/$$d/questions.jsonl --limit 300; done
	@echo "== names in English answers (XQuAD en->zh; CMRC 2018's Chinese names in pinyin)"
	$(VENV)/bin/assistant bench names-en --passages $(SHARED)/bench/xquad/passages.jsonl \
	  --questions $(SHARED)/bench/xquad/questions_en_to_zh.jsonl --chinese-passages $(SHARED)/bench/cmrc2018_dev/passages.jsonl

clean-store:
	rm -rf vectorstore/*/ vectorstore/*.sqlite3

# the rule refusing a question whose rare word no indexed passage holds, without the LLM (seconds per set)
bench-unheard: install
	@for d in cmrc2018_dev jsquad_valid; do echo "== $$d"; $(VENV)/bin/assistant bench unheard \
	  --passages $(SHARED)/bench/$$d/passages.jsonl --questions $(SHARED)/bench/$$d/questions.jsonl --limit 100; done
