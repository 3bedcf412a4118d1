"""Rebuilds every built-in form workbook in forms/ from its source in forms/src/.

Run from the repository root: python3 forms/src/build_all.py
(site_visit_check.py is a separate, older example and is run on its own.)
"""

import runpy
from pathlib import Path

HERE = Path(__file__).resolve().parent
FORMS = ["camp_safety_audit", "womens_participation", "shelter_site_risk_review"]

if __name__ == "__main__":
    for name in FORMS:
        runpy.run_path(str(HERE / f"{name}.py"), run_name="__main__")
