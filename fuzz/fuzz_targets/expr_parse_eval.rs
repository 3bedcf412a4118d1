//! Fuzz target: any text must parse to an expression or an error, never panic; a
//! parsed expression must print to text that parses back to the same tree, and must
//! evaluate (to a value or an error) against a small form-like instance without
//! panicking.

#![no_main]

use std::collections::HashMap;

use chrono::{FixedOffset, TimeZone};
use lantern_core::expr::{self, xml_env::XmlEnv};
use libfuzzer_sys::fuzz_target;

const INSTANCE: &str = r#"<data id="f"><a>1</a><b>2021-11-30</b><s>x y z</s><r><q>3</q></r><r><q>4</q></r><e/></data>"#;

fuzz_target!(|data: &[u8]| {
    let Ok(src) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(parsed) = expr::parse(src) else {
        return;
    };
    let printed = parsed.to_string();
    let reparsed = expr::parse(&printed).expect("printed expression parses");
    // Literals holding both quote kinds print as concat(); compare text then.
    assert_eq!(reparsed.to_string(), printed, "print/parse round trip");
    let _ = parsed.field_refs();
    let _ = parsed.function_names();
    let zone = FixedOffset::east_opt(-7 * 3600).expect("offset");
    let now = zone.with_ymd_and_hms(2024, 3, 5, 10, 0, 0).single().expect("instant");
    let env = XmlEnv::parse(INSTANCE, HashMap::new(), now, 1).expect("instance");
    let context = env.node_at("/*[1]/*[4]/*[1]");
    let _ = expr::evaluate(&parsed, &env, context);
});
