//! Snapshot tests: the rounded numbers of every experiment's quick config. A changed snapshot
//! is a changed result: review it as one (`INSTA_UPDATE=always cargo test -p gd-repro` then
//! `git diff -- '*.snap'`, and say why each number moved).

mod snapshot_view;

use gd_repro::{RunOptions, Verdict, experiments};
use snapshot_view::view;

fn check(id: &str) {
    let options = RunOptions {
        quick: true,
        ..RunOptions::default()
    };
    let experiment = experiments()
        .into_iter()
        .find(|e| e.id == id)
        .expect("registered");
    let report = (experiment.run)(&options).unwrap();
    let failing: Vec<&str> = report
        .claims
        .iter()
        .filter(|c| c.verdict == Verdict::Fails)
        .map(|c| c.statement.as_str())
        .collect();
    assert!(
        failing.is_empty(),
        "{id}: failing claims in the quick config: {failing:?}"
    );
    insta::assert_yaml_snapshot!(id, view(&report));
}

#[test]
fn every_registered_experiment_has_a_snapshot_test() {
    let tested = [
        "ns-ex1",
        "ns-ex2",
        "ns-ex3",
        "ns-thm1",
        "ns-thm2",
        "ns-thm3",
        "ns-thm4",
        "ns-fig2",
        "ns-depth",
        "ns-large-sv",
        "ns-residual",
        "mjs-gd",
        "mjs-sgd",
        "mjs-escape",
        "mjs-sharpness",
        "mjs-noise",
    ];
    for e in experiments() {
        assert!(tested.contains(&e.id), "add a snapshot test for {}", e.id);
    }
}

#[test]
fn ns_ex1() {
    check("ns-ex1");
}

#[test]
fn ns_ex2() {
    check("ns-ex2");
}

#[test]
fn ns_ex3() {
    check("ns-ex3");
}

#[test]
fn ns_thm1() {
    check("ns-thm1");
}

#[test]
fn ns_thm2() {
    check("ns-thm2");
}

#[test]
fn ns_thm3() {
    check("ns-thm3");
}

#[test]
fn ns_thm4() {
    check("ns-thm4");
}

#[test]
fn ns_fig2() {
    check("ns-fig2");
}

#[test]
fn ns_depth() {
    check("ns-depth");
}

#[test]
fn ns_large_sv() {
    check("ns-large-sv");
}

#[test]
fn ns_residual() {
    check("ns-residual");
}

#[test]
fn mjs_gd() {
    check("mjs-gd");
}

#[test]
fn mjs_sgd() {
    check("mjs-sgd");
}

#[test]
fn mjs_escape() {
    check("mjs-escape");
}

#[test]
fn mjs_sharpness() {
    check("mjs-sharpness");
}

#[test]
fn mjs_noise() {
    check("mjs-noise");
}

#[test]
fn a_change_in_the_middle_of_a_series_changes_its_digest_and_rounding_noise_does_not() {
    use snapshot_view::digest;
    let series = [0.5, 1.25, 2.0];
    assert_ne!(digest(series.iter()), digest([0.5, 1.250_001, 2.0].iter()));
    assert_eq!(
        digest(series.iter()),
        digest([0.5, 1.25 * (1.0 + 1e-15), 2.0].iter())
    );
}

/// The experiments that run side by side (and the sweeps and networks inside them) give the
/// same reports on pools of one and three threads.
#[test]
fn experiments_run_side_by_side_give_the_same_reports_at_one_and_three_threads() {
    let options = RunOptions {
        quick: true,
        ..RunOptions::default()
    };
    let on = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let reports = pool.install(|| gd_repro::run_experiments(None, &options).unwrap());
        serde_json::to_string(&reports).unwrap()
    };
    assert_eq!(on(1), on(3));
}
