"""Publishing the YAML definitions in definitions/ as immutable QuestionnaireVersion rows."""

from pathlib import Path

import yaml
from django.db import transaction
from django.utils import timezone

from .definition import DefinitionError, validate_definition
from .models import Questionnaire, QuestionnaireVersion, definition_checksum

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"


class _UniqueKeyLoader(yaml.SafeLoader):
    """A YAML loader that refuses duplicate keys (a silent override is an authoring mistake)."""


def _construct_mapping(loader, node, deep=False):
    keys = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in keys:
            raise DefinitionError(f"line {key_node.start_mark.line + 1}", f"duplicate key {key!r}")
        keys.add(key)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_file(path):
    """Read and validate one YAML file; errors name the file and the field."""
    path = Path(path)
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_UniqueKeyLoader)
        definition = validate_definition(data)
    except DefinitionError as error:
        raise DefinitionError(
            f"{path.name}: {error.path}" if error.path else path.name, error.problem
        ) from None
    except yaml.YAMLError as error:
        raise DefinitionError(path.name, f"not valid YAML: {error}") from None
    if definition["key"] != path.stem:
        raise DefinitionError(f"{path.name}: key", f"must equal the file name ({path.stem!r})")
    return definition


def load_definitions(directory=None):
    """All definitions in the directory, validated, keyed by questionnaire key."""
    directory = Path(directory or DEFINITIONS_DIR)
    return {d["key"]: d for d in (load_file(p) for p in sorted(directory.glob("*.yaml")))}


def sync_definitions(now=None, directory=None):
    """Publish a new version of every definition whose content is not published yet.

    Idempotent: a definition equal to any existing version publishes nothing. Published versions
    are never changed. Every file is validated before anything is written.
    Returns the newly published versions.
    """
    now = now or timezone.now()
    definitions = load_definitions(directory)
    published = []
    with transaction.atomic():
        for key, definition in definitions.items():
            questionnaire, _ = Questionnaire.objects.get_or_create(
                key=key, defaults={"title": definition["title"]["nl"]}
            )
            if questionnaire.title != definition["title"]["nl"]:
                questionnaire.title = definition["title"]["nl"]
                questionnaire.save(update_fields=["title"])
            checksum = definition_checksum(definition)
            versions = questionnaire.versions.select_for_update()
            if versions.filter(checksum=checksum).exists():
                continue
            last = versions.order_by("-number").values_list("number", flat=True).first() or 0
            published.append(
                QuestionnaireVersion.objects.create(
                    questionnaire=questionnaire, number=last + 1, definition=definition, published_at=now
                )
            )
    return published
