"""Runs every scenario in forms/scenarios/ through JavaRosa and compares it with its `expect`.

JavaRosa (ODK Collect's form engine, shipped inside pyxform's ODK Validate jar) is the
reference implementation of XLSForm/XForms behaviour, so this is an independent check of
the hand-worked expectations until Lantern's own engine can run the same files. For each
form it builds a checking copy of the workbook in a temporary folder in which:

- every indicator becomes a calculate `zz_ind_<name>` (inside the repeat for repeat-scoped
  indicators) whose value is `null` when the record does not count (consent not given,
  filter or denominator false), `true`/`false` for count/proportion, else the number;
- the site question reads from the choices sheet instead of the external sites.csv.

Then it converts the copy with pyxform, fills it once per scenario with FillScenario.java,
and compares relevance, outcomes, calculated values and indicator inputs.

Needs java (JDK 17) and pyxform (with its ODK Validate jar). From the repository root:
    python3 forms/verify/check_scenarios.py
Exits non-zero on any mismatch.
"""

from __future__ import annotations

import csv
import json
import math
import os
import runpy
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMS = HERE.parent
sys.path.insert(0, str(FORMS / "src"))

import pyxform  # noqa: E402
import xlsform_sheets as xs  # noqa: E402
from openpyxl import Workbook  # noqa: E402

JAR = Path(pyxform.__file__).parent / "validators/odk_validate/bin/ODK_Validate.jar"
BUILT_IN = ["camp_safety_audit", "womens_participation", "shelter_site_risk_review"]
KINDS = {"integer": "int", "select_one": "one", "select_multiple": "multi"}


def xls2xform() -> str:
    venv = FORMS.parent / ".venv/bin/xls2xform"
    return str(venv) if venv.exists() else "xls2xform"


def checking_copy(form: str, work: Path) -> tuple[dict, dict, Path]:
    """Writes the checking copy of a form and returns (field kinds, indicators, XForm path)."""
    mod = runpy.run_path(str(FORMS / "src" / f"{form}.py"), run_name="check")
    survey = [dict(r) for r in mod["SURVEY"]]
    purpose = dict(zip(mod["PURPOSE"][0], mod["PURPOSE"][1]))
    consent = f"${{{purpose['consent_field']}}} = '{purpose['consent_value']}'"
    kinds = {}
    for r in survey:
        if r["type"].startswith("select_one_from_file"):
            r["type"] = "select_one sites"
        kinds[r["name"]] = KINDS.get(r["type"].split()[0], "text")
    per_submission, per_repeat = [], {}
    for ind in mod["INDICATORS"]:
        cond = " and ".join(f"({c})" for c in [consent, ind["filter"], ind["denominator"]] if c)
        if ind["kind"] in ("count", "proportion"):
            calc = f"if({cond}, if({ind['value']}, 'true', 'false'), 'null')"
        else:
            calc = f"if({cond}, {ind['value']}, 'null')"
        row = {"type": "calculate", "name": f"zz_ind_{ind['name']}", "calculation": calc}
        target = per_repeat.setdefault(ind["scope"], []) if ind["scope"] else per_submission
        target.append(row)
    rows, open_repeats = [], []
    for r in survey:
        if r["type"] == "begin repeat":
            open_repeats.append(r["name"])
        if r["type"] == "end repeat":
            rows.extend(per_repeat.get(open_repeats.pop(), []))
        rows.append(r)
    rows.extend(per_submission)
    with open(FORMS / "sites.csv", encoding="utf-8") as f:
        sites = [r["name"] for r in csv.DictReader(f)]
    choices = list(mod["CHOICES"]) + [xs.choice("sites", s, xs.T(s, s, s, s)) for s in sites]
    book = Workbook()
    sheets = [("survey", xs.survey_sheet(rows)), ("choices", xs.choices_sheet(choices)),
              ("settings", mod["SETTINGS"])]
    for i, (name, cells) in enumerate(sheets):
        sheet = book.active if i == 0 else book.create_sheet()
        sheet.title = name
        for line in cells:
            sheet.append([c if c != "" else None for c in line])
    xlsx, xml = work / f"{form}.xlsx", work / f"{form}.xml"
    book.save(xlsx)
    subprocess.run([xls2xform(), "--skip_validate", str(xlsx), str(xml)], check=True,
                   capture_output=True)
    return kinds, {i["name"]: i for i in mod["INDICATORS"]}, xml


