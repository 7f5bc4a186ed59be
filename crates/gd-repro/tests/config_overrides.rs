//! Config overrides from TOML: a field is replaced, an unknown field or experiment id is an
//! error that names it, and a value out of range is a typed error, not a panic.

use gd_repro::{Overrides, ReproError, RunOptions, run_experiments};

fn options(toml: &str) -> RunOptions {
    RunOptions {
        quick: true,
        overrides: Overrides::parse("test.toml", toml).unwrap(),
        ..RunOptions::default()
    }
}

#[test]
fn an_override_replaces_a_field() {
    let reports = run_experiments(
        Some("ns-ex1"),
        &options("[ns-ex1]\netas = [0.25, 0.5]\nstarts_per_eta = 3\n"),
    )
    .unwrap();
    let table = reports[0]
        .tables
        .iter()
        .find(|t| t.name == "orbits")
        .unwrap();
    assert_eq!(
        table.rows.iter().map(|r| r[0]).collect::<Vec<_>>(),
        vec![0.25, 0.5]
    );
}

#[test]
fn unknown_fields_ids_and_bad_values_are_errors() {
    let err = run_experiments(Some("ns-ex1"), &options("[ns-ex1]\netaz = [0.1]\n")).unwrap_err();
    assert!(
        matches!(&err, ReproError::Config { id, .. } if id == "ns-ex1")
            && err.to_string().contains("etaz"),
        "{err}"
    );
    let err = run_experiments(Some("ns-ex1"), &options("[ns-ex9]\nseed = 1\n")).unwrap_err();
    assert!(
        err.to_string().contains("registered experiment id"),
        "{err}"
    );
    let err = run_experiments(
        Some("ns-ex1"),
        &options("[ns-ex1]\netas = [-0.1]\nstarts_per_eta = 2\n"),
    )
    .unwrap_err();
    assert!(err.to_string().contains("eta"), "{err}");
    let err =
        run_experiments(Some("ns-ex1"), &options("[ns-ex1]\nstarts_per_eta = 0\n")).unwrap_err();
    assert!(matches!(err, ReproError::Config { .. }), "{err}");
    assert!(Overrides::parse("test.toml", "[ns-ex1\n").is_err());
    assert!(matches!(
        run_experiments(Some("zz"), &RunOptions::default()),
        Err(ReproError::UnknownExperiment(..))
    ));
}

#[test]
fn every_report_carries_the_whole_config_it_was_produced_with() {
    // The quick report's config, given as overrides on top of the *full* preset, must give
    // the quick report again: then the config in data/<id>.json is enough to re-run it.
    for experiment in gd_repro::experiments() {
        let quick = RunOptions {
            quick: true,
            ..RunOptions::default()
        };
        let report = (experiment.run)(&quick).unwrap();
        let mut document = toml::map::Map::new();
        document.insert(
            experiment.id.to_string(),
            toml::Value::try_from(&report.config).unwrap(),
        );
        let overrides = toml::to_string(&document).unwrap();
        let from_config = RunOptions {
            quick: false,
            overrides: Overrides::parse("config.toml", &overrides).unwrap(),
            ..RunOptions::default()
        };
        let again = (experiment.run)(&from_config).unwrap();
        // Compared as written to data/<id>.json: bit for bit, NaN included (NaN != NaN).
        assert_eq!(
            serde_json::to_string(&again).unwrap(),
            serde_json::to_string(&report).unwrap(),
            "{}: the embedded config does not reproduce the report",
            experiment.id
        );
    }
}

#[test]
fn thread_counts_outside_the_cap_are_refused_before_any_pool_is_built() {
    for threads in [0, gd_core::MAX_THREADS + 1, 100_000] {
        let err = gd_repro::set_threads(threads).unwrap_err();
        assert!(
            err.contains("--threads") && err.contains(&threads.to_string()),
            "{err}"
        );
    }
}
