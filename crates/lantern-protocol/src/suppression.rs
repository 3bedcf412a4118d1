//! Statistical disclosure control shared by device and server: primary suppression of
//! small cells and complementary suppression over every hierarchy released together.
//!
//! # Model
//!
//! A table is a list of cells (indexed `0..len`) with non-negative integer counts, linked
//! by additivity [`Equation`]s (`cells[total] = Σ cells[parts]`). The attacker knows every
//! released cell, every equation and that counts are ≥ 0; for a hidden cell it can compute
//! the feasible interval `[lo, hi]` by linear programming ([`interval`]). A table is
//! *protected* when every sensitive cell (primary, or unknown to the caller) has an
//! interval at least `k` wide.
//!
//! # Functions
//!
//! - [`is_primary`]`(n, k)`: `1 ≤ n < k` (zero cells are not sensitive).
//! - [`primary`]`(counts, k) -> Vec<Status>`: primary suppression alone.
//! - [`protect`]`(eqs, counts, k) -> Vec<Status>`: primary + complementary suppression
//!   (Fischetti–Salazar style LP heuristic: for each under-protected cell solve the
//!   minimum-cost perturbation LP, hide its support; then drop every complementary cell
//!   that is not needed). `counts[i] == None` marks a cell already unknown (it stays
//!   hidden and is protected like a primary cell).
//! - [`minimum_complementary`]: the exact minimum number of complementary cells by
//!   exhaustive search under the same policy (a top total only when unavoidable), to
//!   measure the heuristic's loss on small tables; [`minimum_complementary_unconstrained`]
//!   without the policy, to measure what the policy costs.
//! - [`top_totals`]: the cells at the top of a hierarchy (the site total of each
//!   indicator), which complementary suppression hides only when nothing else protects.
//! - [`equations_from_keys`]: the additivity of a released hierarchy, from the cells'
//!   `by` objects (a cell with `by = M` is the sum of the cells `M ∪ {d: v}` over all `v`).
//! - [`protect_cells`]`(&mut [Cell], min_cell)`: the device's and server's entry point on
//!   protocol cells: per indicator, builds the hierarchy, protects it, and strips the
//!   numbers of every hidden cell (rule `primary` or `complementary`); indicators whose
//!   cells carry the same unit counts share one suppression pattern.
//! - [`protect_cells_linked`]: the same, where an indicator's `n` is counted by another
//!   indicator (participants of focus groups): it shares that indicator's pattern and
//!   its hidden cells carry the rule `derived`.
//! - [`combine`]`(&[Batch]) -> Result<Combined, CombineError>`: the server's combination of
//!   batches of one form × site × round from several devices. Released counts are summed
//!   (a cell absent from a batch counts 0, as a device omits only empty `_missing`
//!   cells); a cell hidden in any input stays unknown; primary and complementary
//!   suppression are re-applied with each indicator's `min_cell`; values are recomputed
//!   (proportions from numerators, means and scores weighted by `n`, sums added).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::batch::{Batch, Cell, IndicatorKind, IndicatorMeta, Level, Refusals, SuppressionRule};
use crate::lp::{Lp, minimise};

/// `cells[total] = Σ cells[parts]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equation {
    pub total: usize,
    pub parts: Vec<usize>,
}

/// What happens to a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Released,
    /// `1 ≤ n < k`.
    Primary,
    /// Hidden so that a sensitive cell cannot be narrowed from the released ones.
    Complementary,
    /// Not known to the caller (hidden upstream); protected like a primary cell.
    Unknown,
}

impl Status {
    pub fn hidden(self) -> bool {
        self != Status::Released
    }
    fn sensitive(self) -> bool {
        matches!(self, Status::Primary | Status::Unknown)
    }
}

/// The feasible interval of one cell; `hi == None` means unbounded above.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    pub lo: f64,
    pub hi: Option<f64>,
}

impl Interval {
    pub fn width(&self) -> f64 {
        self.hi.map_or(f64::INFINITY, |hi| hi - self.lo)
    }
}

/// Primary sensitivity: a non-zero count below the minimum.
pub fn is_primary(n: u64, k: u32) -> bool {
    n >= 1 && n < u64::from(k)
}

