//! Sharded paper results: each experiment's first sweep split into shards, stored, and merged
//! gives reports (and so outputs) identical to the unsharded run.

use gd_repro::{Overrides, RunOptions, Sharding, render_tree, run_experiments};

fn options(sharding: Option<Sharding>) -> RunOptions {
    RunOptions {
        quick: true,
        // Figure 2 over more seeds than the quick preset: a sweep worth splitting.
        overrides: Overrides::parse("test.toml", "[ns-fig2]\nseeds = [1, 2, 3, 4, 5, 6, 7]\n")
            .unwrap(),
        sharding,
        ..RunOptions::default()
    }
}

#[test]
fn shards_of_the_first_sweeps_merge_into_the_unsharded_reports() {
    let dir = std::env::temp_dir().join(format!("stepsize-repro-shards-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let only = Some("ns-");
    let whole = run_experiments(only, &options(None)).unwrap();
    for index in 0..3 {
        let shard = gd_core::Shard::new(index, 3).unwrap();
        let stored = run_experiments(
            only,
            &options(Some(Sharding::Compute {
                shard,
                dir: dir.clone(),
            })),
        )
        .unwrap();
        assert!(stored.is_empty(), "a shard run returns no report");
    }
    // One folder per experiment's first sweep, three shard files in each.
    let folders: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().collect();
    for folder in &folders {
        let files = std::fs::read_dir(folder.path()).unwrap().count();
        assert_eq!(files, 3, "{}", folder.path().display());
    }
    assert!(folders.len() >= 8, "{} sweeps stored", folders.len());
    let merged = run_experiments(only, &options(Some(Sharding::merge(dir.clone())))).unwrap();
    let nowhere = dir.join("no-tree");
    let (a, b) = (
        render_tree(&nowhere, &merged).unwrap(),
        render_tree(&nowhere, &whole).unwrap(),
    );
    let differing: Vec<_> = b
        .iter()
        .filter(|(k, v)| a.get(*k) != Some(v))
        .map(|(k, _)| k.display().to_string())
        .collect();
    assert!(
        differing.is_empty() && a.len() == b.len(),
        "merged shards give other outputs than the unsharded run: {differing:?}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
