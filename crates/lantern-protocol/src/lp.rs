//! A small dense two-phase simplex (Bland's rule, so it never cycles) for the linear
//! programs of disclosure control: tables of a few dozen cells, 0/±1 coefficients and
//! integer right-hand sides. Not a general-purpose solver.

const EPS: f64 = 1e-9;

/// The outcome of `minimise c·x subject to A x = b, x ≥ 0`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Lp {
    Optimal { value: f64, x: Vec<f64> },
    Unbounded,
    Infeasible,
}

struct Tableau {
    rows: Vec<Vec<f64>>,
    obj: Vec<f64>,
    basis: Vec<usize>,
    rhs: usize,
}

impl Tableau {
    fn pivot(&mut self, r: usize, c: usize) {
        let p = self.rows[r][c];
        for v in self.rows[r].iter_mut() {
            *v /= p;
        }
        let pivot_row = self.rows[r].clone();
        for (i, row) in self.rows.iter_mut().enumerate() {
            if i != r {
                let f = row[c];
                if f.abs() > 0.0 {
                    for (v, pv) in row.iter_mut().zip(&pivot_row) {
                        *v -= f * pv;
                    }
                }
            }
        }
        let f = self.obj[c];
        if f.abs() > 0.0 {
            for (v, pv) in self.obj.iter_mut().zip(&pivot_row) {
                *v -= f * pv;
            }
        }
        self.basis[r] = c;
    }

    /// Runs the simplex with entering columns limited to `0..allowed`; false when the
    /// objective is unbounded below.
    fn run(&mut self, allowed: usize) -> bool {
        loop {
            let Some(c) = (0..allowed).find(|&j| self.obj[j] < -EPS) else {
                return true;
            };
            let mut best: Option<(f64, usize, usize)> = None;
            for (i, row) in self.rows.iter().enumerate() {
                if row[c] > EPS {
                    let ratio = row[self.rhs] / row[c];
                    let better = match best {
                        None => true,
                        Some((r, _, b)) => {
                            ratio < r - EPS || ((ratio - r).abs() <= EPS && self.basis[i] < b)
                        }
                    };
                    if better {
                        best = Some((ratio, i, self.basis[i]));
                    }
                }
            }
            let Some((_, r, _)) = best else {
                return false;
            };
            self.pivot(r, c);
        }
    }
}

/// Minimises `c·x` subject to `a x = b`, `x ≥ 0`.
pub(crate) fn minimise(c: &[f64], a: &[Vec<f64>], b: &[f64]) -> Lp {
    let m = a.len();
    let n = c.len();
    let rhs = n + m;
    let mut rows = vec![vec![0.0; rhs + 1]; m];
    for (i, row) in rows.iter_mut().enumerate() {
        let sign = if b[i] < 0.0 { -1.0 } else { 1.0 };
        for (r, v) in row.iter_mut().zip(&a[i]) {
            *r = sign * v;
        }
        row[n + i] = 1.0;
        row[rhs] = sign * b[i];
    }
    let mut obj = vec![0.0; rhs + 1];
    for o in obj.iter_mut().skip(n).take(m) {
        *o = 1.0;
    }
    for row in &rows {
        for (o, v) in obj.iter_mut().zip(row) {
            *o -= v;
        }
    }
    let mut t = Tableau {
        rows,
        obj,
        basis: (n..n + m).collect(),
        rhs,
    };
    t.run(n + m);
    if -t.obj[rhs] > 1e-7 {
        return Lp::Infeasible;
    }
    // Drive the artificial variables still basic (at zero) out of the basis.
    for i in 0..m {
        if t.basis[i] >= n
            && let Some(j) = (0..n).find(|&j| t.rows[i][j].abs() > EPS)
        {
            t.pivot(i, j);
        }
    }
    let mut obj = vec![0.0; rhs + 1];
    obj[..n].copy_from_slice(c);
    for i in 0..m {
        let bi = t.basis[i];
        if bi < n && c[bi] != 0.0 {
            let f = c[bi];
            for (o, v) in obj.iter_mut().zip(&t.rows[i]) {
                *o -= f * v;
            }
        }
    }
    t.obj = obj;
    if !t.run(n) {
        return Lp::Unbounded;
    }
    let mut x = vec![0.0; n];
    for (i, &bi) in t.basis.iter().enumerate() {
        if bi < n {
            x[bi] = t.rows[i][rhs];
        }
    }
    Lp::Optimal {
        value: -t.obj[rhs],
        x,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn solves_a_small_program() {
        // min -x - y  s.t. x + y + s = 4, x - y + t = 2  → x = 3, y = 1, value -4.
        let c = [-1.0, -1.0, 0.0, 0.0];
        let a = vec![vec![1.0, 1.0, 1.0, 0.0], vec![1.0, -1.0, 0.0, 1.0]];
        let Lp::Optimal { value, .. } = minimise(&c, &a, &[4.0, 2.0]) else {
            panic!("not optimal")
        };
        assert!((value + 4.0).abs() < 1e-9);
    }

    #[test]
    fn reports_infeasible_and_unbounded() {
        let a = vec![vec![1.0, 1.0]];
        assert_eq!(minimise(&[0.0, 0.0], &a, &[-1.0]), Lp::Infeasible);
        let a = vec![vec![1.0, -1.0]];
        assert_eq!(minimise(&[-1.0, 0.0], &a, &[1.0]), Lp::Unbounded);
    }

    #[test]
    fn tolerates_redundant_rows() {
        // x + y = 2 twice; min x → 0.
        let a = vec![vec![1.0, 1.0], vec![1.0, 1.0]];
        let Lp::Optimal { value, x } = minimise(&[1.0, 0.0], &a, &[2.0, 2.0]) else {
            panic!("not optimal")
        };
        assert!(value.abs() < 1e-9);
        assert!((x[1] - 2.0).abs() < 1e-9);
    }
}
