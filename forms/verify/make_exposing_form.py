"""Writes forms/verify/exposing_form.xlsx: a deliberately bad form for the tests of the
do-no-harm check (crates/lantern-core/src/catalog.rs, crates/lantern-cli/tests).

It declares a `purpose` sheet (so it is meant for shared aggregates) and asks a name,
a GPS point and unmarked free text. It lives in forms/verify/, not forms/, so no scan of
the built-in forms picks it up. Run from the repository root:
python3 forms/verify/make_exposing_form.py
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
from openpyxl import Workbook  # noqa: E402
from xlsform_sheets import FIXED_DATE, _pin_zip_dates  # noqa: E402

SHEETS = {
    "survey": [
        ["type", "name", "label", "relevant", "lantern::share"],
        ["select_one sites", "site", "Site", None, None],
        ["select_one yn", "consent", "Do you agree to take part?", None, None],
        ["text", "respondent", "What is your name?", "${consent} = 'yes'", "never"],
        ["geopoint", "shelter", "Shelter location", "${consent} = 'yes'", None],
        ["text", "comments", "Comments", "${consent} = 'yes'", None],
    ],
    "choices": [
        ["list_name", "name", "label"],
        ["sites", "s1", "Site 1"],
        ["yn", "yes", "Yes"],
        ["yn", "no", "No"],
    ],
    "settings": [["form_id", "version"], ["exposing_form", "2026113001"]],
    "purpose": [
        ["purpose", "data_owner", "retention_days", "sensitivity", "min_responses",
         "consent_field", "consent_value", "site_field", "round_field"],
        ["Test of the do-no-harm check", "Nobody", 30, "high", 5, "consent", "yes", "site", "site"],
    ],
}

if __name__ == "__main__":
    book = Workbook()
    for i, (name, rows) in enumerate(SHEETS.items()):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = name
        for r in rows:
            sheet.append(r)
    book.properties.created = FIXED_DATE
    book.properties.modified = FIXED_DATE
    out = Path(__file__).resolve().parent / "exposing_form.xlsx"
    book.save(out)
    _pin_zip_dates(out)
    print(f"wrote {out}")
