# Two commands set everything up on a fresh machine: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.seattrack-installed

# Debian's wallpaper photographs that the synthetic scenes use (seattrack.data.synthetic.photos; licences in README)
PHOTO_PACKAGES := lomiri-wallpapers-16.04 lomiri-wallpapers-20.04 mate-backgrounds plasma-workspace-wallpapers
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: demo test install photos lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip install -q --no-deps vot-toolkit==0.9.0  # its other requirements are in [dev] (see pyproject.toml)
	touch $(STAMP)

install: $(STAMP)

photos:
	@dpkg -s $(PHOTO_PACKAGES) >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(PHOTO_PACKAGES); }

demo: $(STAMP)
	$(VENV)/bin/seattrack demo

test: $(STAMP) photos
	$(PY) -m pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks

clean:
	rm -rf build dist src/*.egg-info .pytest_cache