/// Primary suppression alone (unknown cells stay unknown).
pub fn primary(counts: &[Option<u64>], k: u32) -> Vec<Status> {
    counts
        .iter()
        .map(|c| match c {
            None => Status::Unknown,
            Some(n) if is_primary(*n, k) => Status::Primary,
            Some(_) => Status::Released,
        })
        .collect()
}

/// The linear system an attacker sees: one variable per hidden cell.
struct System {
    vars: Vec<usize>,
    var_of: HashMap<usize, usize>,
    a: Vec<Vec<f64>>,
    b: Vec<f64>,
}

fn system(eqs: &[Equation], known: &[Option<f64>]) -> System {
    let vars: Vec<usize> = (0..known.len()).filter(|&i| known[i].is_none()).collect();
    let var_of: HashMap<usize, usize> = vars.iter().enumerate().map(|(v, &c)| (c, v)).collect();
    let mut a = Vec::new();
    let mut b = Vec::new();
    for eq in eqs {
        let mut row = vec![0.0; vars.len()];
        let mut rhs = 0.0;
        let mut any = false;
        let terms = std::iter::once((eq.total, 1.0)).chain(eq.parts.iter().map(|&p| (p, -1.0)));
        for (cell, coef) in terms {
            match known[cell] {
                Some(v) => rhs -= coef * v,
                None => {
                    row[var_of[&cell]] += coef;
                    any = true;
                }
            }
        }
        if any {
            a.push(row);
            b.push(rhs);
        }
    }
    System { vars, var_of, a, b }
}

/// The feasible interval of `cell` given the released values (`None` = hidden).
/// A released cell's interval is its value.
pub fn interval(eqs: &[Equation], known: &[Option<f64>], cell: usize) -> Interval {
    if let Some(v) = known[cell] {
        return Interval { lo: v, hi: Some(v) };
    }
    let s = system(eqs, known);
    let v = s.var_of[&cell];
    let mut c = vec![0.0; s.vars.len()];
    c[v] = 1.0;
    let lo = match minimise(&c, &s.a, &s.b) {
        Lp::Optimal { value, .. } => value,
        // Inconsistent released values cannot come from real counts; report the
        // widest statement so a caller never believes a cell is pinned down.
        Lp::Infeasible | Lp::Unbounded => 0.0,
    };
    c[v] = -1.0;
    let hi = match minimise(&c, &s.a, &s.b) {
        Lp::Optimal { value, .. } => Some(-value),
        Lp::Unbounded | Lp::Infeasible => None,
    };
    Interval { lo, hi }
}

fn known_values(counts: &[Option<u64>], status: &[Status]) -> Vec<Option<f64>> {
    counts
        .iter()
        .zip(status)
        .map(|(c, s)| {
            if s.hidden() {
                None
            } else {
                c.map(|n| n as f64)
            }
        })
        .collect()
}

/// Every sensitive cell whose interval is narrower than `k`.
pub fn under_protected(
    eqs: &[Equation],
    counts: &[Option<u64>],
    status: &[Status],
    k: u32,
) -> Vec<usize> {
    let known = known_values(counts, status);
    (0..status.len())
        .filter(|&i| status[i].sensitive())
        .filter(|&i| interval(eqs, &known, i).width() < f64::from(k) - 1e-6)
        .collect()
}

/// Whether every sensitive cell's interval is at least `k` wide.
pub fn is_protected(eqs: &[Equation], counts: &[Option<u64>], status: &[Status], k: u32) -> bool {
    under_protected(eqs, counts, status, k).is_empty()
}

/// A point consistent with everything released: the true counts where known, a
/// feasible solution for unknown cells.
fn feasible_point(eqs: &[Equation], counts: &[Option<u64>]) -> Vec<f64> {
    let known: Vec<Option<f64>> = counts.iter().map(|c| c.map(|n| n as f64)).collect();
    let mut x: Vec<f64> = known.iter().map(|v| v.unwrap_or(0.0)).collect();
    if counts.iter().any(Option::is_none) {
        let s = system(eqs, &known);
        if let Lp::Optimal { x: sol, .. } = minimise(&vec![0.0; s.vars.len()], &s.a, &s.b) {
            for (v, &cell) in s.vars.iter().enumerate() {
                x[cell] = sol[v];
            }
        }
    }
    x
}

