"""The README and docs/ name only code that exists: every `path/to/file` and every
`app.module.name` they quote in backticks resolves."""

import importlib
import re
from pathlib import Path

import pytest
from django.apps import apps

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
PACKAGES = ("pecportal", "api", "renewals", "addons", "billing", "invoices", "mailboxes", "audit", "accounts", "core")
QUOTED = re.compile(r"`([^`\s]+)`")
FILE = re.compile(r"^(?:[\w.-]+/)+[\w.-]+\.(?:py|html|txt|sh|md|yml|lua|xsd|po|css|js|png)$")
# A folder is quoted as `tests/renewals/`; `admin/` is a URL, so only the repository's own folders count,
# not those the portal makes as it runs (`var/mail/` exists only once an e-mail was written).
RUNTIME_FOLDERS = {"var", "staticfiles"}
FOLDER = re.compile(rf"^(?:{'|'.join(p.name for p in ROOT.iterdir() if p.is_dir() and not p.name.startswith('.') and p.name not in RUNTIME_FOLDERS)})/(?:[\w-]+/)*$")
DOTTED = re.compile(rf"^(?:{'|'.join(PACKAGES)})(?:\.\w+)+$")


def quoted_names(doc):
    for token in QUOTED.findall(doc.read_text()):
        token = token.rstrip(".,:;").removesuffix("()")
        if FILE.match(token) or FOLDER.match(token) or DOTTED.match(token):
            yield token


def resolves(name):
    if "/" in name:
        return (ROOT / name).exists()
    if _is_model_or_permission(name):
        return True
    parts = name.split(".")
    for split in range(len(parts), 0, -1):
        try:
            target = importlib.import_module(".".join(parts[:split]))
        except ImportError:
            continue
        try:
            for attribute in parts[split:]:
                target = getattr(target, attribute)
        except AttributeError:
            return False
        return True
    return False


def _is_model_or_permission(name):
    """`billing.Wallet` (a model's label) or `billing.adjust_credit` (a permission)."""
    app_label, _, rest = name.partition(".")
    if "." in rest or app_label not in {config.label for config in apps.get_app_configs()}:
        return False
    models = apps.get_app_config(app_label).get_models()
    return any(model.__name__ == rest or rest in {codename for codename, _ in model._meta.permissions}
               or rest in {f"{action}_{model._meta.model_name}" for action in model._meta.default_permissions}
               for model in models)


@pytest.mark.parametrize("doc", DOCS, ids=lambda doc: doc.name)
def test_every_quoted_name_exists(doc):
    missing = sorted({name for name in quoted_names(doc) if not resolves(name)})
    assert missing == [], f"{doc.name} names what does not exist: {missing}"


def test_the_check_finds_names_and_misses():
    assert resolves("billing.services.wallet_post") and resolves("core/money.py")
    assert resolves("billing.Wallet") and resolves("billing.view_wallet")
    assert not resolves("billing.services.no_such_function") and not resolves("core/no_such_file.py")
    assert not resolves("billing.NoSuchModel")
