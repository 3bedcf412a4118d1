"""The differential tier: fills every accepted form of the shared conformance set
(`../shared/conformance/dev/xlsform/`, MANIFEST.tsv: pyxform and ODK Validate both
accept it) and the built-in forms (`forms/*.xlsx`) with the same deterministic random
answer sets through Lantern (crates/lantern-core/examples/differential.rs) and through
JavaRosa, ODK Collect's engine (DiffFill.java, run from pyxform's ODK Validate jar), and
compares, per fill: the outcome of every answer, what blocks finalizing, every node's
relevance, every leaf's value, and the repeat instances (the set of node paths).

Every disagreement must be listed in allow-list.tsv with the spec-notes reference that
justifies it; any other disagreement fails the tier. Prints the agreement figure.

Usage (from the repository root): python3 scripts/differential/differential.py
    [--fills N] [--seed S] [--only NAME]
"""

from __future__ import annotations

import argparse
import csv
import datetime
import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SKIP_VALUE = re.compile(r"^(uuid:)?[0-9a-f]{8}-[0-9a-f]{4}-")


def conformance_dir() -> Path:
    for p in [ROOT.parent / "shared/conformance", ROOT / "../../shared/conformance",
              Path("/work/shared/conformance")]:
        if (p / "dev/xlsform/MANIFEST.tsv").is_file():
            return p.resolve()
    sys.exit("the conformance material (../shared/conformance beside the clone) is missing")


def jar() -> Path:
    import pyxform  # noqa: PLC0415

    return Path(pyxform.__file__).parent / "validators/odk_validate/bin/ODK_Validate.jar"


def xls2xform() -> str:
    venv = ROOT / ".venv/bin/xls2xform"
    return str(venv) if venv.exists() else "xls2xform"


def forms(conf: Path) -> list[tuple[str, Path, Path | None, Path]]:
    """(name, workbook, XForm if already converted, media dir) for every form filled."""
    out = []
    with open(conf / "dev/xlsform/MANIFEST.tsv", encoding="utf-8") as f:
        for row in csv.DictReader(f, delimiter="\t"):
            accepted = row["pyxform_4.5.0"].startswith("ok") and row["odk_validate"].startswith("ok")
            if not accepted:
                continue
            wb = conf / "dev/xlsform/forms" / row["filename"]
            xml = conf / "dev/xlsform/xforms" / (Path(row["filename"]).stem + ".xml")
            out.append((Path(row["filename"]).stem, wb, xml if xml.is_file() else None, wb.parent))
    for wb in sorted((ROOT / "forms").glob("*.xlsx")):
        out.append((f"builtin__{wb.stem}", wb, None, ROOT / "forms"))
    return out


def jr_media(media: Path, out: Path) -> Path:
    """The form's CSV media for JavaRosa. Collect reads an external list's label from a
    column named `label`; a file that only has translated `label::…` columns (as the
    built-in forms' sites.csv) gets a `label` column copied from the first of them, so
    that JavaRosa can load the form at all (Lantern reads the translated columns)."""
    target = out / "jr-media"
    target.mkdir()
    for f in media.glob("*.csv"):
        with open(f, encoding="utf-8", newline="") as src:
            rows = list(csv.reader(src))
        if rows and "label" not in rows[0]:
            translated = [i for i, h in enumerate(rows[0]) if h.startswith("label::")]
            if translated:
                rows = [r + [r[translated[0]] if len(r) > translated[0] else ""] for r in rows]
                rows[0][-1] = "label"
        with open(target / f.name, "w", encoding="utf-8", newline="") as dst:
            csv.writer(dst).writerows(rows)
    return target


def parse(path: Path) -> dict:
    """A driver's output: outcomes, blockers, nodes, and any error."""
    r = {"outcome": {}, "block": {}, "node": {}, "error": None}
    if not path.is_file():
        r["error"] = "no output"
        return r
    for line in path.read_text(encoding="utf-8").splitlines():
        f = line.split("\t")
        if f[0] == "outcome":
            r["outcome"][f[1]] = f[2]
        elif f[0] == "block":
            r["block"][f[1]] = f[2]
        elif f[0] == "node":
            r["node"][f[1]] = (f[2] == "true", f[3], f[4] if len(f) > 4 else "")
        elif f[0] == "error":
            r["error"] = f[1]
    return r


def same_value(a: str, b: str) -> bool:
    if a == b:
        return True
    try:
        return abs(float(a) - float(b)) <= 1e-9 * max(1.0, abs(float(a)))
    except ValueError:
        pass
    # Times: each engine ran at its own instant; the same day is agreement.
    dt = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
    if dt.match(a) and dt.match(b):
        return a[:10] == b[:10]
    return bool(SKIP_VALUE.match(a) and SKIP_VALUE.match(b))


