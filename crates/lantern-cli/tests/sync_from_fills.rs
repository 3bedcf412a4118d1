//! The whole path from real fills to the server, through the CLI only: a one-time
//! code, enrollment, built-in form filled from its scenario's answers and finalized,
//! `lantern aggregate`, `lantern sync approve` building the batch from the vault
//! (no `--batch`: disclosure control and the successive-release rule of
//! `release::approvable`), `lantern sync run`, and the server's aggregates API holding
//! exactly the cells released, nothing else. Before enough responses, and again
//! right after a release, approval is refused with a reason and a non-zero exit.

mod sync_support;

use std::path::Path;

use sync_support::*;

const FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms");
const FORM: &str = "womens_participation";

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn fill(vault: &Path, answers: &Path, seed: usize) {
    let form = format!("{FORMS}/{FORM}.xlsx");
    lantern_ok(&[
        "fill",
        "--vault",
        s(vault),
        &form,
        "--answers",
        s(answers),
        "--finalize",
        "--seed",
        &seed.to_string(),
    ]);
}

fn approve_from_vault(vault: &Path, site: &str, round: &str) -> std::process::Output {
    lantern(&[
        "sync",
        "approve",
        "--vault",
        s(vault),
        "--form",
        FORM,
        "--site",
        site,
        "--round",
        round,
        "--yes",
    ])
}

fn said(out: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn real_fills_reach_the_server_as_exactly_the_released_cells() {
    let server = start_server();
    let tmp = tempfile::tempdir().unwrap();
    let vault = new_vault(tmp.path());

    let scenario: serde_json::Value = serde_json::from_slice(
        &std::fs::read(format!("{FORMS}/scenarios/{FORM}/typical_adult.json")).unwrap(),
    )
    .unwrap();
    let site = scenario["answers"]["site"].as_str().unwrap().to_owned();
    let round = scenario["answers"]["round"].as_str().unwrap().to_owned();
    let adult = tmp.path().join("adult.json");
    std::fs::write(&adult, scenario["answers"].to_string()).unwrap();
    // Two younger women: cells of their own that must stay hidden.
    let mut younger = scenario["answers"].clone();
    younger["age_band"] = serde_json::json!("18_24");
    let younger_file = tmp.path().join("younger.json");
    std::fs::write(&younger_file, younger.to_string()).unwrap();

    let code = server.enrollment_code(&[&site]);
    lantern_ok(&[
        "sync",
        "enroll",
        "--vault",
        s(&vault),
        "--server",
        &server.url,
        "--code",
        &code,
    ]);

    // No form in the vault yet: refused, saying so.
    let out = approve_from_vault(&vault, &site, &round);
    assert!(!out.status.success(), "{}", said(&out));
    assert!(said(&out).contains("holds no form"), "{}", said(&out));

    // A draft only (not finalized): held, with the reason, and exit code 3.
    lantern_ok(&[
        "fill",
        "--vault",
        s(&vault),
        &format!("{FORMS}/{FORM}.xlsx"),
        "--answers",
        s(&adult),
        "--seed",
        "100",
    ]);
    let out = approve_from_vault(&vault, &site, &round);
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(
        said(&out).contains("no finalized, consenting response"),
        "{}",
        said(&out)
    );

    // Fewer consenting responses than the form's min_responses (15): every cell hidden.
    for seed in 1..=3 {
        fill(&vault, &adult, seed);
    }
    let out = approve_from_vault(&vault, &site, &round);
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(said(&out).contains("min_responses"), "{}", said(&out));
    assert_eq!(sync_support::status(&vault)["queued"], 0);

    // Enough: 17 responses, 2 of them younger.
    for seed in 4..=17 {
        fill(&vault, if seed <= 5 { &younger_file } else { &adult }, seed);
    }
    let agg: serde_json::Value = serde_json::from_str(&lantern_ok(&[
        "aggregate",
        "--vault",
        s(&vault),
        "--form",
        FORM,
        "--site",
        &site,
        "--round",
        &round,
        "--json",
    ]))
    .unwrap();
    let agg = if agg.is_array() { agg[0].clone() } else { agg };
    assert_eq!(agg["site"], site.as_str());
    let cells = agg["cells"].as_array().unwrap();
    let released: Vec<&serde_json::Value> =
        cells.iter().filter(|c| c["suppressed"] == false).collect();
    assert!(!released.is_empty());
    assert!(
        cells.iter().any(|c| c["suppressed"] == true),
        "the two younger women's cells are hidden"
    );

    let out = approve_from_vault(&vault, &site, &round);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        said(&out).contains("What leaves this device"),
        "{}",
        said(&out)
    );
    // Not sent before `run`.
    assert!(server.batches().is_empty());
    let ran = lantern_ok(&["sync", "run", "--vault", s(&vault)]);
    assert!(ran.contains("acknowledged every one"), "{ran}");
    let stored = server.batches();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].site, site);

    // The server holds exactly the cells released on the device: the same cells,
    // the same hidden ones without numbers, and no cell that was not released.
    let token = server.admin_token();
    let api = server.aggregates(&token, FORM);
    let groups = api["groups"].as_array().unwrap();
    assert_eq!(groups.len(), 1, "{api}");
    assert_eq!(groups[0]["cells"], agg["cells"], "{api}");
    let on_server: Vec<&serde_json::Value> = groups[0]["cells"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["suppressed"] == false)
        .collect();
    assert_eq!(on_server, released);
    for c in groups[0]["cells"].as_array().unwrap() {
        if c["suppressed"] == true {
            assert!(c.get("n").is_none() && c.get("value").is_none(), "{c}");
        }
    }

    // Right after a release, with nothing changed: the successive-release rule holds
    // the next one back, with a reason and a non-zero exit; nothing new is queued.
    let out = approve_from_vault(&vault, &site, &round);
    assert_eq!(out.status.code(), Some(3), "{}", said(&out));
    assert!(said(&out).contains("Not releasable yet"), "{}", said(&out));
    assert_eq!(sync_support::status(&vault)["sent"], 1);
    assert_eq!(sync_support::status(&vault)["queued"], 0);
}
