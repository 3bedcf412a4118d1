//! `lantern aggregate` and `lantern export` on a real vault filled through `lantern fill`.

use std::path::Path;
use std::process::{Command, Output};

const FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms");
const PASS: &str = "correct horse battery staple";

fn lantern(args: &[&str], pass: &str) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lantern"))
        .args(args)
        .env("LANTERN_PASSPHRASE", pass)
        .env_remove("LANTERN_DURESS_PASSPHRASE")
        .output()
        .unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn aggregate_and_export_a_filled_vault() {
    let tmp = tempfile::tempdir().unwrap();
    let vault = tmp.path().join("vault");
    assert!(
        lantern(&["vault", "init", s(&vault)], PASS)
            .status
            .success()
    );
    let form = format!("{FORMS}/womens_participation.xlsx");
    let scenario: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!(
            "{FORMS}/scenarios/womens_participation/typical_adult.json"
        ))
        .unwrap(),
    )
    .unwrap();
    let mut scenario = scenario;
    scenario["answers"]["interview_status"] = serde_json::json!("completed");
    let answers = tmp.path().join("answers.json");
    std::fs::write(&answers, scenario["answers"].to_string()).unwrap();
    // Two younger women at the same site and round: small cells to suppress.
    let mut minor = scenario.clone();
    minor["answers"]["age_band"] = serde_json::json!("18_24");
    let minor_answers = tmp.path().join("younger.json");
    std::fs::write(&minor_answers, minor["answers"].to_string()).unwrap();
    // min_responses is 15 for this form.
    for i in 0..17 {
        let seed = (i + 1).to_string();
        let answers = if i < 2 { &minor_answers } else { &answers };
        let out = lantern(
            &[
                "fill",
                "--vault",
                s(&vault),
                &form,
                "--answers",
                s(answers),
                "--finalize",
                "--seed",
                &seed,
            ],
            PASS,
        );
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = lantern(
        &[
            "aggregate",
            "--vault",
            s(&vault),
            "--form",
            "womens_participation",
            "--json",
        ],
        PASS,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let batches: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("stdout is only JSON");
    let batch = &batches.as_array().expect("an array without --site")[0];
    assert_eq!(batch["schema"], "lantern.aggregate/1");
    assert_eq!(batch["site"], scenario["answers"]["site"]);
    let respondents = batch["cells"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["indicator"] == "respondents" && c["by"] == serde_json::json!({}))
        .expect("the respondents total");
    assert_eq!(respondents["n"], 17, "{respondents}");

    let out = lantern(
        &[
            "aggregate",
            "--vault",
            s(&vault),
            "--form",
            "womens_participation",
            "--explain",
        ],
        PASS,
    );
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("This will send") && text.contains("primary"),
        "{text}"
    );

    let export = |format: &str, agreement: &str, file: &Path| {
        lantern(
            &[
                "export",
                "--vault",
                s(&vault),
                "--form",
                "womens_participation",
                "--format",
                format,
                "--agreement",
                agreement,
                "--out",
                s(file),
            ],
            PASS,
        )
    };
    const AGREEMENT: &str = "ISP with the protection cluster";
    for format in ["csv", "xlsx", "hxl"] {
        let file = tmp.path().join(format!("out.{format}"));
        let out = export(format, AGREEMENT, &file);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(std::fs::metadata(&file).unwrap().len() > 100);
    }
    // Without a data-sharing agreement nothing is written; nor over an existing file.
    let file = tmp.path().join("no-agreement.csv");
    let out = export("csv", " ", &file);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("data-sharing agreement"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!file.exists());
    let existing = tmp.path().join("out.csv");
    let before = std::fs::read(&existing).unwrap();
    let out = export("hxl", AGREEMENT, &existing);
    assert!(!out.status.success());
    assert_eq!(std::fs::read(&existing).unwrap(), before);
    let hxl = std::fs::read_to_string(tmp.path().join("out.hxl")).unwrap();
    assert!(
        hxl.lines()
            .nth(1)
            .unwrap()
            .starts_with("#meta+form,#loc+code")
    );

    // Clear errors, non-zero exits.
    let out = lantern(
        &[
            "aggregate",
            "--vault",
            s(&vault),
            "--form",
            "nope",
            "--json",
        ],
        PASS,
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no form nope"));
    assert!(out.stdout.is_empty());
    let out = lantern(
        &[
            "aggregate",
            "--vault",
            s(&vault),
            "--form",
            "womens_participation",
            "--json",
        ],
        "wrong",
    );
    assert!(!out.status.success());
    assert!(out.stdout.is_empty());
    let site = tmp.path().join("site.json");
    std::fs::write(&site, serde_json::json!({"site_code": "X", "walk_time": "night", "lighting": "some", "latrines_sampled": 6, "latrines_lockable": 2}).to_string()).unwrap();
    let out = lantern(
        &[
            "fill",
            "--vault",
            s(&vault),
            &format!("{FORMS}/site_visit_check.xlsx"),
            "--answers",
            s(&site),
            "--finalize",
        ],
        PASS,
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let id = "site_visit_check";
    let out = lantern(
        &["aggregate", "--vault", s(&vault), "--form", id, "--json"],
        PASS,
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no indicators sheet"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
