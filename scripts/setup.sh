#!/usr/bin/env bash
# One-time set-up on Debian/Ubuntu: system packages, a virtualenv with pinned Python
# packages, the vendored iframe-worker shim the offline site needs, axe-core the tests run and
# json-editor, the form library of the editor in `handbook serve`.
# Safe to run again: every step is skipped when already done.
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(
  fonts-noto-cjk          # Noto Sans/Serif CJK SC: the only CJK face in PDFs
  fonts-noto-color-emoji  # emoji typed into content print as emoji, not as empty boxes
  libharfbuzz-subset0     # fast font subsetting for WeasyPrint (0.2 s instead of 10 s per PDF)
  libpango-1.0-0 libpangoft2-1.0-0   # WeasyPrint's text layout
  libcairo2               # cairosvg: an SVG logo drawn as the PNG a Word header needs
  poppler-utils           # pdffonts/pdftoppm: tests and visual checks
  libreoffice-writer-nogui  # tests read the Word files with LibreOffice (page count, Chinese glyphs, re-saving as HR's LibreOffice would for handbook import)
  libreoffice-calc-nogui  # tests print the 岗位清单 workbook with LibreOffice Calc (page setup, Chinese glyphs)
  chromium                # the real browser the site tests drive
  nodejs npm              # npm fetches the iframe-worker shim and axe-core
)

missing=()
for pkg in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# Node may come from elsewhere (nvm, NodeSource): then npm is already there.
if command -v npm >/dev/null 2>&1; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
  read -r -a missing <<< "${missing[*]}"
fi
if ((${#missing[@]})); then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "error: missing system packages: ${missing[*]}" >&2
      echo "       install them as root: apt-get install ${missing[*]}" >&2
      exit 1
    fi
  fi
  echo "==> installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  if ! DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null; then
    echo "error: could not install: ${missing[*]}" >&2
    echo "       run: sudo apt-get update && sudo apt-get install ${missing[*]}" >&2
    exit 1
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
# the stamp's "2": the venv holds no setuptools (below); bump it when the steps change
stamp=.venv/.installed-2-$(sha256sum pyproject.toml requirements.lock | sha256sum | cut -c1-16)
if [ ! -e "$stamp" ]; then
  echo "==> installing Python packages"
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -r requirements.lock
  .venv/bin/pip install -q --no-deps -e .
  # Python 3.11's venv comes with setuptools, which nothing here needs at run time (pip builds the package in
  # an isolated environment); jieba imports its pkg_resources when present: 0.15-0.3 s at every build's start
  if .venv/bin/python -c "import setuptools" 2>/dev/null; then .venv/bin/pip uninstall -q -y setuptools; fi
  rm -f .venv/.installed-*; touch "$stamp"
fi

shim=vendor/iframe-worker/shim.js
if [ ! -s "$shim" ]; then
  echo "==> fetching the iframe-worker shim (offline search under file://)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "iframe-worker@1.0.4" >/dev/null)
  mkdir -p vendor/iframe-worker
  tar -xzf "$tmp"/iframe-worker-1.0.4.tgz -C "$tmp"
  cp "$tmp"/package/shim/index.js "$shim"
  cp "$tmp"/package/LICENSE vendor/iframe-worker/LICENSE
  rm -rf "$tmp"
fi

AXE_VERSION=4.14.1
axe=vendor/axe-core/axe.min.js
if ! head -n1 "$axe" 2>/dev/null | grep -qxF "/*! axe v$AXE_VERSION"; then  # fetched again when the version changes
  echo "==> fetching axe-core (the accessibility checker the tests run in Chromium)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "axe-core@$AXE_VERSION" >/dev/null)
  mkdir -p vendor/axe-core
  tar -xzf "$tmp"/axe-core-$AXE_VERSION.tgz -C "$tmp"
  cp "$tmp"/package/axe.min.js "$axe"
  cp "$tmp"/package/LICENSE vendor/axe-core/LICENSE
  rm -rf "$tmp"
fi

JSON_EDITOR_VERSION=2.17.2
jsoneditor=vendor/json-editor/jsoneditor.js
if [ ! -s "$jsoneditor" ] || ! grep -qxF "$JSON_EDITOR_VERSION" vendor/json-editor/VERSION 2>/dev/null; then
  echo "==> fetching @json-editor/json-editor (the editor's forms, built from the content's JSON Schema)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "@json-editor/json-editor@$JSON_EDITOR_VERSION" >/dev/null)
  mkdir -p vendor/json-editor
  tar -xzf "$tmp"/json-editor-json-editor-$JSON_EDITOR_VERSION.tgz -C "$tmp"
  cp "$tmp"/package/dist/jsoneditor.js "$jsoneditor"
  cp "$tmp"/package/LICENSE vendor/json-editor/LICENSE
  echo "$JSON_EDITOR_VERSION" > vendor/json-editor/VERSION
  rm -rf "$tmp"
fi
