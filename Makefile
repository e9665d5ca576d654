# svidok: `make demo` sets up and runs the demo; `make test` runs the tests. Both install what they need.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
export SVIDOK_DEMO_HOME ?= var/demo
# Debian packages the project needs: a Cyrillic-capable font for generated PDFs; poppler-utils to render
# bundle pages to PNG (pdftoppm) when reviewing exports; Tesseract with Ukrainian, Russian and English data for
# OCR of scans; libheif for HEIC photos; Chromium for the browser tests (Playwright drives Debian's build).
DEBS   := fonts-dejavu-core poppler-utils tesseract-ocr tesseract-ocr-ukr tesseract-ocr-rus tesseract-ocr-eng chromium libheif1

.PHONY: setup system demo test lint bench model clean

setup: system $(STAMP)

system:
	@missing=""; for p in $(DEBS); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

demo: setup
	rm -rf $(SVIDOK_DEMO_HOME) && mkdir -p $(SVIDOK_DEMO_HOME)
	SVIDOK_HOME=$(SVIDOK_DEMO_HOME) $(BIN)/svidok demo generate $(SVIDOK_DEMO_HOME)/corpus
	-SVIDOK_HOME=$(SVIDOK_DEMO_HOME) $(BIN)/svidok ingest $(SVIDOK_DEMO_HOME)/corpus --collection demo
	SVIDOK_HOME=$(SVIDOK_DEMO_HOME) $(BIN)/svidok user add demo --role admin --name "Demo admin" --generate-password
	SVIDOK_HOME=$(SVIDOK_DEMO_HOME) SVIDOK_COOKIE_SECURE=0 $(BIN)/svidok serve --host 127.0.0.1

lint: setup
	$(BIN)/lint-imports

test: setup lint
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/nlp.py
	$(BIN)/python bench/search.py --pages 100000 --es-pages 10000  # osmem (the ES stand-in) is slow: 10k pages

# Retrain the Ukrainian NER model from the development data beside the repository (../shared; CC BY-NC-SA 4.0).
model: setup
	$(BIN)/python -m nlp.train_uk --data ../shared/data/ner/uk-train.jsonl --out nlp/models/uk_ner

clean:
	rm -rf $(VENV) var .pytest_cache
