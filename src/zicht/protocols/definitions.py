"""The protocol definitions shipped with zicht (YAML files next to this module)."""

import json
from pathlib import Path

import yaml

from zicht.protocols.schedule import DefinitionError, validate

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


def load_definition(key_or_path):
    """Read one definition by key ('student') or file path; dates become ISO strings (JSON-safe)."""
    path = Path(key_or_path)
    if not path.suffix:
        path = DEFINITIONS_DIR / f"{key_or_path}.yaml"
    if not path.exists():
        raise DefinitionError(f"no protocol definition {key_or_path!r} (looked in {path})")
    definition = json.loads(json.dumps(yaml.safe_load(path.read_text(encoding="utf-8")), default=str))
    problems = validate(definition)
    if problems:
        raise DefinitionError(f"{path.name}: " + "; ".join(problems))
    return definition


def shipped_keys():
    return sorted(p.stem for p in DEFINITIONS_DIR.glob("*.yaml"))