def matches(expected, got) -> bool:
    if expected is None:
        return got == "null"
    if isinstance(expected, bool):
        return got == ("true" if expected else "false")
    if isinstance(expected, (int, float)):
        try:
            return math.isclose(float(got), expected, rel_tol=1e-9, abs_tol=1e-9)
        except (TypeError, ValueError):
            return False
    return str(expected) == got


def main() -> int:
    if not shutil.which("java") or not shutil.which("javac"):
        print("java and javac are needed (apt-get install openjdk-17-jdk-headless)")
        return 2
    work = Path(tempfile.mkdtemp(prefix="lantern-scenarios-"))
    try:
        subprocess.run(["javac", "-cp", str(JAR), "-d", str(work), str(HERE / "FillScenario.java")],
                       check=True)
        checked = mismatches = 0
        for form in BUILT_IN:
            kinds, indicators, xml = checking_copy(form, work)
            for path in sorted((FORMS / "scenarios" / form).glob("*.json")):
                scenario = json.loads(path.read_text(encoding="utf-8"))
                lines = []
                for name, value in scenario["answers"].items():
                    if isinstance(value, list):
                        lines.append(f"#repeat\t{name}\t{len(value)}")
                        for i, instance in enumerate(value, start=1):
                            for inner, v in instance.items():
                                lines.append(f"{name}[{i}]/{inner}\t{kinds[inner]}\t{v}")
                    else:
                        lines.append(f"{name}\t{kinds[name]}\t{value}")
                answers = work / "answers.tsv"
                answers.write_text("\n".join(lines) + "\n", encoding="utf-8")
                run = subprocess.run(
                    ["java", "-cp", f"{JAR}{os.pathsep}{work}", "FillScenario", str(xml), str(answers)],
                    capture_output=True, text=True)
                if run.returncode:
                    print(f"{form}/{path.name}: JavaRosa failed\n{run.stderr[-3000:]}")
                    return 1
                outcomes, nodes = {}, {}
                for line in run.stdout.splitlines():
                    f = line.split("\t")
                    if f[0] == "outcome":
                        outcomes[f[1]] = f[2]
                    elif f[0] == "node":
                        nodes[f[1]] = (f[2] == "true", f[3])
                expect = scenario["expect"]
                found = []
                for key, want in expect["relevant"].items():
                    found.append(("relevant", key, want, nodes.get(key, (None,))[0], want == nodes.get(key, (None,))[0]))
                for key, want in expect["outcomes"].items():
                    # A question the engine never asked (not relevant) is neither required nor constrained.
                    got = outcomes.get(key, "Ok" if not nodes.get(key, (True,))[0] else "(not asked)")
                    found.append(("outcome", key, want, got, want == got))
                for key, want in expect["values"].items():
                    got = nodes.get(key, (None, None))[1]
                    found.append(("value", key, want, got, matches(want, got)))
                for key, want in expect["indicator_inputs"].items():
                    scope = indicators[key]["scope"]
                    if scope:
                        for i, w in enumerate(want, start=1):
                            got = nodes.get(f"{scope}[{i}]/zz_ind_{key}", (None, None))[1]
                            found.append(("indicator", f"{key}[{i}]", w, got, matches(w, got)))
                    else:
                        got = nodes.get(f"zz_ind_{key}", (None, None))[1]
                        found.append(("indicator", key, want, got, matches(want, got)))
                bad = [f for f in found if not f[4]]
                checked += len(found)
                mismatches += len(bad)
                print(f"{'ok  ' if not bad else 'FAIL'}  {form}/{path.name}: {len(found)} expectations")
                for what, key, want, got, _ in bad:
                    print(f"      {what} {key}: expected {want!r}, JavaRosa {got!r}")
        print(f"{checked} expectations checked, {mismatches} mismatches")
        return 1 if mismatches else 0
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
