"""Builds forms/site_visit_check.xlsx, a small XLSForm for a quick site visit.

Run from the repository root: python3 forms/src/site_visit_check.py
The .xlsx is committed; this script is its readable source.
"""

from pathlib import Path

from openpyxl import Workbook

SURVEY = [
    ["type", "name", "label::English (en)", "label::Français (fr)", "hint::English (en)",
     "hint::Français (fr)", "required", "relevant", "constraint",
     "constraint_message::English (en)", "constraint_message::Français (fr)"],
    ["start", "start", "", "", "", "", "", "", "", "", ""],
    ["end", "end", "", "", "", "", "", "", "", "", ""],
    ["text", "site_code", "Site code (P-code)", "Code du site (P-code)",
     "As on the site list, e.g. SO2401-0001", "Comme sur la liste des sites, ex. SO2401-0001",
     "yes", "", "", "", ""],
    ["select_one walk_time", "walk_time", "When is this visit?", "Quand a lieu cette visite ?",
     "", "", "yes", "", "", "", ""],
    ["select_one lighting", "lighting", "Lighting in communal areas and on routes",
     "Éclairage des espaces communs et des chemins", "", "", "yes", "", "", "", ""],
    ["integer", "latrines_sampled", "Latrines checked", "Latrines vérifiées", "", "", "yes", "",
     ". >= 0 and . <= 500", "Enter a number between 0 and 500",
     "Saisissez un nombre entre 0 et 500"],
    ["integer", "latrines_lockable", "Of these, lockable from inside",
     "Parmi elles, verrouillables de l'intérieur", "", "", "yes", "${latrines_sampled} > 0",
     ". >= 0 and . <= ${latrines_sampled}",
     "Cannot be more than the latrines checked",
     "Ne peut pas dépasser le nombre de latrines vérifiées"],
    ["note", "thanks", "Thank you. Do not record anyone's name.",
     "Merci. N'enregistrez le nom de personne.", "", "", "", "", "", "", ""],
]

CHOICES = [
    ["list_name", "name", "label::English (en)", "label::Français (fr)"],
    ["walk_time", "day", "Day", "Jour"],
    ["walk_time", "night", "Night", "Nuit"],
    ["lighting", "none", "None", "Aucun"],
    ["lighting", "some", "Some", "Partiel"],
    ["lighting", "most", "Most", "La plupart"],
    ["lighting", "all", "All", "Tout"],
]

SETTINGS = [
    ["form_title", "form_id", "version", "default_language"],
    ["Site visit check", "site_visit_check", "2026112301", "English (en)"],
]


def main() -> None:
    book = Workbook()
    for index, (name, rows) in enumerate(
        [("survey", SURVEY), ("choices", CHOICES), ("settings", SETTINGS)]
    ):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = name
        for row in rows:
            sheet.append(row)
    out = Path(__file__).resolve().parent.parent / "site_visit_check.xlsx"
    book.save(out)
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
