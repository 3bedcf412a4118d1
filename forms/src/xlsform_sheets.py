"""Shared writer for Lantern's built-in XLSForms.

Each form source in this folder (camp_safety_audit.py, womens_participation.py,
shelter_site_risk_review.py) describes its rows with the small builders below and calls
`write_form`, which lays out the `survey`, `choices`, `settings`, `purpose` and
`indicators` sheets with one column per language. Translations are passed side by side
as `T(en, fr, es, ar)` so that a reviewer of one language can read down a column.

Run a form source from the repository root, e.g. `python3 forms/src/camp_safety_audit.py`;
`python3 forms/src/build_all.py` rebuilds all three. The .xlsx files are committed.
"""

from __future__ import annotations

import re
import zipfile
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from openpyxl import Workbook
from openpyxl.styles import Font

# Column suffixes as XLSForm writes them: `label::English (en)`. English is the default.
LANGUAGES = ["English (en)", "Français (fr)", "Español (es)", "العربية (ar)"]
DEFAULT_LANGUAGE = LANGUAGES[0]
FIXED_DATE = datetime(2026, 11, 23)


class T(NamedTuple):
    """One text in the four languages, in the order of LANGUAGES."""

    en: str
    fr: str
    es: str
    ar: str


# Shown when a required question is left empty, unless a row gives its own message.
REQUIRED = T(
    "Please answer this question before going on",
    "Veuillez répondre à cette question avant de continuer",
    "Responda esta pregunta antes de continuar",
    "يُرجى الإجابة عن هذا السؤال قبل المتابعة",
)

# Columns of the survey sheet that take a translation, in sheet order.
SURVEY_TEXT_COLUMNS = ["label", "hint", "required_message", "constraint_message"]
SURVEY_PLAIN_COLUMNS = [
    "required",
    "relevant",
    "constraint",
    "calculation",
    "choice_filter",
    "appearance",
    "default",
    "read_only",
    "parameters",
    # Lantern's marker for answers that never leave the device, not even aggregated;
    # pyxform ignores unknown survey columns, so the form stays a valid XLSForm.
    "lantern::share",
]
# A picture shown with a question or choice (the face scales): one file next to the
# workbook, written under every language (pyxform wants media per language).
MEDIA_IMAGE = "media::image"


def row(type_: str, name: str = "", label: T | None = None, **columns: object) -> dict:
    """A survey row. Translated columns take a T; `required=True` adds REQUIRED."""
    out: dict = {"type": type_, "name": name}
    if label is not None:
        out["label"] = label
    for key, value in columns.items():
        key = {"share": "lantern::share", "image": "media::image"}.get(key, key)
        if key == "required" and value is True:
            out["required"] = "yes"
            out.setdefault("required_message", REQUIRED)
        else:
            out[key] = value
    if type_ == "text":
        # Free text may hold anything, including things that identify someone.
        out["lantern::share"] = "never"
    return out


def consent_notes(prefix: str, paragraphs: list[T], **columns: object) -> list[dict]:
    """The consent script as notes the enumerator reads aloud, one per paragraph, so
    that it is shown in Lantern, ODK Collect and Kobo alike (not only on the purpose
    sheet)."""
    return [row("note", f"{prefix}_{i}", text, **columns) for i, text in enumerate(paragraphs, 1)]


def joined(paragraphs: list[T]) -> T:
    """The paragraphs of a script as one text per language (for the purpose sheet)."""
    return T(*(" ".join(p[i] for p in paragraphs) for i in range(len(LANGUAGES))))


def interview_status_row(label: T, **columns: object) -> dict:
    return row("select_one interview_status", "interview_status", label,
               hint=T("If it stopped early, go to this question (from the form's question list), answer it, and finalise: unanswered questions are then left empty",
                      "S'il s'est arrêté avant la fin, allez à cette question (depuis la liste des questions), répondez-y et finalisez : les questions sans réponse restent vides",
                      "Si terminó antes, vaya a esta pregunta (desde la lista de preguntas), respóndala y finalice: las preguntas sin respuesta quedan vacías",
                      "إذا توقفت قبل النهاية فانتقل إلى هذا السؤال (من قائمة الأسئلة) وأجب عنه ثم أنهِ الاستمارة: تبقى الأسئلة التي لم يُجَب عنها فارغة"),
               required=True, **columns)


