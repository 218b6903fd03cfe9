"""Public API of the questionnaire engine; other apps import from here only.

- validate_definition(data) -> normalised dict, or DefinitionError naming the bad field
- render_form(definition, *, variables, language, values=None, errors=None, prefix="") -> SafeString
- parse_submission(definition, data, *, variables, language, prefix="") -> Submission
- questionnaire_texts(definition, *, variables, language) -> {"title", "description"} (plain text)
- variables_for(window) -> dict of facts for {{variables}}
- stopping_options(definition, answers) -> [(item id, option code)] that end the subscription
- values_from_answers(definition, answers) -> form values (prefill, drafts)

The format is documented in docs/questionnaire-format.md.
"""

from .definition import DefinitionError, iter_items, validate_definition
from .parse import Submission, chosen_codes, parse_submission, stopping_options, values_from_answers
from .render import questionnaire_texts, render_form
from .variables import variables_for

__all__ = [
    "DefinitionError",
    "Submission",
    "chosen_codes",
    "iter_items",
    "parse_submission",
    "questionnaire_texts",
    "render_form",
    "stopping_options",
    "validate_definition",
    "values_from_answers",
    "variables_for",
]
