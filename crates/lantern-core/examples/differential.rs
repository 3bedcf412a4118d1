//! Lantern's side of the differential tier (`scripts/tier-differential.sh`): generates
//! deterministic random answer sets for a form and fills each through a Lantern session
//! the way ODK Collect steps through a form, printing what the engine decided in the
//! format of JavaRosa's driver (`scripts/differential/DiffFill.java`):
//!
//! ```text
//! outcome <path> <Ok|RequiredButEmpty|ConstraintViolated|Rejected:code>
//! block   <path> <RequiredButEmpty|ConstraintViolated|ExpressionFailed>
//! node    <path> <relevant> <leaf|grp|rep> <value>
//! ```
//!
//! Usage: `differential <workbook> <media-dir> <fills> <seed> <now-rfc3339> <out-dir>`;
//! writes `answers-<k>.tsv` and `lantern-<k>.txt` for k in 0..fills. The answers depend
//! only on the form and the seed.

use std::fmt::Write as _;
use std::path::Path;

use lantern_core::engine::{CompiledForm, Config, Outcome, Session};
use lantern_core::form::{Control, DataType, FormDef, NodeId, NodeKind, SelectKind};
use lantern_core::xlsform::{WorkbookFormat, attach_csv, import_bytes};

/// SplitMix64: a small deterministic generator (the tier needs reproducible answers,
/// not cryptographic randomness).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

/// The answer a question gets: `(kind, value)` for the JavaRosa driver, or `None`
/// (blank) for types the tier does not generate (geo, media, time).
fn generate(form: &FormDef, def: NodeId, rng: &mut Rng) -> Option<(&'static str, String)> {
    let node = form.node(def);
    if rng.chance(12) {
        return None;
    }
    if let Some(select) = &node.select {
        if select.from_repeat.is_some() {
            return None;
        }
        let list = form.choice_list(&select.list_name)?;
        if list.choices.is_empty() {
            return None;
        }
        let pick = |rng: &mut Rng| {
            list.choices[rng.below(list.choices.len() as u64) as usize]
                .name
                .clone()
        };
        return match select.kind {
            SelectKind::One => Some(("one", pick(rng))),
            SelectKind::Multiple => {
                let mut names: Vec<String> = Vec::new();
                for _ in 0..1 + rng.below(3) {
                    let name = pick(rng);
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                Some(("multi", names.join(" ")))
            }
            _ => None,
        };
    }
    match node.data_type? {
        // Small numbers, sometimes 0 or negative, so relevance and constraints vary.
        DataType::Int => Some(("int", (rng.below(25) as i64 - 2).to_string())),
        DataType::Decimal => Some((
            "dec",
            format!("{}.{}", rng.below(40) as i64 - 2, rng.below(10)),
        )),
        DataType::Date => {
            let day = chrono::NaiveDate::from_ymd_opt(2024, 1, 1)?
                + chrono::Duration::days(rng.below(1100) as i64);
            Some(("date", day.format("%Y-%m-%d").to_string()))
        }
        DataType::String | DataType::Barcode if node.control == Control::Input => {
            let words = ["yes", "no", "0", "12", "water", "Amina", "north camp", "x"];
            Some((
                "text",
                words[rng.below(words.len() as u64) as usize].to_string(),
            ))
        }
        _ => None,
    }
}

/// Whether the tier answers this node: a question with a control, not computed.
fn asked(form: &FormDef, def: NodeId) -> bool {
    let node = form.node(def);
    node.kind == NodeKind::Question
        && !matches!(node.control, Control::None | Control::Action)
        && node.bind.calculation.is_none()
}

/// Writes answer lines for every question under `def` (repeat instances 1..=3, up to 4
/// for counted repeats, whose count the answers decide).
fn answers(form: &FormDef, def: NodeId, prefix: &str, rng: &mut Rng, out: &mut String) {
    for &child in &form.node(def).children {
        let node = form.node(child);
        let path = format!("{prefix}/{}", node.name);
        match node.kind {
            NodeKind::Group => answers(form, child, &path, rng, out),
            NodeKind::Repeat => {
                let count = if node.repeat_count.is_some() {
                    4
                } else {
                    let n = 1 + rng.below(3);
                    let _ = writeln!(out, "#repeat\t{path}\t{n}");
                    n
                };
                for i in 1..=count {
                    answers(form, child, &format!("{path}[{i}]"), rng, out);
                }
            }
            NodeKind::Question if asked(form, child) => match generate(form, child, rng) {
                Some((kind, value)) => {
                    let _ = writeln!(out, "{path}\t{kind}\t{value}");
                }
                None => {
                    let _ = writeln!(out, "{path}\ttext\t");
                }
            },
            NodeKind::Question
                if node.bind.calculation.is_some() && node.control != Control::None =>
            {
                // A computed question with a control: JavaRosa shows it (pyxform writes
                // no readonly); both sides leave it to its calculation.
                let _ = writeln!(out, "{path}\tskip\t");
            }
            _ => {}
        }
    }
}

struct Filler<'a> {
    session: Session,
    root: String,
    answers: std::collections::HashMap<&'a str, &'a str>,
    repeats: std::collections::HashMap<&'a str, usize>,
    out: String,
}