/// The top of each hierarchy: cells that are the total of some equation and a part of
/// none (the site total of an indicator, `by = {}`). Complementary suppression hides
/// one only when no choice of other cells protects the table: it is the number every
/// reader uses, and the one a disclosure-control reviewer expects to see released.
pub fn top_totals(eqs: &[Equation], len: usize) -> Vec<bool> {
    let mut top = vec![false; len];
    for e in eqs {
        top[e.total] = true;
    }
    for e in eqs {
        for &p in &e.parts {
            top[p] = false;
        }
    }
    top
}

/// The cells of the cheapest perturbation that moves `p` up by `k` while keeping every
/// equation and every count ≥ 0; hidden cells cost nothing, released ones cost about 1
/// (slightly more for bigger counts, so that small cells are preferred), and a top
/// total costs more than every other cell of the table together.
fn perturbation_support(
    eqs: &[Equation],
    x: &[f64],
    status: &[Status],
    p: usize,
    k: u32,
) -> Option<Vec<usize>> {
    let n = x.len();
    let max = x.iter().cloned().fold(1.0, f64::max);
    let top = top_totals(eqs, n);
    let top_cost = 2.0 * (n as f64 + 1.0);
    // Variables: y+_i (0..n), y-_i (n..2n), slack s_i (2n..3n).
    let nv = 3 * n;
    let mut c = vec![0.0; nv];
    for i in 0..n {
        let w = if status[i].hidden() {
            0.0
        } else if top[i] {
            top_cost
        } else {
            1.0 + 1e-3 * x[i] / max
        };
        c[i] = w;
        c[n + i] = w;
    }
    let mut a = Vec::new();
    let mut b = Vec::new();
    for eq in eqs {
        let mut row = vec![0.0; nv];
        let terms = std::iter::once((eq.total, 1.0)).chain(eq.parts.iter().map(|&q| (q, -1.0)));
        for (cell, coef) in terms {
            row[cell] += coef;
            row[n + cell] -= coef;
        }
        a.push(row);
        b.push(0.0);
    }
    let mut row = vec![0.0; nv];
    row[p] = 1.0;
    a.push(row);
    b.push(f64::from(k));
    let mut row = vec![0.0; nv];
    row[n + p] = 1.0;
    a.push(row);
    b.push(0.0);
    for i in 0..n {
        let mut row = vec![0.0; nv];
        row[n + i] = 1.0;
        row[2 * n + i] = 1.0;
        a.push(row);
        b.push(x[i].max(0.0));
    }
    match minimise(&c, &a, &b) {
        Lp::Optimal { x: y, .. } => {
            Some((0..n).filter(|&i| y[i] > 1e-7 || y[n + i] > 1e-7).collect())
        }
        _ => None,
    }
}

/// Complementary suppression on top of `status` (which already marks primary and
/// unknown cells): hides as few further cells as it can so that every sensitive cell's
/// interval is at least `k` wide. Always succeeds (hiding everything is protected).
pub fn complementary(eqs: &[Equation], counts: &[Option<u64>], status: &mut [Status], k: u32) {
    if !status.iter().any(|s| s.sensitive()) {
        return;
    }
    let x = feasible_point(eqs, counts);
    for _round in 0..status.len() + 1 {
        let todo = under_protected(eqs, counts, status, k);
        let Some(&p) = todo.first() else {
            break;
        };
        let support = perturbation_support(eqs, &x, status, p, k);
        let mut added = false;
        for i in support.unwrap_or_default() {
            if !status[i].hidden() {
                status[i] = Status::Complementary;
                added = true;
            }
        }
        if !added {
            // The LP found no help (numerical trouble): fall back to hiding every
            // released cell that shares an equation with `p`, then, if need be, all.
            let mut any = false;
            for eq in eqs.iter().filter(|e| e.total == p || e.parts.contains(&p)) {
                for &i in std::iter::once(&eq.total).chain(&eq.parts) {
                    if !status[i].hidden() {
                        status[i] = Status::Complementary;
                        any = true;
                    }
                }
            }
            if !any {
                for s in status.iter_mut().filter(|s| !s.hidden()) {
                    *s = Status::Complementary;
                }
            }
        }
    }
    if !is_protected(eqs, counts, status, k) {
        for s in status.iter_mut().filter(|s| !s.hidden()) {
            *s = Status::Complementary;
        }
        return;
    }
    // Drop every complementary cell that is not needed: top totals first, then the
    // biggest counts (they carry the most information).
    let top = top_totals(eqs, status.len());
    let mut comp: Vec<usize> = (0..status.len())
        .filter(|&i| status[i] == Status::Complementary)
        .collect();
    comp.sort_by(|&a, &b| {
        top[b]
            .cmp(&top[a])
            .then(x[b].total_cmp(&x[a]))
            .then(a.cmp(&b))
    });
    for i in comp {
        status[i] = Status::Released;
        if !is_protected(eqs, counts, status, k) {
            status[i] = Status::Complementary;
        }
    }
}