def required_until_stopped(rows: list[dict], after: str, keep: set[str] = frozenset()) -> list[dict]:
    """Makes every required row after the one named `after` required only while the
    interview goes on (see STILL_GOING); `keep` names rows that stay plainly required."""
    seen = False
    for r in rows:
        if seen and r.get("required") == "yes" and r["name"] not in keep and r["name"] != "interview_status":
            r["required"] = STILL_GOING
        if r["name"] == after:
            seen = True
    return rows


def end(kind: str) -> dict:
    """Closes a group or repeat (`end group`, `end repeat`)."""
    return {"type": f"end {kind}", "name": ""}


def choice(list_name: str, name: str, label: T, image: str = "") -> list:
    """A choice; `image` names a picture shown with it (e.g. a face of the scale)."""
    return [list_name, name, *label, image]


def _text_cells(value: object) -> list[str]:
    if value is None or value == "":
        return [""] * len(LANGUAGES)
    if isinstance(value, T):
        return list(value)
    raise TypeError(f"expected T(...) for a translated column, got {value!r}")


def survey_sheet(rows: list[dict]) -> list[list[str]]:
    header = ["type", "name"]
    for col in SURVEY_TEXT_COLUMNS:
        header += [f"{col}::{lang}" for lang in LANGUAGES]
    header += SURVEY_PLAIN_COLUMNS
    header += [f"{MEDIA_IMAGE}::{lang}" for lang in LANGUAGES]
    out = [header]
    for r in rows:
        unknown = set(r) - {"type", "name", *SURVEY_TEXT_COLUMNS, *SURVEY_PLAIN_COLUMNS, MEDIA_IMAGE}
        if unknown:
            raise KeyError(f"row {r.get('name')}: unknown columns {sorted(unknown)}")
        cells = [r["type"], r["name"]]
        for col in SURVEY_TEXT_COLUMNS:
            cells += _text_cells(r.get(col))
        cells += [str(r.get(col, "")) for col in SURVEY_PLAIN_COLUMNS]
        cells += [str(r.get(MEDIA_IMAGE, ""))] * len(LANGUAGES)
        out.append(cells)
    return out


def choices_sheet(choices: list[list]) -> list[list[str]]:
    header = ["list_name", "name"] + [f"label::{lang}" for lang in LANGUAGES]
    header += [f"{MEDIA_IMAGE}::{lang}" for lang in LANGUAGES]
    rows = []
    for c in choices:
        c = list(c) + [""] * (3 + len(LANGUAGES) - len(c))
        rows.append(c[:2 + len(LANGUAGES)] + [c[2 + len(LANGUAGES)]] * len(LANGUAGES))
    return [header, *rows]


def settings_sheet(title: str, form_id: str, version: str, style: str = "pages") -> list:
    return [
        ["form_title", "form_id", "version", "default_language", "style"],
        [title, form_id, version, DEFAULT_LANGUAGE, style],
    ]


def purpose_sheet(purpose: T, consent_script: T, **fields: object) -> list[list[str]]:
    """The `purpose` sheet: one header row, one row of values (see forms/README.md)."""
    order = [
        "data_owner",
        "retention_days",
        "sensitivity",
        "min_cell_size",
        "min_responses",
        "consent_field",
        "consent_value",
        "site_field",
        "round_field",
        "sex_field",
        "age_band_field",
        "wg_fields",
        "screening_fields",
    ]
    unknown = set(fields) - set(order)
    if unknown:
        raise KeyError(f"unknown purpose columns {sorted(unknown)}")
    header = ["purpose"] + [f"purpose::{lang}" for lang in LANGUAGES]
    values = [purpose.en, *purpose]
    header += [f"consent_script::{lang}" for lang in LANGUAGES]
    values += list(consent_script)
    header += order
    values += [str(fields.get(k, "")) for k in order]
    return [header, values]


INDICATOR_PLAIN = ["value", "denominator", "filter", "disaggregate", "min_cell", "hxl"]


def indicator(
    name: str,
    label: T,
    kind: str,
    value: str,
    *,
    scope: str = "",
    denominator: str = "",
    filter: str = "",
    disaggregate: str = "",
    min_cell: int | str = "",
    hxl: str = "",
    sector: str = "",
    higher_is: str = "",
    amber: object = "",
    red: object = "",
    action: T | None = None,
) -> dict:
    return dict(
        name=name, label=label, kind=kind, scope=scope, value=value,
        denominator=denominator, filter=filter, disaggregate=disaggregate,
        min_cell=min_cell, hxl=hxl, sector=sector, higher_is=higher_is,
        amber=amber, red=red, action=action,
    )


