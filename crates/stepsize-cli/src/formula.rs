//! A loss given as a formula in x (1-D), x and y (2-D), or x1 … xd, parsed by exmex with its
//! symbolic partial derivatives: the gradient and the Hessian are formulas too, so the
//! objective's derivatives are exact up to the rounding of their evaluation.

use crate::error::CliError;
use exmex::Differentiate;
use exmex::prelude::*;
use gd_core::Objective;

/// The most parameters a formula may have: its Hessian is d² formulas.
pub const MAX_FORMULA_DIM: usize = 16;

/// The variable names of dimension d, in θ's order: x; x, y; or x1 … xd.
pub fn variable_names(d: usize) -> Vec<String> {
    match d {
        1 => vec!["x".into()],
        2 => vec!["x".into(), "y".into()],
        _ => (1..=d).map(|i| format!("x{i}")).collect(),
    }
}

/// The dimension a formula's variables imply: 1 for x alone, 2 when y appears, d for x1 … xd
/// (the largest index).
pub fn dimension_of(text: &str) -> Result<usize, CliError> {
    let loss = FlatEx::<f64>::parse(text).map_err(|e| formula_error(text, e.msg()))?;
    let mut dim = 1;
    for v in loss.var_names() {
        let index = match v.as_str() {
            "x" => 1,
            "y" => 2,
            _ => v
                .strip_prefix('x')
                .and_then(|i| i.parse::<usize>().ok())
                .filter(|i| (1..=MAX_FORMULA_DIM).contains(i))
                .ok_or_else(|| {
                    CliError::flag(
                        "--loss",
                        format!("{text:?} (variable {v:?})"),
                        format!("a formula in x; x, y; or x1 … x{MAX_FORMULA_DIM}"),
                    )
                })?,
        };
        dim = dim.max(index);
    }
    Ok(dim)
}

/// A loss formula with its gradient and Hessian formulas.
pub struct Formula {
    text: String,
    dim: usize,
    loss: FlatEx<f64>,
    gradient: Vec<FlatEx<f64>>,
    /// Upper triangle, row-major: (i, j) for i ≤ j.
    hessian: Vec<FlatEx<f64>>,
    /// For each variable of the parsed formula (exmex orders them alphabetically), the index of
    /// the parameter it names.
    parameter_of_variable: Vec<usize>,
}

impl std::fmt::Debug for Formula {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Formula({:?}, d = {})", self.text, self.dim)
    }
}

impl Formula {
    /// Parses `text` as a loss in dimension `dim`; its variables must be among the names of
    /// that dimension ([`variable_names`]; `x1`, `x2` are accepted for d ≤ 2 too).
    pub fn parse(text: &str, dim: usize) -> Result<Self, CliError> {
        if !(1..=MAX_FORMULA_DIM).contains(&dim) {
            return Err(CliError::flag(
                "--loss",
                format!("a formula in {dim} parameters"),
                format!("1 to {MAX_FORMULA_DIM} parameters (the Hessian is d² formulas)"),
            ));
        }
        let loss = FlatEx::<f64>::parse(text).map_err(|e| formula_error(text, e.msg()))?;
        let names = variable_names(dim);
        let numbered: Vec<String> = (1..=dim).map(|i| format!("x{i}")).collect();
        let mut parameter_of_variable = Vec::new();
        for v in loss.var_names() {
            let index = names
                .iter()
                .position(|n| n == v)
                .or_else(|| numbered.iter().position(|n| n == v));
            match index {
                Some(i) => parameter_of_variable.push(i),
                None => {
                    return Err(CliError::flag(
                        "--loss",
                        format!("{text:?} (variable {v:?})"),
                        format!("a formula in {} for {dim} parameter(s)", names.join(", ")),
                    ));
                }
            }
        }
        let partial = |e: &FlatEx<f64>, variable: usize| -> Result<FlatEx<f64>, CliError> {
            e.clone()
                .partial(variable)
                .map_err(|err| formula_error(text, err.msg()))
        };
        let variables = loss.var_names().len();
        // bound: `MAX_FORMULA_DIM` caps dim above.
        let mut gradient = Vec::with_capacity(dim);
        let mut hessian = Vec::with_capacity(dim * (dim + 1) / 2);
        for i in 0..dim {
            let vi = parameter_of_variable.iter().position(|p| *p == i);
            let gi = match vi {
                Some(v) => partial(&loss, v)?,
                None => FlatEx::<f64>::parse("0").map_err(|e| formula_error(text, e.msg()))?,
            };
            for j in i..dim {
                let vj = parameter_of_variable.iter().position(|p| *p == j);
                hessian.push(match (vi, vj) {
                    (Some(_), Some(v)) if variables > 0 => partial(&gi, v)?,
                    _ => FlatEx::<f64>::parse("0").map_err(|e| formula_error(text, e.msg()))?,
                });
            }
            gradient.push(gi);
        }
        Ok(Self {
            text: text.to_string(),
            dim,
            loss,
            gradient,
            hessian,
            parameter_of_variable,
        })
    }