impl Filler<'_> {
    fn full(&self, path: &str) -> String {
        format!("{}{path}", self.root)
    }

    fn relevant(&self, path: &str) -> bool {
        self.session.is_relevant(&self.full(path)).unwrap_or(false)
    }

    /// Steps through `def`'s children in document order, as JavaRosa's controller does.
    fn walk(&mut self, form: &FormDef, def: NodeId, prefix: &str) {
        for &child in &form.node(def).children {
            let node = form.node(child);
            let path = format!("{prefix}/{}", node.name);
            match node.kind {
                NodeKind::Group if self.relevant(&path) => {
                    self.walk(form, child, &path);
                }
                NodeKind::Repeat => {
                    let wanted = self.repeats.get(path.as_str()).copied().unwrap_or(0);
                    let counted = node.repeat_count.is_some();
                    let mut i = 1;
                    loop {
                        let instance = format!("{path}[{i}]");
                        if self.session.find(&self.full(&instance)).is_ok() {
                            if self.relevant(&instance) {
                                self.walk(form, child, &instance);
                            } else {
                                break;
                            }
                        } else if !counted && i <= wanted {
                            if self.session.add_repeat(&self.full(&path)).is_err() {
                                break;
                            }
                            continue;
                        } else {
                            break;
                        }
                        i += 1;
                    }
                }
                NodeKind::Question
                    if asked(form, child) || self.answers.get(path.as_str()) == Some(&"skip") =>
                {
                    if !self.relevant(&path) || self.answers.get(path.as_str()) == Some(&"skip") {
                        continue;
                    }
                    if self.session.is_read_only(&self.full(&path)).unwrap_or(true) {
                        continue;
                    }
                    let value = self.answers.get(path.as_str()).copied().unwrap_or("");
                    let outcome = match self.session.answer(&self.full(&path), value) {
                        Ok(o) => outcome_name(&o).to_string(),
                        Err(e) => format!("Rejected:{}", e.code()),
                    };
                    let _ = writeln!(self.out, "outcome\t{path}\t{outcome}");
                }
                _ => {}
            }
        }
    }
}

fn outcome_name(o: &Outcome) -> &'static str {
    match o {
        Outcome::Ok => "Ok",
        Outcome::RequiredButEmpty => "RequiredButEmpty",
        Outcome::ConstraintViolated { .. } => "ConstraintViolated",
        Outcome::ExpressionFailed { .. } => "ExpressionFailed",
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, workbook, media, fills, seed, now, out_dir] = &args[..] else {
        return Err(
            "usage: differential <workbook> <media-dir> <fills> <seed> <now> <out-dir>".into(),
        );
    };
    let path = Path::new(workbook);
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("form");
    let format = if name.ends_with(".csv") {
        WorkbookFormat::Csv
    } else {
        WorkbookFormat::from_file_name(name).ok_or("unknown workbook format")?
    };
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("form");
    let import = import_bytes(&std::fs::read(path)?, format, stem);
    if import.has_errors() {
        return Err(format!("{workbook}: import errors: {:?}", import.diagnostics).into());
    }
    let mut form = import.form.ok_or("no form")?;
    for declared in form.secondary_instances.clone() {
        let file = Path::new(media).join(&declared.file);
        if declared.file.ends_with(".csv") && file.is_file() {
            attach_csv(&mut form, &declared.file, &std::fs::read(&file)?)?;
        }
    }
    let compiled = CompiledForm::new(form)?;
    let fills: u64 = fills.parse()?;
    let seed: u64 = seed.parse()?;
    for k in 0..fills {
        let mut rng = Rng(seed ^ k.wrapping_mul(0x2545_F491_4F6C_DD1D));
        for _ in 0..4 {
            rng.next();
        }
        let mut text = String::new();
        answers(&compiled.form, NodeId(0), "", &mut rng, &mut text);
        std::fs::write(Path::new(out_dir).join(format!("answers-{k}.tsv")), &text)?;
        let mut filler = Filler {
            session: Session::new(compiled.clone(), Config::at_rfc3339(now, seed + k)?)?,
            root: format!("/{}", compiled.form.form_id),
            answers: Default::default(),
            repeats: Default::default(),
            out: String::new(),
        };
        for line in text.lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if f[0] == "#repeat" {
                filler.repeats.insert(f[1], f[2].parse()?);
            } else if f[1] == "skip" {
                filler.answers.insert(f[0], "skip");
            } else {
                filler.answers.insert(f[0], f[2]);
            }
        }
        filler.walk(&compiled.form, NodeId(0), "");
        filler.session.prepare_finalize();
        for b in filler.session.validate_all() {
            let path = b
                .path
                .strip_prefix(&filler.root)
                .unwrap_or(&b.path)
                .to_string();
            let _ = writeln!(filler.out, "block\t{path}\t{}", outcome_name(&b.outcome));
        }
        let snapshot = filler.session.snapshot();
        let paths: Vec<String> = snapshot
            .iter()
            .map(|n| {
                n.path
                    .strip_prefix(&filler.root)
                    .unwrap_or(&n.path)
                    .to_string()
            })
            .collect();
        for (i, n) in snapshot.iter().enumerate().skip(1) {
            let p = &paths[i];
            let kind = if p.ends_with(']') {
                "rep"
            } else if paths
                .get(i + 1)
                .is_some_and(|next| next.starts_with(&format!("{p}/")))
            {
                "grp"
            } else {
                "leaf"
            };
            let value = n.value.replace(['\t', '\n'], " ");
            let _ = writeln!(filler.out, "node\t{p}\t{}\t{kind}\t{value}", n.relevant);
        }
        std::fs::write(
            Path::new(out_dir).join(format!("lantern-{k}.txt")),
            &filler.out,
        )?;
    }
    Ok(())
}
