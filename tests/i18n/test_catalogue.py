"""The English catalogue is complete, keeps every placeholder, and the committed .mo matches the .po."""

import gettext
import re
from pathlib import Path

from django.conf import settings

LOCALE = Path(settings.BASE_DIR) / "locale" / "en" / "LC_MESSAGES"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%%")
ESCAPES = {"n": "\n", "t": "\t"}
TEMPLATE_LITERAL = re.compile(r"""{%\s*(?:translate|trans)\s+(["'])(.+?)\1""")


def po_entries():
    """(msgid, msgid_plural, [msgstr…], flags) for each live entry of django.po."""
    entries = []
    for block in (LOCALE / "django.po").read_text(encoding="utf-8").split("\n\n"):
        fields, current, flags = {}, None, set()
        for line in block.splitlines():
            if line.startswith("#~"):
                fields = {}
                break
            if line.startswith("#,"):
                flags.update(flag.strip() for flag in line[2:].split(","))
            elif match := re.match(r'^(msgid_plural|msgid|msgstr(?:\[\d\])?) (".*")$', line):
                current = match.group(1)
                fields[current] = _unquote(match.group(2))
            elif line.startswith('"') and current:
                fields[current] += _unquote(line)
        if fields.get("msgid"):
            strings = [value for key, value in sorted(fields.items()) if key.startswith("msgstr")]
            entries.append((fields["msgid"], fields.get("msgid_plural"), strings, flags))
    return entries


def _unquote(text):
    return re.sub(r"\\(.)", lambda match: ESCAPES.get(match.group(1), match.group(1)), text[1:-1])


def test_every_italian_msgid_has_an_english_translation_that_is_not_fuzzy():
    entries = po_entries()
    assert len(entries) > 400
    untranslated = [msgid for msgid, _, strings, _ in entries if not all(strings)]
    fuzzy = [msgid for msgid, _, _, flags in entries if "fuzzy" in flags]
    assert untranslated == []
    assert fuzzy == []


def test_every_translation_keeps_the_placeholders_of_its_msgid():
    broken = []
    for msgid, plural, strings, _ in po_entries():
        expected = sorted(PLACEHOLDER.findall(plural or msgid))
        for translation in strings:
            # The singular of a plural may leave out the number ("Your PEC mailbox is about to expire").
            if sorted(PLACEHOLDER.findall(translation)) != expected and not (plural and translation is strings[0]):
                broken.append((msgid, translation))
    assert broken == []


def test_the_compiled_catalogue_matches_the_po_file():
    with open(LOCALE / "django.mo", "rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)
    stale = []
    for msgid, plural, strings, _ in po_entries():
        if plural:
            got = [catalogue.ngettext(msgid, plural, 1), catalogue.ngettext(msgid, plural, 2)]
        else:
            got = [catalogue.gettext(msgid)]
        if got != strings:
            stale.append(msgid)
    assert stale == [], "run: manage.py compilemessages --ignore=.venv"


def test_every_literal_translate_tag_in_the_templates_is_in_the_catalogue():
    known = {msgid for msgid, _, _, _ in po_entries()}
    missing = []
    for template in (Path(settings.BASE_DIR) / "templates").rglob("*"):
        if template.suffix in {".html", ".txt"}:
            for _, msgid in TEMPLATE_LITERAL.findall(template.read_text(encoding="utf-8")):
                # Django doubles "%" in a template literal before looking it up, as makemessages does.
                if msgid.replace("%", "%%") not in known:
                    missing.append(f"{template.name}: {msgid}")
    assert missing == [], "run: manage.py makemessages -l en … and translate the new msgids"