def indicators_sheet(indicators: list[dict]) -> list[list[str]]:
    header = ["name", "label"] + [f"label::{lang}" for lang in LANGUAGES]
    header += ["kind", "scope", *INDICATOR_PLAIN, "sector", "higher_is", "amber", "red"]
    header += ["action"] + [f"action::{lang}" for lang in LANGUAGES]
    out = [header]
    names = set()
    for ind in indicators:
        if ind["name"] in names:
            raise KeyError(f"indicator {ind['name']} declared twice")
        names.add(ind["name"])
        cells = [ind["name"], ind["label"].en, *ind["label"], ind["kind"], ind["scope"]]
        cells += [str(ind[k]) for k in INDICATOR_PLAIN]
        cells += [ind["sector"], ind["higher_is"], str(ind["amber"]), str(ind["red"])]
        action = ind["action"]
        cells += [action.en, *action] if action else [""] * (1 + len(LANGUAGES))
        out.append(cells)
    return out


def _pin_zip_dates(path: Path) -> None:
    """Rewrites the .xlsx with fixed entry dates and metadata so rebuilds are stable."""
    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info.filename)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-11-23T00:00:00Z", data)
            info = zipfile.ZipInfo(name, date_time=(2026, 11, 23, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(info, data)


def write_form(
    file_name: str,
    survey: list[dict],
    choices: list[list],
    settings: list[list],
    purpose: list[list],
    indicators: list[list],
) -> Path:
    book = Workbook()
    sheets = [
        ("survey", survey_sheet(survey)),
        ("choices", choices_sheet(choices)),
        ("settings", settings),
        ("purpose", purpose),
        ("indicators", indicators),
    ]
    for index, (name, rows) in enumerate(sheets):
        sheet = book.active if index == 0 else book.create_sheet()
        sheet.title = name
        for cells in rows:
            # Empty strings are written as empty cells so pyxform sees no stray values.
            sheet.append([c if c != "" else None for c in cells])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
    # Fixed document dates keep a rebuild byte-identical when no row changed.
    book.properties.created = FIXED_DATE
    book.properties.modified = FIXED_DATE
    book.properties.creator = "Lantern forms/src"
    out = Path(__file__).resolve().parent.parent / file_name
    book.save(out)
    _pin_zip_dates(out)
    print(f"wrote {out}")
    return out


# How the interview (or walk, or review) ended. Filled in at the end; a stopped or
# interrupted one can be finalised without the questions it did not reach, because
# those are required only while the status is empty or "completed".
STILL_GOING = "${interview_status} = '' or ${interview_status} = 'completed'"
INTERVIEW_STATUS = [
    choice("interview_status", "completed", T("Completed", "Terminé", "Completada", "اكتملت")),
    choice("interview_status", "stopped", T("Stopped: the person (or group) chose to stop", "Arrêté : la personne (ou le groupe) a choisi d'arrêter", "Detenida: la persona (o el grupo) decidió parar", "توقفت: اختار الشخص (أو المجموعة) التوقف")),
    choice("interview_status", "interrupted_safety", T("Interrupted for safety (someone came near, or it was no longer safe to go on)", "Interrompu pour raison de sécurité (quelqu'un s'est approché ou il n'était plus sûr de continuer)", "Interrumpida por seguridad (alguien se acercó o ya no era seguro continuar)", "قُطعت لأسباب تتعلق بالسلامة (اقترب أحدهم أو لم يعد الاستمرار آمنًا)")),
]



# Lists shared by more than one form.
YES_NO = [
    choice("yes_no", "yes", T("Yes", "Oui", "Sí", "نعم")),
    choice("yes_no", "no", T("No", "Non", "No", "لا")),
]

YES_PARTIAL_NO = [
    choice("yes_partial_no", "yes", T("Yes", "Oui", "Sí", "نعم")),
    choice("yes_partial_no", "partial", T("Partly", "En partie", "En parte", "جزئيًا")),
    choice("yes_partial_no", "no", T("No", "Non", "No", "لا")),
]

# The pictorial 4-face safety scale (Tearfund Indikit "safety in access").
FACE4_SAFE = [
    choice("face4_safe", "very_safe", T("Very safe", "Très en sécurité", "Muy seguro/a", "آمن جدًا"), "face_very_safe.png"),
    choice("face4_safe", "safe", T("Quite safe", "Plutôt en sécurité", "Bastante seguro/a", "آمن إلى حدٍّ ما"), "face_safe.png"),
    choice("face4_safe", "unsafe", T("Quite unsafe", "Peu en sécurité", "Poco seguro/a", "غير آمن إلى حدٍّ ما"), "face_unsafe.png"),
    choice("face4_safe", "very_unsafe", T("Very unsafe", "Pas du tout en sécurité", "Nada seguro/a", "غير آمن إطلاقًا"), "face_very_unsafe.png"),
]

# How much of something is in place; shared by the audit and the review so that the
# four languages say it the same way. "Not observed" is excluded from scores.
COVERAGE4 = [
    choice("coverage4", "none", T("None", "Aucun(e)", "Ninguno/a", "لا يوجد")),
    choice("coverage4", "some", T("Some", "Quelques-un(e)s", "Algunos/as", "بعضها")),
    choice("coverage4", "most", T("Most", "La plupart", "La mayoría", "معظمها")),
    choice("coverage4", "all", T("All", "Tous ou toutes", "Todos/as", "جميعها")),
    choice("coverage4", "not_observed", T("Not observed", "Non observé", "No observado", "لم تتم ملاحظته")),
]

SITE_TYPE = [
    choice("site_type", "planned", T("Planned camp", "Camp planifié", "Campamento planificado", "مخيم مخطَّط")),
    choice("site_type", "self_settled", T("Self-settled site or informal settlement", "Site spontané ou installation informelle", "Asentamiento espontáneo o informal", "موقع ذاتي التوطين أو تجمّع غير رسمي")),
    choice("site_type", "collective", T("Collective centre", "Centre collectif", "Centro colectivo", "مركز إيواء جماعي")),
    choice("site_type", "transit", T("Transit or reception centre", "Centre de transit ou d'accueil", "Centro de tránsito o recepción", "مركز عبور أو استقبال")),
]

DAY_NIGHT = [
    choice("day_night", "day", T("Day", "Jour", "Día", "نهارًا")),
    choice("day_night", "night", T("Night (after dark)", "Nuit (après la tombée du jour)", "Noche (después del anochecer)", "ليلًا (بعد حلول الظلام)")),
]

# Consent answers used by all three forms' first question.
CONSENT_LIST = [
    choice("consent", "yes", T("Yes, agrees to take part", "Oui, accepte de participer", "Sí, acepta participar", "نعم، يوافق/توافق على المشاركة")),
    choice("consent", "no", T("No, does not agree", "Non, n'accepte pas", "No, no acepta", "لا، لا يوافق/لا توافق")),
]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def update_page(md_name: str, indicators: list[dict]) -> None:
    """Rewrites the indicator table of a form's page (forms/<form>.md) from its
    indicators, so the page always documents exactly what the workbook computes. The
    table is the one whose header starts `| Indicator | Definition`."""
    path = Path(__file__).resolve().parent.parent / md_name
    lines = path.read_text(encoding="utf-8").split("\n")
    start = next(i for i, l in enumerate(lines) if l.startswith("| Indicator | Definition"))
    end_ = start + 2
    while end_ < len(lines) and lines[end_].startswith("|"):
        end_ += 1
    rows = []
    for ind in indicators:
        out_of = []
        if ind["denominator"]:
            out_of.append(f"out of: `{ind['denominator']}`")
        if ind["filter"]:
            out_of.append(f"only when: `{ind['filter']}`")
        rows.append("| " + " | ".join(_cell(c) for c in [
            f"`{ind['name']}`", ind["label"].en, ind["kind"], ind["scope"] or "submission",
            f"`{ind['value']}`", "; ".join(out_of), ind["disaggregate"],
            str(ind["min_cell"]) if ind["min_cell"] != "" else "form default",
            f"`{ind['hxl']}`" if ind["hxl"] else "",
        ]) + " |")
    lines[start + 2:end_] = rows
    # The table of risk scores and their actions, when the page has one.
    score_start = next((i for i, l in enumerate(lines) if l.startswith("| Score | Sector |")), None)
    if score_start is not None:
        end_ = score_start + 2
        while end_ < len(lines) and lines[end_].startswith("|"):
            end_ += 1
        lines[score_start + 2:end_] = [
            "| " + " | ".join(_cell(c) for c in [
                f"`{ind['name']}`", ind["sector"], str(ind["amber"]), str(ind["red"]),
                ind["action"].en if ind["action"] else "",
            ]) + " |"
            for ind in indicators if ind["kind"] == "score"
        ]
    path.write_text("\n".join(lines), encoding="utf-8")
    print(f"wrote the indicator table of {path}")
