"""JSON Schemas for the YAML files, from the models the loader uses: editors with the YAML language server
read the ``# yaml-language-server: $schema=…`` line of a content file and complete keys while HR types."""

from __future__ import annotations

import json
from pathlib import Path

from .model import KINDS, SiteSettings


def schemas() -> dict[str, tuple[type, str]]:
    """name → (model, title): one schema per content kind, and site.yml's."""
    found = {name: (kind.model, f"{kind.label}（{kind.folder}/*.yml）") for name, kind in KINDS.items()}
    return {**found, "site": (SiteSettings, "手册设置（content/site.yml）")}


def schema_for(name: str) -> dict:
    model, title = schemas()[name]
    return {**model.model_json_schema(mode="validation"), "title": title,
            "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": f"{name}.schema.json"}


def render(name: str) -> str:
    return json.dumps(schema_for(name), ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def write_schemas(out: Path) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    written = [out / f"{name}.schema.json" for name in schemas()]
    for name, path in zip(schemas(), written):
        path.write_text(render(name), encoding="utf-8")
    return written