    /// The formula as given.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn values(&self, theta: &[f64], values: &mut Vec<f64>) {
        values.clear();
        values.extend(self.parameter_of_variable.iter().map(|p| theta[*p]));
    }
}

/// A parse error, with the formula and the parser's message (which names the token).
fn formula_error(text: &str, message: &str) -> CliError {
    CliError::flag(
        "--loss",
        format!("{text:?}"),
        format!("a formula exmex can parse: {message}"),
    )
}

/// Evaluates `e` at the values; an evaluation error (none after a successful parse) is NaN,
/// which the analyses treat as divergence.
fn eval(e: &FlatEx<f64>, values: &[f64]) -> f64 {
    e.eval_relaxed(values).unwrap_or(f64::NAN)
}

impl Objective for Formula {
    type Workspace = Vec<f64>;

    fn dim(&self) -> usize {
        self.dim
    }

    fn workspace(&self) -> Vec<f64> {
        Vec::with_capacity(self.parameter_of_variable.len())
    }

    fn loss(&self, theta: &[f64], values: &mut Vec<f64>) -> f64 {
        self.values(theta, values);
        eval(&self.loss, values)
    }

    fn loss_and_gradient(&self, theta: &[f64], gradient: &mut [f64], values: &mut Vec<f64>) -> f64 {
        self.values(theta, values);
        for (g, e) in gradient.iter_mut().zip(&self.gradient) {
            *g = eval(e, values);
        }
        eval(&self.loss, values)
    }

    fn gradient(&self, theta: &[f64], gradient: &mut [f64], values: &mut Vec<f64>) {
        self.values(theta, values);
        for (g, e) in gradient.iter_mut().zip(&self.gradient) {
            *g = eval(e, values);
        }
    }

    fn hessian_vector_product(
        &self,
        theta: &[f64],
        v: &[f64],
        out: &mut [f64],
        values: &mut Vec<f64>,
    ) {
        self.values(theta, values);
        out.fill(0.0);
        let mut k = 0;
        for i in 0..self.dim {
            for j in i..self.dim {
                let h = eval(&self.hessian[k], values);
                k += 1;
                out[i] += h * v[j];
                if j != i {
                    out[j] += h * v[i];
                }
            }
        }
    }
}

#[cfg(test)]
mod properties {
    //! What a user types as a loss: any text, and any expression built from the grammar's
    //! pieces, is parsed or refused with a typed error naming `--loss`, never a panic; a formula
    //! that parses evaluates (loss, gradient, HVP) at any point without a panic.

    use super::{Formula, dimension_of};
    use gd_core::Objective;
    use proptest::prelude::*;

    /// Expressions from the grammar's tokens, nested, including nonsense combinations.
    fn expression() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            Just("x".to_string()),
            Just("y".to_string()),
            Just("x1".to_string()),
            Just("z".to_string()),
            any::<f64>().prop_map(|v| format!("{v}")),
            (0u32..1000).prop_map(|v| v.to_string()),
            Just("pi".to_string()),
            Just("".to_string()),
        ];
        leaf.prop_recursive(4, 24, 3, |inner| {
            let op = prop::sample::select(vec!["+", "-", "*", "/", "^", " ", ",", "**"]);
            let function = prop::sample::select(vec![
                "sin", "cos", "exp", "log", "sqrt", "abs", "tanh", "foo",
            ]);
            prop_oneof![
                (inner.clone(), op, inner.clone()).prop_map(|(a, o, b)| format!("{a}{o}{b}")),
                (function, inner.clone()).prop_map(|(f, a)| format!("{f}({a})")),
                inner.clone().prop_map(|a| format!("({a})")),
                inner.clone().prop_map(|a| format!("-{a}")),
                inner.prop_map(|a| format!("({a}")),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

        #[test]
        fn any_text_is_parsed_or_refused(text in "\\PC{0,60}", dim in 0usize..5) {
            if let Err(e) = Formula::parse(&text, dim) {
                prop_assert!(e.to_string().contains("--loss"), "{e}");
            }
            let _ = dimension_of(&text);
        }

        #[test]
        fn parsed_formulas_evaluate_anywhere(
            text in expression(),
            point in prop::collection::vec(prop_oneof![any::<f64>(), -10.0..10.0f64], 2),
        ) {
            if let Ok(f) = Formula::parse(&text, 2) {
                let mut ws = f.workspace();
                let (mut g, mut h) = (vec![0.0; 2], vec![0.0; 2]);
                let _ = f.loss_and_gradient(&point, &mut g, &mut ws);
                f.hessian_vector_product(&point, &[1.0, -1.0], &mut h, &mut ws);
            }
        }
    }
}