/// Primary plus complementary suppression of one linked table.
pub fn protect(eqs: &[Equation], counts: &[Option<u64>], k: u32) -> Vec<Status> {
    let mut status = primary(counts, k);
    complementary(eqs, counts, &mut status, k);
    status
}

/// The exact minimum number of complementary cells, by exhaustive search over subsets
/// of the released cells in increasing size, under [`protect`]'s policy: a top total
/// (see [`top_totals`]) is hidden only when no set of other cells protects the table.
/// `None` when there are more than `max_candidates` candidates. For measuring
/// [`protect`]'s loss on small tables.
pub fn minimum_complementary(
    eqs: &[Equation],
    counts: &[Option<u64>],
    k: u32,
    max_candidates: usize,
) -> Option<usize> {
    let base = primary(counts, k);
    let top = top_totals(eqs, counts.len());
    let candidates: Vec<usize> = (0..base.len()).filter(|&i| !base[i].hidden()).collect();
    if candidates.len() > max_candidates {
        return None;
    }
    let inner: Vec<usize> = candidates.iter().copied().filter(|&i| !top[i]).collect();
    smallest_protecting(eqs, counts, &base, k, &inner)
        .or_else(|| smallest_protecting(eqs, counts, &base, k, &candidates))
        .or(Some(candidates.len()))
}

/// The exact minimum number of complementary cells with no policy: any released cell,
/// a top total included, may be hidden. `None` when there are more than
/// `max_candidates` candidates.
pub fn minimum_complementary_unconstrained(
    eqs: &[Equation],
    counts: &[Option<u64>],
    k: u32,
    max_candidates: usize,
) -> Option<usize> {
    let base = primary(counts, k);
    let candidates: Vec<usize> = (0..base.len()).filter(|&i| !base[i].hidden()).collect();
    if candidates.len() > max_candidates {
        return None;
    }
    smallest_protecting(eqs, counts, &base, k, &candidates).or(Some(candidates.len()))
}

/// The size of the smallest subset of `candidates` whose hiding protects the table.
fn smallest_protecting(
    eqs: &[Equation],
    counts: &[Option<u64>],
    base: &[Status],
    k: u32,
    candidates: &[usize],
) -> Option<usize> {
    for size in 0..=candidates.len() {
        let mut pick: Vec<usize> = (0..size).collect();
        loop {
            let mut status = base.to_vec();
            for &j in &pick {
                status[candidates[j]] = Status::Complementary;
            }
            if is_protected(eqs, counts, &status, k) {
                return Some(size);
            }
            // Next combination of `size` out of `candidates.len()`.
            let m = candidates.len();
            let mut i = size;
            loop {
                if i == 0 {
                    break;
                }
                i -= 1;
                if pick[i] < m - size + i {
                    pick[i] += 1;
                    for j in i + 1..size {
                        pick[j] = pick[j - 1] + 1;
                    }
                    i = usize::MAX;
                    break;
                }
            }
            if i != usize::MAX {
                break;
            }
        }
    }
    None
}

/// The additivity of a hierarchy from its cells' `by` objects: for a cell with `by = M`
/// and each dimension `d` not in `M`, the cells `M ∪ {d: v}` (all `v` present) sum to it.
pub fn equations_from_keys(keys: &[&BTreeMap<String, String>]) -> Vec<Equation> {
    let index: HashMap<Vec<(&str, &str)>, usize> = keys
        .iter()
        .enumerate()
        .map(|(i, k)| (k.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect(), i))
        .collect();
    let mut by_parent: BTreeMap<(usize, String), Vec<usize>> = BTreeMap::new();
    for (child, key) in keys.iter().enumerate() {
        for dim in key.keys() {
            let parent: Vec<(&str, &str)> = key
                .iter()
                .filter(|(d, _)| *d != dim)
                .map(|(a, b)| (a.as_str(), b.as_str()))
                .collect();
            if let Some(&p) = index.get(&parent) {
                by_parent.entry((p, dim.clone())).or_default().push(child);
            }
        }
    }
    by_parent
        .into_iter()
        .map(|((total, _), parts)| Equation { total, parts })
        .collect()
}

