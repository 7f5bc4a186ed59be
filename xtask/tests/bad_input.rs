//! The command line's bad-input corpus: `cargo xtask repro` with a bad flag or override file.
//! Every case must exit with code 2 and a message naming the flag or field and the value,
//! must not panic, and must write nothing (the scratch folder holds only the override file).

use std::path::{Path, PathBuf};
use std::process::Command;

/// One case: the override file (if any), extra flags, and what the message must contain.
struct Case {
    name: &'static str,
    config: Option<String>,
    flags: Vec<String>,
    needles: Vec<&'static str>,
}

fn case(name: &'static str, config: &str, needles: &[&'static str]) -> Case {
    Case {
        name,
        config: Some(config.to_string()),
        flags: Vec::new(),
        needles: needles.to_vec(),
    }
}

fn flags(name: &'static str, flags: &[&str], needles: &[&'static str]) -> Case {
    Case {
        name,
        config: None,
        flags: flags.iter().map(ToString::to_string).collect(),
        needles: needles.to_vec(),
    }
}

fn corpus() -> Vec<Case> {
    let long_line = format!("[ns-ex1]\netas = [{}x]\n", "0.1, ".repeat(200_000));
    vec![
        flags("threads 0", &["--threads", "0"], &["--threads", "0"]),
        flags(
            "threads 100000",
            &["--threads", "100000"],
            &["--threads", "100000", "1024"],
        ),
        flags("unknown --only", &["--only", "zz"], &["zz", "ns-ex1"]),
        flags(
            "shard 3 of 2",
            &["--shard", "3/2"],
            &["--shard", "3/2", "I < N"],
        ),
        flags("shard of nothing", &["--shard", "1/0"], &["--shard", "1/0"]),
        flags(
            "missing --config",
            &["--config", "/nonexistent/over.toml"],
            &["/nonexistent/over.toml"],
        ),
        case("unclosed table", "[ns-ex1\n", &["over.toml:1:", "near"]),
        case("a 1 MB line", &long_line, &["over.toml:2:", "near"]),
        case(
            "x_min = -inf",
            "[ns-ex2]\nx_min = -inf\n",
            &["ns-ex2", "x_min", "-inf", "finite"],
        ),
        case(
            "x_max = 1e308",
            "[ns-ex1]\nx_max = 1e308\n",
            &["ns-ex1", "x_max", "f64::MAX / 2"],
        ),
        case(
            "etas = 10^12",
            "[ns-ex2]\netas = 1000000000000\n",
            &["etas", "1000000000000", "at most 1048576"],
        ),
        case(
            "eta_max = inf",
            "[ns-ex2]\neta_max = inf\n",
            &["eta_max", "inf"],
        ),
        case(
            "unknown field",
            "[ns-ex1]\netaz = [0.1]\n",
            &["ns-ex1", "etaz", "unknown field"],
        ),
        case(
            "wrong type",
            "[ns-ex1]\netas = \"fast\"\n",
            &["ns-ex1", "etas", "fast"],
        ),
        case(
            "unknown experiment",
            "[ns-ex9]\nseed = 1\n",
            &["ns-ex9", "registered experiment"],
        ),
        case("not a table", "ns-ex1 = 3\n", &["ns-ex1", "a table"]),
        case(
            "max_iterations = i64::MAX",
            "[ns-ex2]\nmax_iterations = 9223372036854775807\n",
            &["max_iterations", "9223372036854775807"],
        ),
        case(
            "no step sizes",
            "[ns-fig2]\netas = []\n",
            &["ns-fig2", "etas", "at least 1"],
        ),
        case(
            "spectrum of the wrong length",
            "[ns-thm1]\nspectrum = [1.0]\n",
            &["ns-thm1", "spectrum", "1 values"],
        ),
        case(
            "batch beyond the data",
            "[mjs-noise]\nbatch = 100000\n",
            &["mjs-noise", "batch", "100000"],
        ),
        case(
            "a basin map of 10^10 starts",
            "[ns-ex2]\nbasin_resolution = 100000\n",
            &["basin_resolution²", "100000 × 100000"],
        ),
        case(
            "eta_fraction > 1",
            "[ns-thm2]\neta_fraction = 1.5\n",
            &["eta_fraction", "1.5", "(0, 1]"],
        ),
        case(
            "an odd power",
            "[ns-ex3]\npowers = [3]\n",
            &["powers[0]", "3", "even"],
        ),
        case(
            "a student of another shape",
            "[mjs-escape.setting]\nteacher = [3, 6, 1]\nstudent = [4, 12, 1]\nsamples = 20\ninit_gain = 1.0\ndata_seed = 1\ninit_seed = 2\n",
            &["setting.student", "[4, 12, 1]"],
        ),
        case(
            "rho = nan",
            "[ns-depth]\nrhos = [nan]\n",
            &["rhos[0]", "NaN"],
        ),
        case(
            "one sigma",
            "[mjs-sgd]\nsigmas = 1\n",
            &["mjs-sgd", "sigmas", "at least 2"],
        ),
        case(
            "no negative eigenvalue",
            "[ns-thm3]\nspectrum = [1.0, 2.0]\n",
            &["ns-thm3", "spectrum", "negative"],
        ),
        case(
            "x = 0",
            "[ns-thm4]\nx = 0.0\n",
            &["ns-thm4", "x = 0", "≠ 0"],
        ),
        case(
            "seeds = 0",
            "[ns-residual]\nseeds = 0\n",
            &["ns-residual", "seeds", "at least 1"],
        ),
        case(
            "negative init scale",
            "[ns-thm1]\ninit_scale = -1.0\n",
            &["init_scale", "-1"],
        ),
        case(
            "continuation 0",
            "[mjs-escape]\ncontinuation = 0\n",
            &["continuation", "0"],
        ),
        case(
            "every > steps / 4",
            "[mjs-sharpness]\nevery = 1000000\n",
            &["mjs-sharpness", "steps", "4 × every"],
        ),
        case(
            "a too-wide well",
            "[mjs-gd]\nwidth = 1000.0\n",
            &["mjs-gd", "width", "sharper than the bowl"],
        ),
        case(
            "depth 1 for a ρ pair",
            "[ns-large-sv]\ndepth = 1\n",
            &["ns-large-sv", "depth", "at least 2"],
        ),
    ]
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "stepsize-cli-{}-{}",
        std::process::id(),
        name.replace(' ', "_")
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn every_bad_input_exits_2_names_the_field_and_writes_nothing() {
    let corpus = corpus();
    assert!(corpus.len() >= 30, "{} cases", corpus.len());
    for case in &corpus {
        let dir = scratch(case.name);
        let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
        command
            .args(["repro", "--quick", "--out"])
            .arg(dir.join("out"));
        if !case.flags.iter().any(|f| f == "--only") {
            command.args(["--only", "ns-ex1"]);
        }
        if let Some(text) = &case.config {
            std::fs::write(dir.join("over.toml"), text).unwrap();
            command.arg("--config").arg(dir.join("over.toml"));
        }
        command.args(&case.flags);
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains("panicked"),
            "{}: panicked: {stderr}",
            case.name
        );
        assert_eq!(output.status.code(), Some(2), "{}: {stderr}", case.name);
        for needle in &case.needles {
            assert!(
                stderr.contains(needle),
                "{}: `{stderr}` lacks `{needle}`",
                case.name
            );
        }
        assert!(
            stderr.len() < 2000,
            "{}: a {}-byte message",
            case.name,
            stderr.len()
        );
        let expected: Vec<String> = case
            .config
            .iter()
            .map(|_| "over.toml".to_string())
            .collect();
        assert_eq!(
            entries(&dir),
            expected,
            "{}: something was written",
            case.name
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