def compare(lantern: dict, jr: dict) -> list[tuple[str, str, str, str]]:
    """Every comparison as (what, path, lantern, javarosa); equal ones have l == j."""
    items = []
    for what in ("outcome", "block"):
        for p in sorted(set(lantern[what]) | set(jr[what])):
            items.append((what, p, lantern[what].get(p, "-"), jr[what].get(p, "-")))
    for p in sorted(set(lantern["node"]) | set(jr["node"])):
        ln, jn = lantern["node"].get(p), jr["node"].get(p)
        if ln is None or jn is None:
            items.append(("instance", p, "present" if ln else "absent", "present" if jn else "absent"))
            continue
        items.append(("relevant", p, str(ln[0]), str(jn[0])))
        if ln[1] == "leaf" and jn[1] == "leaf":
            lv, jv = ln[2], jn[2]
            items.append(("value", p, lv, jv if not same_value(lv, jv) else lv))
    return items


def load_allow_list() -> list[dict]:
    rows = []
    with open(HERE / "allow-list.tsv", encoding="utf-8") as f:
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            form, what, path, reference, *reason = line.rstrip("\n").split("\t")
            rows.append({"form": form, "what": what, "path": path, "ref": reference, "used": 0})
    return rows


def allowed(allow: list[dict], form: str, what: str, path: str) -> dict | None:
    for row in allow:
        if (fnmatch.fnmatchcase(form, row["form"]) and fnmatch.fnmatchcase(what, row["what"])
                and fnmatch.fnmatchcase(path, row["path"])):
            return row
    return None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--fills", type=int, default=10)
    ap.add_argument("--seed", type=int, default=20261130)
    ap.add_argument("--only")
    ap.add_argument("--show", type=int, default=3, help="disagreements shown per form")
    ap.add_argument("--keep", action="store_true", help="keep the work folder")
    args = ap.parse_args()
    if not shutil.which("java") or not shutil.which("javac"):
        print("java and javac are needed (scripts/deps.sh installs openjdk-17-jdk-headless)")
        return 2
    conf = conformance_dir()
    work = Path(tempfile.mkdtemp(prefix="lantern-differential-"))
    try:
        # A debug build: the rust tests tier has built the library already.
        subprocess.run(["cargo", "build", "--quiet", "-p", "lantern-core",
                        "--example", "differential"], check=True, cwd=ROOT)
        example = ROOT / "target/debug/examples/differential"
        subprocess.run(["javac", "-cp", str(jar()), "-d", str(work), str(HERE / "DiffFill.java")],
                       check=True)
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
        todo = [f for f in forms(conf) if not args.only or args.only in f[0]]

        def run(form):
            name, wb, xml, media = form
            out = work / name
            out.mkdir()
            if xml is None:
                xml = out / "form.xml"
                conv = subprocess.run([xls2xform(), "--skip_validate", str(wb), str(xml)],
                                      capture_output=True, text=True)
                if conv.returncode:
                    return name, f"pyxform failed: {conv.stderr[-500:]}"
            lan = subprocess.run([str(example), str(wb), str(media), str(args.fills), str(args.seed),
                                  now, str(out)], capture_output=True, text=True)
            if lan.returncode:
                return name, f"Lantern failed: {lan.stderr[-800:]}"
            files = []
            for k in range(args.fills):
                files += [str(out / f"answers-{k}.tsv"), str(out / f"jr-{k}.txt")]
            jr = subprocess.run(["java", "-cp", f"{jar()}{os.pathsep}{work}", "DiffFill",
                                 str(jr_media(media, out)),
                                 str(xml), *files], capture_output=True, text=True)
            if jr.returncode:
                return name, f"JavaRosa failed: {jr.stderr[-800:]}"
            return name, None

        with ThreadPoolExecutor(max_workers=2) as pool:
            results = list(pool.map(run, todo))

        allow = load_allow_list()
        total = agree = allowed_n = 0
        failed = []
        for (name, error), form in zip(results, todo):
            if error:
                failed.append(name)
                print(f"FAIL  {name}: {error}")
                continue
            bad, shown, fills_n = 0, 0, 0
            for k in range(args.fills):
                lan = parse(work / name / f"lantern-{k}.txt")
                jr = parse(work / name / f"jr-{k}.txt")
                fills_n += 1
                if jr["error"] and not allowed(allow, name, "error", "*"):
                    bad += 1
                    print(f"      {name} fill {k}: JavaRosa: {jr['error'][:300]}")
                    continue
                for what, path, lv, jv in compare(lan, jr):
                    total += 1
                    if lv == jv:
                        agree += 1
                        continue
                    row = allowed(allow, name, what, path)
                    if row:
                        row["used"] += 1
                        allowed_n += 1
                        continue
                    bad += 1
                    if shown < args.show:
                        shown += 1
                        print(f"      {name} fill {k}: {what} {path}: Lantern {lv!r}, JavaRosa {jv!r}")
            status = "ok  " if not bad else "FAIL"
            if bad:
                failed.append(name)
            print(f"{status}  {name}: {fills_n} fills, {bad} unexplained disagreements")
        pct = 100.0 * agree / total if total else 0.0
        print(f"agreement: {agree:,} of {total:,} comparisons ({pct:.2f}%) over {len(todo)} forms × "
              f"{args.fills} fills; {allowed_n:,} allow-listed disagreements, "
              f"{total - agree - allowed_n:,} unexplained")
        for row in allow:
            if not row["used"] and not args.only:
                print(f"note: allow-list entry never used: {row['form']} {row['what']} {row['path']}")
        return 1 if failed else 0
    finally:
        if args.keep:
            print(f"work folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