/// Applies primary and complementary suppression to protocol cells in place. A cell
/// already suppressed stays suppressed (as unknown); `min_cell(indicator)` gives each
/// indicator's k (1 exempts it). Indicators whose cells have the same keys and the same
/// unit counts share one pattern (otherwise one would reveal what the other hides).
pub fn protect_cells(cells: &mut [Cell], min_cell: &dyn Fn(&str) -> u32) {
    protect_cells_linked(cells, min_cell, &|_| None);
}

/// [`protect_cells`], where `counted_by(indicator)` may name another indicator of the
/// same cells whose counts are this indicator's `n` (the participants behind a
/// focus-group indicator, counted by a people total): the two share the counting
/// indicator's pattern whatever their own cells say, the counting indicator's hidden
/// cells carry `primary` or `complementary`, and the linked indicator's carry
/// `derived` (a number derived from a suppressed count). A cell of the linked
/// indicator that the counting one does not have is hidden as `derived`.
pub fn protect_cells_linked(
    cells: &mut [Cell],
    min_cell: &dyn Fn(&str) -> u32,
    counted_by: &dyn Fn(&str) -> Option<String>,
) {
    // Group cell indices per indicator, in first-seen order.
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, c) in cells.iter().enumerate() {
        groups
            .entry(c.indicator.clone())
            .or_insert_with(|| {
                order.push(c.indicator.clone());
                Vec::new()
            })
            .push(i);
    }
    let root_of = |name: &str| -> Option<String> {
        counted_by(name).filter(|r| groups.contains_key(r) && counted_by(r).is_none_or(|x| x == *r))
    };
    // Indicators counted by another share its pattern; the others with identical keys
    // and counts are protected together.
    type Signature = Vec<(BTreeMap<String, String>, Option<u64>)>;
    #[derive(PartialEq)]
    enum Link {
        Counted(String),
        Same(Signature),
    }
    let roots: BTreeSet<String> = order.iter().filter_map(|n| root_of(n)).collect();
    let mut linked: Vec<(Link, Vec<String>)> = Vec::new();
    for name in &order {
        let root = root_of(name).or_else(|| roots.contains(name).then(|| name.clone()));
        let link = match root {
            Some(root) => Link::Counted(root),
            None => {
                let mut sig: Signature = groups[name]
                    .iter()
                    .map(|&i| {
                        let c = &cells[i];
                        (c.by.clone(), if c.suppressed { None } else { c.n })
                    })
                    .collect();
                sig.sort_by(|a, b| a.0.cmp(&b.0));
                Link::Same(sig)
            }
        };
        match linked.iter_mut().find(|(l, _)| *l == link) {
            Some((_, names)) => names.push(name.clone()),
            None => linked.push((link, vec![name.clone()])),
        }
    }
    for (link, names) in linked {
        let k = names.iter().map(|n| min_cell(n)).max().unwrap_or(1);
        let (root, idx) = match &link {
            Link::Counted(root) => (Some(root.clone()), &groups[root]),
            Link::Same(_) => (None, &groups[&names[0]]),
        };
        let keys: Vec<&BTreeMap<String, String>> = idx.iter().map(|&i| &cells[i].by).collect();
        let eqs = equations_from_keys(&keys);
        // A cell hidden in any member is unknown for all of them.
        let hidden_somewhere: BTreeSet<&BTreeMap<String, String>> = names
            .iter()
            .flat_map(|n| groups[n].iter())
            .filter(|&&i| cells[i].suppressed)
            .map(|&i| &cells[i].by)
            .collect();
        let counts: Vec<Option<u64>> = idx
            .iter()
            .map(|&i| {
                let c = &cells[i];
                if c.suppressed || hidden_somewhere.contains(&c.by) {
                    None
                } else {
                    c.n
                }
            })
            .collect();
        let status = if k <= 1 {
            primary(&counts, 1)
        } else {
            protect(&eqs, &counts, k)
        };
        let pattern: HashMap<BTreeMap<String, String>, Status> = idx
            .iter()
            .zip(&status)
            .map(|(&i, s)| (cells[i].by.clone(), *s))
            .collect();
        for name in &names {
            let derived = root.as_ref().is_some_and(|r| r != name);
            for &i in &groups[name] {
                let rule = match (pattern.get(&cells[i].by), derived) {
                    (Some(Status::Released), _) => continue,
                    (None, false) => continue,
                    (_, true) => SuppressionRule::Derived,
                    (Some(Status::Primary), false) => SuppressionRule::Primary,
                    (Some(_), false) => SuppressionRule::Complementary,
                };
                hide(&mut cells[i], rule);
            }
        }
    }
}

