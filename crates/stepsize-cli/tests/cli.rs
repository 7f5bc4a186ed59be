//! The `stepsize` command end to end: each subcommand's output, a sharded basin map and orbit
//! diagram merged byte-identical to the unsharded run, and the bad-input corpus (exit code 2, a
//! message naming the flag and the value, no panic, nothing written).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const W5: &str = "(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y";

fn stepsize(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_stepsize"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("stepsize-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn json(output: &Output) -> serde_json::Value {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("JSON on stdout")
}

#[test]
fn run_stability_and_boundary_answer_for_a_formula() {
    // SPEC W5: the global minimum near (1.06, −1.03) has 2/λmax = 0.1138, so at η = 0.12 GD
    // from nearby ends on a period-2 orbit, and at η = 0.05 at the minimum.
    let run = json(&stepsize(&[
        "run", "--loss", W5, "--theta0", "0.9,-1.1", "--eta", "0.12", "--json",
    ]));
    assert_eq!(run["kind"], "periodic");
    assert_eq!(run["period"], 2);
    let run = json(&stepsize(&[
        "run", "--loss", W5, "--theta0", "0.9,-1.1", "--eta", "0.05", "--json",
    ]));
    assert_eq!(run["kind"], "fixed_point");
    assert_eq!(run["stability"], "Stable");
    let s = json(&stepsize(&[
        "stability",
        "--loss",
        W5,
        "--at",
        "1.0591268,-1.0315855",
        "--eta",
        "0.12",
        "--json",
    ]));
    let step = s["max_stable_step"].as_f64().unwrap();
    assert!((step - 0.1138).abs() < 1e-4, "{step}");
    assert_eq!(s["at_eta"]["stability"], "Unstable");
    let b = json(&stepsize(&[
        "boundary", "--loss", W5, "--near", "1,-1", "--json",
    ]));
    let (theory, empirical) = (
        b["theory"].as_f64().unwrap(),
        b["empirical"].as_f64().unwrap(),
    );
    assert!((theory - empirical).abs() <= 2e-3 * theory, "{b}");
}

fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .map(|e| {
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

#[test]
fn sharded_sweeps_merge_to_the_unsharded_output_byte_for_byte() {
    let dir = scratch("shards");
    let basins = |out: &Path, shard: Option<&str>| {
        let mut args = vec![
            "basins", "--loss", W5, "--eta", "0.12", "--grid", "64", "--x", "-2:2", "--y", "-2:2",
            "--out",
        ];
        let out = out.to_str().unwrap().to_string();
        args.push(&out);
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let o = stepsize(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    basins(&dir.join("whole"), None);
    for i in 0..3 {
        basins(&dir.join("shards"), Some(&format!("{i}/3")));
    }
    let merged = stepsize(&[
        "merge",
        dir.join("shards").to_str().unwrap(),
        "--out",
        dir.join("merged").to_str().unwrap(),
    ]);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(files(&dir.join("whole")), files(&dir.join("merged")));
    let names: Vec<String> = files(&dir.join("whole"))
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    assert_eq!(
        names,
        ["basins.json", "basins.png", "basins.svg", "labels.bin"]
    );

    let diagram = |out: &Path, shard: Option<&str>| {
        let out = out.to_str().unwrap().to_string();
        let mut args = vec![
            "orbit-diagram",
            "--loss",
            "(x^2+1)*(x-1)^2*(x-2)^2",
            "--eta",
            "0.05:0.6:40",
            "--x0",
            "0.6:2.4:3",
            "--transient",
            "200",
            "--points",
            "8",
            "--out",
            &out,
        ];
        if let Some(s) = shard {
            args.extend(["--shard", s]);
        }
        let o = stepsize(&args);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    diagram(&dir.join("diagram"), None);
    for i in 0..2 {
        diagram(&dir.join("diagram-shards"), Some(&format!("{i}/2")));
    }
    let merged = stepsize(&[
        "merge",
        dir.join("diagram-shards").to_str().unwrap(),
        "--out",
        dir.join("diagram-merged").to_str().unwrap(),
    ]);
    assert!(
        merged.status.success(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    assert_eq!(
        files(&dir.join("diagram")),
        files(&dir.join("diagram-merged"))
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("diagram/orbit-diagram.json")).unwrap())
            .unwrap();
    let steps: Vec<f64> = summary["minima"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["max_stable_step"].as_f64().unwrap())
        .collect();
    assert!(
        steps.iter().any(|s| (s - 0.2).abs() < 1e-9)
            && steps.iter().any(|s| (s - 0.5).abs() < 1e-9),
        "{steps:?}"
    );

    // A missing shard, a duplicated one, and shards of two different runs are errors.
    std::fs::remove_file(dir.join("diagram-shards/shard-00001-of-00002.json")).unwrap();
    let o = stepsize(&[
        "merge",
        dir.join("diagram-shards").to_str().unwrap(),
        "--out",
        dir.join("nothing").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("shard 1 of 2 is missing"));
    std::fs::copy(
        dir.join("shards/shard-00000-of-00003.json"),
        dir.join("diagram-shards/shard-00000-of-00003.json"),
    )
    .unwrap();
    let o = stepsize(&[
        "merge",
        dir.join("diagram-shards").to_str().unwrap(),
        "--out",
        dir.join("nothing").to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("another run"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!dir.join("nothing").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn every_bad_input_exits_2_names_the_flag_and_writes_nothing() {
    let dir = scratch("bad");
    let out = dir.join("out");
    let out = out.to_str().unwrap();
    let basins = |flag: &str, value: &str| {
        let mut args: Vec<String> = [
            "basins",
            "--loss",
            W5,
            "--eta",
            "0.1",
            "--grid",
            "8",
            "--x",
            "-2:2",
            "--y",
            "-2:2",
            "--max-iterations",
            "2000",
            "--out",
            out,
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        if let Some(i) = args.iter().position(|a| a == flag) {
            args[i + 1] = value.to_string();
        }
        args
    };
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (basins("--loss", "x^^2"), vec!["--loss", "x^^2", "'^'"]),
        (basins("--loss", "(x+y"), vec!["--loss", "(x+y"]),
        (basins("--loss", "x + z"), vec!["--loss", "\"z\""]),
        (basins("--eta", "0"), vec!["--eta", "0", "> 0"]),
        (basins("--eta", "-0.1"), vec!["--eta", "-0.1"]),
        (basins("--eta", "nan"), vec!["--eta", "nan", "finite"]),
        (basins("--eta", "inf"), vec!["--eta", "inf", "finite"]),
        (basins("--eta", "fast"), vec!["--eta", "fast", "a number"]),
        (basins("--x", "2:-2"), vec!["--x", "2:-2", "LO < HI"]),
        (basins("--x", "1:1"), vec!["--x", "1:1"]),
        (basins("--y", "-2"), vec!["--y", "-2", "LO:HI"]),
        (basins("--grid", "0"), vec!["--grid", "0"]),
        (
            basins("--grid", "1000000"),
            vec!["--grid", "1000000", "8192"],
        ),
        (basins("--grid", "many"), vec!["--grid", "many"]),
        (
            basins("--max-iterations", "99999999999"),
            vec!["--max-iterations", "99999999999"],
        ),
        (
            [basins("--eta", "0.1"), vec!["--shard".into(), "5/4".into()]].concat(),
            vec!["--shard", "5/4", "I < N"],
        ),
        (
            [basins("--eta", "0.1"), vec!["--shard".into(), "0/0".into()]].concat(),
            vec!["--shard", "0"],
        ),
        (
            [
                basins("--eta", "0.1"),
                vec!["--shard".into(), "half".into()],
            ]
            .concat(),
            vec!["--shard", "half"],
        ),
        (
            [
                basins("--eta", "0.1"),
                vec!["--shard".into(), "slurm".into()],
            ]
            .concat(),
            vec!["--shard", "SLURM_ARRAY_TASK_ID"],
        ),
        (
            [vec!["--threads".into(), "0".into()], basins("--eta", "0.1")].concat(),
            vec!["--threads", "0"],
        ),
        (
            [
                vec!["--threads".into(), "100000".into()],
                basins("--eta", "0.1"),
            ]
            .concat(),
            vec!["--threads", "100000"],
        ),
        (
            vec![
                "run".into(),
                "--loss".into(),
                "x^2".into(),
                "--theta0".into(),
                "1,nan".into(),
                "--eta".into(),
                "0.1".into(),
            ],
            vec!["--theta0", "nan"],
        ),
        (
            vec![
                "run".into(),
                "--loss".into(),
                "x^2 + x3".into(),
                "--theta0".into(),
                "1,2".into(),
                "--eta".into(),
                "0.1".into(),
            ],
            vec!["--loss", "\"x3\"", "x, y"],
        ),
        (
            vec![
                "run".into(),
                "--loss".into(),
                "x1^2".into(),
                "--theta0".into(),
                (0..20).map(|_| "1").collect::<Vec<_>>().join(","),
                "--eta".into(),
                "0.1".into(),
            ],
            vec!["--loss", "20 parameters", "16"],
        ),
        (
            vec![
                "stability".into(),
                "--loss".into(),
                "x^2".into(),
                "--at".into(),
                "".into(),
            ],
            vec!["--at", "a number"],
        ),
        (
            vec![
                "stability".into(),
                "--loss".into(),
                "x^2".into(),
                "--at".into(),
                "1".into(),
                "--eta".into(),
                "-1".into(),
            ],
            vec!["--eta", "-1"],
        ),
        (
            vec![
                "boundary".into(),
                "--loss".into(),
                "-x^2".into(),
                "--near".into(),
                "1".into(),
            ],
            vec!["near"],
        ),
        (
            vec![
                "orbit-diagram".into(),
                "--loss".into(),
                "x^4".into(),
                "--eta".into(),
                "0:1:10".into(),
                "--x0".into(),
                "0:1:3".into(),
                "--out".into(),
                out.into(),
            ],
            vec!["--eta", "0:1:10", "> 0"],
        ),
        (
            vec![
                "orbit-diagram".into(),
                "--loss".into(),
                "x^4".into(),
                "--eta".into(),
                "0.1:1".into(),
                "--x0".into(),
                "0:1:3".into(),
                "--out".into(),
                out.into(),
            ],
            vec!["--eta", "LO:HI:N"],
        ),
        (
            vec![
                "orbit-diagram".into(),
                "--loss".into(),
                "x^4".into(),
                "--eta".into(),
                "0.1:1:10".into(),
                "--x0".into(),
                "0:1:3".into(),
                "--points".into(),
                "0".into(),
                "--out".into(),
                out.into(),
            ],
            vec!["--points", "0"],
        ),
        (
            vec![
                "orbit-diagram".into(),
                "--loss".into(),
                "x*y".into(),
                "--eta".into(),
                "0.1:1:10".into(),
                "--x0".into(),
                "0:1:3".into(),
                "--out".into(),
                out.into(),
            ],
            vec!["--loss", "\"y\""],
        ),
        (
            vec![
                "merge".into(),
                dir.join("no-such-folder").to_str().unwrap().into(),
                "--out".into(),
                out.into(),
            ],
            vec!["no-such-folder"],
        ),
    ];
    assert!(cases.len() >= 30, "{} cases", cases.len());
    for (args, needles) in &cases {
        let o = stepsize(&args.iter().map(String::as_str).collect::<Vec<_>>());
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
        let code = o.status.code();
        assert_eq!(code, Some(2), "{args:?}: {stderr}");
        for needle in needles {
            assert!(
                stderr.contains(needle),
                "{args:?}: `{stderr}` lacks `{needle}`"
            );
        }
        assert!(!Path::new(out).exists(), "{args:?}: wrote output");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_closed_stdout_ends_the_run_normally() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stepsize"))
        .args(["run", "--loss", W5, "--theta0", "0.9,-1.1", "--eta", "0.12"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // The reader goes away before the results are printed (as `| head -c 0` would).
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

#[test]
fn eos_on_digits_writes_its_outputs_and_refuses_bad_flags_naming_them() {
    let out = scratch("eos");
    let run = stepsize(
        &[
            "eos", "--count", "500", "--hidden", "100,100", "--eta", "0.065", "--steps", "300",
            "--every", "10", "--out",
        ]
        .iter()
        .copied()
        .chain([out.to_str().unwrap()])
        .collect::<Vec<_>>(),
    );
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("eos.json")).unwrap()).unwrap();
    // The example's setting: λmax starts above 2/η, falls below and sharpens back to it.
    assert_eq!(summary["samples"].as_array().unwrap().len(), 31);
    assert!(summary["onset"].as_u64().is_some(), "{summary}");
    let ratio = summary["ratio_after_onset"]["mean"].as_f64().unwrap();
    assert!((ratio - 1.0).abs() < 0.1, "λmax/(2/η) = {ratio}");
    let rows = std::fs::read_to_string(out.join("eos.csv")).unwrap();
    assert_eq!(rows.lines().count(), 32);
    let losses = std::fs::read_to_string(out.join("losses.csv")).unwrap();
    assert_eq!(losses.lines().count(), 302);
    let svg = std::fs::read_to_string(out.join("edge-of-stability.svg")).unwrap();
    assert!(svg.contains("2/η = 30.7692") && svg.contains("stroke-dasharray"));
    for (flag, value, extra) in [
        ("--eta", "0", vec![]),
        ("--activation", "sigmoid", vec!["--eta", "0.1"]),
        ("--data", "cifar", vec!["--eta", "0.1"]),
        ("--count", "0", vec!["--eta", "0.1"]),
        ("--hidden", "10,x", vec!["--eta", "0.1"]),
        ("--every", "0", vec!["--eta", "0.1"]),
    ] {
        let bad = scratch("eos-bad");
        let mut args = vec!["eos", flag, value, "--out", bad.to_str().unwrap()];
        args.extend(extra);
        let o = stepsize(&args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.contains(flag) && stderr.contains(value), "{stderr}");
        assert_eq!(
            std::fs::read_dir(&bad).unwrap().count(),
            0,
            "nothing written"
        );
    }
    let missing = stepsize(&[
        "eos",
        "--data",
        "idx",
        "--images",
        "/nonexistent",
        "--labels",
        "/nonexistent",
        "--eta",
        "0.1",
        "--out",
        scratch("eos-missing").to_str().unwrap(),
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("/nonexistent"));
}

#[test]
fn eos_with_the_central_flow_writes_its_claims_and_refuses_a_bad_start() {
    let out = scratch("eos-flow");
    let args = [
        "eos", "--count", "200", "--hidden", "16", "--eta", "0.1", "--steps", "40", "--every", "5",
    ];
    let mut with_flow: Vec<&str> = args.to_vec();
    with_flow.extend(["--central-flow", "20", "--out", out.to_str().unwrap()]);
    let run = stepsize(&with_flow);
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        stdout.contains("central flow from step 20 over 20 steps (completed)"),
        "{stdout}"
    );
    assert!(stdout.contains("HVPs per flow step"), "{stdout}");
    let flow: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("central-flow.json")).unwrap()).unwrap();
    assert_eq!(flow["from"], 20);
    assert_eq!(flow["samples"].as_array().unwrap().len(), 5);
    let rows = std::fs::read_to_string(out.join("central-flow.csv")).unwrap();
    assert_eq!(rows.lines().count(), 6);
    let svg = std::fs::read_to_string(out.join("central-flow.svg")).unwrap();
    assert!(svg.contains("central flow's prediction") && svg.contains("2/η = 20"));
    for (value, extra, needle) in [
        ("40", vec![], "--central-flow"),
        ("x", vec![], "--central-flow"),
        ("5", vec!["--seeds", "2"], "one η and one seed"),
    ] {
        let bad = scratch("eos-flow-bad");
        let mut bad_args: Vec<&str> = args.to_vec();
        bad_args.extend(["--central-flow", value, "--out", bad.to_str().unwrap()]);
        bad_args.extend(extra);
        let o = stepsize(&bad_args);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{value}: {stderr}");
        assert!(stderr.contains(needle), "{stderr}");
        assert_eq!(
            std::fs::read_dir(&bad).unwrap().count(),
            0,
            "nothing written"
        );
    }
}

#[test]
fn an_eos_sweep_over_step_sizes_and_seeds_sharded_and_merged_equals_the_unsharded_run() {
    let args = [
        "eos",
        "--count",
        "300",
        "--hidden",
        "50",
        "--eta",
        "0.05:0.15:3",
        "--seeds",
        "2",
        "--steps",
        "60",
        "--every",
        "10",
    ];
    let whole = scratch("eos-sweep-whole");
    let shards = scratch("eos-sweep-shards");
    let merged = scratch("eos-sweep-merged");
    let run = |extra: &[&str]| {
        let mut a: Vec<&str> = args.to_vec();
        a.extend(extra);
        let o = stepsize(&a);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    };
    run(&["--out", whole.to_str().unwrap()]);
    for i in 0..4 {
        let shard = format!("{i}/4");
        run(&["--shard", &shard, "--out", shards.to_str().unwrap()]);
    }
    let o = stepsize(&[
        "merge",
        shards.to_str().unwrap(),
        "--out",
        merged.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for name in ["eos-sweep.csv", "eos-sweep.json", "eos-sweep.svg"] {
        assert_eq!(
            std::fs::read(whole.join(name)).unwrap(),
            std::fs::read(merged.join(name)).unwrap(),
            "{name}"
        );
    }
    let csv = std::fs::read_to_string(whole.join("eos-sweep.csv")).unwrap();
    assert_eq!(csv.lines().count(), 1 + 3 * 2, "a row per (η, seed)");
    // A missing shard is refused, naming what is missing.
    std::fs::remove_file(shards.join("shard-00002-of-00004.json")).unwrap();
    let o = stepsize(&[
        "merge",
        shards.to_str().unwrap(),
        "--out",
        scratch("eos-sweep-bad").to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn sigterm_stops_a_long_analysis_within_a_second_and_writes_nothing() {
    // A 4096² basin map (minutes) and a W6-sized edge-of-stability run (tens of seconds),
    // each sent SIGTERM one second in: exit code 143 within 2 s (24 ms measured alone), and the
    // output folder never created (no file, no temporary sibling).
    for args in [
        vec![
            "basins",
            "--loss",
            W5,
            "--eta",
            "0.12",
            "--grid",
            "4096",
            "--x=-2:2",
            "--y=-2:2",
            "--max-iterations",
            "100000",
        ],
        vec![
            "eos", "--eta", "0.035", "--steps", "100000", "--every", "25",
        ],
    ] {
        let out = scratch("sigterm");
        std::fs::remove_dir_all(&out).unwrap();
        let mut child = Command::new(env!("CARGO_BIN_EXE_stepsize"))
            .args(&args)
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the binary runs");
        std::thread::sleep(std::time::Duration::from_secs(1));
        let sent = std::time::Instant::now();
        let kill = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(kill.success());
        let output = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break (status, sent.elapsed());
            }
            assert!(
                sent.elapsed() < std::time::Duration::from_secs(10),
                "{args:?} still running"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        let stderr = {
            let mut text = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut text).unwrap();
            text
        };
        assert_eq!(output.0.code(), Some(143), "{args:?}: {stderr}");
        assert!(
            output.1 < std::time::Duration::from_secs(2),
            "{args:?}: {:?}",
            output.1
        );
        assert!(
            stderr.contains("stopped by SIGTERM before anything was written"),
            "{stderr}"
        );
        assert!(!out.exists(), "{args:?}: {} was created", out.display());
    }
}

#[test]
fn a_full_disk_leaves_the_previous_output_intact_and_names_the_path() {
    // A 1 MiB tmpfs (mounting needs root, as CI runs): a small basin map fits and is written;
    // a 600² one does not (labels.bin alone is 1.4 MB). The failed run exits 1 naming the file
    // it could not write, and the folder still holds the first map's files byte for byte, with
    // no temporary file left behind.
    let disk = scratch("full-disk");
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m", "tmpfs"])
        .arg(&disk)
        .status()
        .expect("mount runs");
    assert!(
        mounted.success(),
        "mounting a tmpfs needs root (CI runs as root)"
    );
    let out = disk.join("map");
    let basins = |grid: &str| {
        stepsize(&[
            "basins",
            "--loss",
            W5,
            "--eta",
            "0.12",
            "--grid",
            grid,
            "--x=-2:2",
            "--y=-2:2",
            "--out",
            out.to_str().unwrap(),
        ])
    };
    let first = basins("64");
    let before = files(&out);
    let second = basins("600");
    let after = files(&out);
    let _ = Command::new("umount").arg(&disk).status();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert_eq!(
        before.len(),
        4,
        "labels.bin, basins.json, basins.png, basins.svg"
    );
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("I/O error on") && stderr.contains(out.to_str().unwrap()),
        "{stderr}"
    );
    assert_eq!(after, before, "the previous output changed");
}

/// The attributes of each SVG element of a name, in document order.
fn elements(svg: &str, element: &str) -> Vec<std::collections::HashMap<String, String>> {
    svg.split(&format!("<{element} "))
        .skip(1)
        .map(|e| {
            let tag = &e[..e.find('>').unwrap_or(e.len())];
            tag.split('"')
                .collect::<Vec<_>>()
                .chunks(2)
                .filter(|pair| pair.len() == 2)
                .map(|pair| {
                    let name = pair[0].trim().trim_end_matches('=').to_string();
                    (name, pair[1].to_string())
                })
                .collect()
        })
        .collect()
}

#[test]
fn a_basin_map_fills_its_axes_with_the_legend_outside_and_a_png_of_one_pixel_per_start() {
    // The map of issue 27: over 200² starts, its labels long ("(+1.0000, -1.0000) Stable at η").
    let dir = scratch("basin-figure");
    let out = stepsize(&[
        "basins",
        "--loss",
        "(x^2-1)^2 + 2*(y^2-1)^2 + 0.5*x*y",
        "--eta",
        "0.12",
        "--grid",
        "200",
        "--x=-2:2",
        "--y=-2:2",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let svg = std::fs::read_to_string(dir.join("basins.svg")).unwrap();
    let png = std::fs::read(dir.join("basins.png")).unwrap();
    let number = |s: &str| s.parse::<f64>().unwrap();
    // The PNG: one pixel per start.
    assert_eq!(&png[12..16], b"IHDR");
    let size = |k: usize| u32::from_be_bytes(png[16 + 4 * k..20 + 4 * k].try_into().unwrap());
    assert_eq!((size(0), size(1)), (200, 200));
    // The image and the frame are one rectangle: the map fills its axes.
    let geometry = |e: &std::collections::HashMap<String, String>| -> Vec<f64> {
        ["x", "y", "width", "height"]
            .iter()
            .map(|a| number(&e[*a]))
            .collect()
    };
    let image = &elements(&svg, "image")[0];
    let rects = elements(&svg, "rect");
    let frame = rects
        .iter()
        .find(|r| r.get("fill").is_some_and(|f| f == "none"))
        .expect("a frame");
    assert_eq!(geometry(image), geometry(frame), "the map and its frame");
    assert_eq!(image["href"], "basins.png");
    let right = number(&image["x"]) + number(&image["width"]);
    // The legend: every swatch right of the frame; every line within the canvas.
    let width = number(&elements(&svg, "svg")[0]["width"]);
    let swatches: Vec<f64> = rects
        .iter()
        .filter(|r| r.get("width").is_some_and(|w| w == "12"))
        .map(|r| number(&r["x"]))
        .collect();
    let texts: Vec<(f64, &str)> = svg
        .split("<text ")
        .skip(1)
        .map(|t| {
            let x = t.split('"').nth(1).unwrap();
            (
                number(x),
                &t[t.find('>').unwrap() + 1..t.find("</text>").unwrap()],
            )
        })
        .collect();
    // Legend lines are the texts right of the frame; none may start inside it.
    let labels: Vec<(f64, &str)> = texts.iter().copied().filter(|(x, _)| *x > right).collect();
    let inside = |(x, _): &(f64, &str)| *x > number(&image["x"]) + 1.0 && *x < right - 1.0;
    assert!(
        !texts
            .iter()
            .any(|t| inside(t) && !t.1.starts_with("where GD") && t.1 != "x"),
        "a text inside the map: {texts:?}"
    );
    assert!(labels.len() >= 3, "{labels:?}");
    assert_eq!(labels.len(), swatches.len(), "one swatch per legend line");
    assert!(
        labels.iter().any(|(_, l)| l.ends_with("Stable at η")),
        "{labels:?}"
    );
    for x in &swatches {
        assert!(
            *x >= right + 10.0,
            "a swatch at x = {x} overlaps the map (right {right})"
        );
    }
    for (x, label) in &labels {
        assert!(*x > right, "`{label}` starts inside the map");
        let needed = x + label.chars().count() as f64 * stepsize_cli::svg::LEGEND_CHAR_WIDTH;
        assert!(
            needed <= width,
            "`{label}` needs {needed} px of a {width} px canvas"
        );
    }
    // Small: the cells are in the PNG, not in SVG rectangles.
    assert!(svg.len() < 4096, "basins.svg is {} bytes", svg.len());
    let _ = std::fs::remove_dir_all(&dir);
}
