"""The docs are part of the product: a setting or command that is not documented fails here."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_environment_setting_is_documented():
    settings_source = (ROOT / "src/zicht/settings.py").read_text()
    names = set(re.findall(r'env_(?:str|bool|int)\(\s*"([A-Z_]+)"', settings_source))
    documented = (ROOT / "docs/settings.md").read_text()
    missing = sorted(name for name in names if f"`{name}`" not in documented)
    assert names, "no settings found: the pattern no longer matches settings.py"
    assert missing == []


def test_readme_starts_with_the_two_commands_and_ci_runs_the_second():
    readme = (ROOT / "README.md").read_text().splitlines()
    block = readme[readme.index("```sh") + 1 : readme.index("```sh") + 3]
    run_command = block[0].split("#")[0].strip()
    test_command = block[1].split("#")[0].strip()
    assert run_command == "bash scripts/demo.sh"
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert test_command in ci_lines
    # The two commands come before anything else in the README but the title.
    assert readme.index("```sh") <= 2