/// Strips a cell's numbers and records why.
pub fn hide(cell: &mut Cell, rule: SuppressionRule) {
    if cell.suppressed {
        return;
    }
    cell.suppressed = true;
    cell.rule = Some(rule);
    cell.n = None;
    cell.denominator = None;
    cell.value = None;
    cell.level = None;
}

/// Applies the cell minimum to a refusal total (no hierarchy: primary only).
pub fn protect_refusals(n: Option<u64>, k: u32) -> Refusals {
    match n {
        Some(n) if !is_primary(n, k) => Refusals {
            suppressed: false,
            rule: None,
            n: Some(n),
        },
        Some(_) => Refusals {
            suppressed: true,
            rule: Some(SuppressionRule::Primary),
            n: None,
        },
        None => Refusals {
            suppressed: true,
            rule: Some(SuppressionRule::Complementary),
            n: None,
        },
    }
}

/// A score's level by its thresholds.
pub fn level(meta: &IndicatorMeta, value: f64) -> Option<Level> {
    let (amber, red) = (meta.amber?, meta.red?);
    Some(match meta.higher_is {
        Some(crate::batch::HigherIs::Better) => {
            if value <= red {
                Level::Red
            } else if value <= amber {
                Level::Amber
            } else {
                Level::Green
            }
        }
        _ => {
            if value >= red {
                Level::Red
            } else if value >= amber {
                Level::Amber
            } else {
                Level::Green
            }
        }
    })
}

/// The level of a released cell: the score's own, or the thresholds applied; `None` for
/// a hidden cell or an unrated indicator. The device's risk profile and the dashboard's
/// overview both read levels through this.
pub fn cell_level(meta: &IndicatorMeta, cell: &crate::batch::Cell) -> Option<Level> {
    if cell.suppressed {
        return None;
    }
    cell.level.or_else(|| level(meta, cell.value?))
}

/// The order of rounds: baseline first, endline last; numbered rounds (the audits' 1,
/// 2, … 10) by number between them, other names by name.
pub fn round_rank(round: Option<&str>) -> (u8, String) {
    match round {
        Some("baseline") => (0, String::new()),
        Some("endline") => (2, String::new()),
        Some(r) => match r.parse::<u64>() {
            Ok(n) => (1, format!("{n:020}")),
            Err(_) => (1, format!("~{r}")),
        },
        None => (1, String::new()),
    }
}

/// Several devices' batches of one form × site × round, combined and re-protected.
#[derive(Debug, Clone, PartialEq)]
pub struct Combined {
    pub form_id: String,
    pub site: String,
    pub round: Option<String>,
    pub min_cell_size: u32,
    pub indicators: Vec<IndicatorMeta>,
    pub cells: Vec<Cell>,
    pub refusals: Refusals,
}

/// Why batches cannot be combined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CombineError {
    Empty,
    /// The batches are not all of the same form × site × round.
    Mismatch(String),
    Invalid(String),
}

impl std::fmt::Display for CombineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CombineError::Empty => write!(f, "no batch to combine"),
            CombineError::Mismatch(w) => write!(f, "batches do not match: {w}"),
            CombineError::Invalid(w) => write!(f, "invalid batch: {w}"),
        }
    }
}

impl std::error::Error for CombineError {}

#[derive(Default, Clone)]
struct Acc {
    unknown: bool,
    n: u64,
    denominator: u64,
    /// Numerator (proportion), weighted sum (mean, score) or sum (sum, count).
    total: f64,
}

/// Combines batches of the same form × site × round from several devices (one batch per
/// device: the caller keeps only each device's newest) into one protected set of cells.
pub fn combine(batches: &[Batch]) -> Result<Combined, CombineError> {
    let first = batches.first().ok_or(CombineError::Empty)?;
    for b in batches {
        b.validate()
            .map_err(|e| CombineError::Invalid(e.to_string()))?;
        if b.form_id != first.form_id || b.site != first.site || b.round != first.round {
            return Err(CombineError::Mismatch(format!(
                "{}/{}/{:?} vs {}/{}/{:?}",
                first.form_id, first.site, first.round, b.form_id, b.site, b.round
            )));
        }
    }
    // The newest form version's indicator metadata wins (batches sorted as given).
    let mut indicators: Vec<IndicatorMeta> = Vec::new();
    for b in batches {
        for m in &b.indicators {
            match indicators.iter_mut().find(|x| x.name == m.name) {
                Some(x) => *x = m.clone(),
                None => indicators.push(m.clone()),
            }
        }
    }
    let meta: HashMap<&str, &IndicatorMeta> =
        indicators.iter().map(|m| (m.name.as_str(), m)).collect();
    let mut keys: BTreeSet<(String, BTreeMap<String, String>)> = BTreeSet::new();
    for b in batches {
        for c in &b.cells {
            keys.insert((c.indicator.clone(), c.by.clone()));
        }
    }
    let mut acc: BTreeMap<(String, BTreeMap<String, String>), Acc> =
        keys.into_iter().map(|k| (k, Acc::default())).collect();
    for b in batches {
        for c in &b.cells {
            let a = acc
                .get_mut(&(c.indicator.clone(), c.by.clone()))
                .expect("collected above");
            if c.suppressed {
                a.unknown = true;
                continue;
            }
            let n = c.n.unwrap_or(0);
            let den = c.denominator.unwrap_or(n);
            let v = c.value.unwrap_or(0.0);
            a.n += n;
            a.denominator += den;
            a.total += match meta[c.indicator.as_str()].kind {
                IndicatorKind::Proportion => (v * den as f64 / 100.0).round(),
                IndicatorKind::Mean | IndicatorKind::Score => v * n as f64,
                IndicatorKind::Sum | IndicatorKind::Count => v,
            };
        }
    }
    let mut cells: Vec<Cell> = acc
        .into_iter()
        .map(|((indicator, by), a)| {
            if a.unknown {
                return Cell {
                    indicator,
                    by,
                    suppressed: true,
                    rule: Some(SuppressionRule::Complementary),
                    n: None,
                    denominator: None,
                    value: None,
                    level: None,
                };
            }
            let m = meta[indicator.as_str()];
            let value = match m.kind {
                IndicatorKind::Proportion if a.denominator > 0 => {
                    Some(100.0 * a.total / a.denominator as f64)
                }
                IndicatorKind::Mean | IndicatorKind::Score if a.n > 0 => Some(a.total / a.n as f64),
                IndicatorKind::Sum | IndicatorKind::Count => Some(a.total),
                _ => None,
            };
            let lvl = match (m.kind, value) {
                (IndicatorKind::Score, Some(v)) => level(m, v),
                _ => None,
            };
            Cell {
                indicator,
                by,
                suppressed: false,
                rule: None,
                n: Some(a.n),
                denominator: Some(a.denominator),
                value,
                level: lvl,
            }
        })
        .collect();
    let k_of = |name: &str| meta.get(name).map_or(first.min_cell_size, |m| m.min_cell);
    protect_cells(&mut cells, &k_of);
    let min_cell_size = batches.iter().map(|b| b.min_cell_size).max().unwrap_or(5);
    let refusals = if batches.iter().any(|b| b.refusals.suppressed) {
        protect_refusals(None, min_cell_size)
    } else {
        protect_refusals(
            Some(batches.iter().map(|b| b.refusals.n.unwrap_or(0)).sum()),
            min_cell_size,
        )
    };
    Ok(Combined {
        form_id: first.form_id.clone(),
        site: first.site.clone(),
        round: first.round.clone(),
        min_cell_size,
        indicators,
        cells,
        refusals,
    })
}

#[cfg(test)]
mod tests;
